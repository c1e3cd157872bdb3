/**
 * The select screen's keys in full. The select screen shows it as one of its states and takes
 * the key that closes it itself; given `onBack`, it takes any key on its own.
 */
import { Box, Text } from 'ink';
import { KeyTable } from '../components/key-table.js';
import { useKeys } from '../hooks/use-keys.js';
import { KEY_HELP } from '../state/keys.js';

export interface HelpScreenProps {
  onBack?(): void;
}

export function HelpScreen({ onBack }: HelpScreenProps) {
  useKeys(() => onBack?.(), { isActive: onBack !== undefined });
  return (
    <Box flexDirection="column">
      <KeyTable title="Keys of the VM list" rows={KEY_HELP} />
      <Text wrap="wrap">
        In the filter and backup_dir lines: ← → Home End, Backspace, ctrl-u / ctrl-k delete to the start / end; enter keeps, esc cancels.
      </Text>
      <Text wrap="wrap">
        Columns: mark, name, power state, mode, backups kept (:N is an override of max_backups), disks and their size (1 of 3: a VDI mode takes
        the boot disk only), age of the last successful backup in backup_dir, and when that backup is a delta its chain: full, or +N diffs on it.
      </Text>
      <Text dimColor>Any key goes back.</Text>
    </Box>
  );
}
