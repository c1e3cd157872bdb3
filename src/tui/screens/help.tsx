/** The select screen's keys in full; any key goes back. */
import { Box, Text, useInput } from 'ink';
import { KEY_HELP } from '../state/keys.js';

export interface HelpScreenProps {
  onBack(): void;
}

export function HelpScreen({ onBack }: HelpScreenProps) {
  useInput(() => onBack());
  return (
    <Box flexDirection="column">
      <Text bold>Keys of the VM list</Text>
      {KEY_HELP.map(([keys, what]) => (
        <Text key={keys} wrap="truncate-end">
          <Text color="cyan">{keys.padEnd(15)}</Text>
          {what}
        </Text>
      ))}
      <Text> </Text>
      <Text wrap="wrap">
        Columns: mark, name, power state, mode, backups kept (:N is an override of max_backups), disks and their size, age of the last successful
        backup in backup_dir.
      </Text>
      <Text dimColor>Any key goes back.</Text>
    </Box>
  );
}
