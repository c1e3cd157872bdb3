/**
 * Backups: the catalog of the session's backup_dir, one line per VM and under it its dated
 * backups, newest first (date, kind, size, on disk, status, verification), in a window that
 * fits the terminal. Enter picks a backup to restore, space marks backups and `v` verifies the
 * marked ones (or the one under the cursor), `/` narrows the VMs by name, esc goes back. The
 * line under the list says why the backup under the cursor failed its last verify. Keys are folded through the pure machine of state/backups-list.ts, its newest state
 * kept in a ref so a chunk of keys each see the one before.
 */
import { Box, Text } from 'ink';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Catalog } from '../../catalog/types.js';
import { backupHeader, backupParts, vmLine } from '../components/backup-columns.js';
import { HelpBar } from '../components/help-bar.js';
import { KeyTable } from '../components/key-table.js';
import { clipToWidth, wrapToWidth } from '../components/text-fit.js';
import { useKeys } from '../hooks/use-keys.js';
import { useTerminal, useTerminalSize } from '../hooks/use-terminal.js';
import { type BackupsListEffect, type BackupsListState, backupsListState, countsText, cursorBackup, pressBackupsList, reloadList, resizeList } from '../state/backups-list.js';
import type { KeyPress } from '../state/key-split.js';
import { visibleLine } from '../state/line-edit.js';
import { windowRange } from '../state/window.js';

export interface BackupsScreenProps {
  backupDir: string;
  catalog: Catalog;
  /** The list as it was left (the cursor stays on the backup picked before, also over a catalog read again). */
  initial?: BackupsListState;
  onChange?(state: BackupsListState): void;
  onPick(effect: Extract<BackupsListEffect, { type: 'pick' }>): void;
  /** v: verify these backups; absent, v does nothing. */
  onVerify?(effect: Extract<BackupsListEffect, { type: 'verify' }>): void;
  onBack(): void;
  /** A note under the list (why a pick was refused, "Not restored."). */
  message?: string | null;
  /** Shown in the title when no pool is connected: picking a backup then asks for one. */
  offline?: boolean;
  size?: { columns: number; rows: number };
}

export const BACKUPS_BAR = [
  ['↑↓', 'move'],
  ['ret', 'restore'],
  ['spc', 'mark'],
  ['v', 'verify'],
  ['/', 'filter by name'],
  ['?', 'help'],
  ['esc', 'back'],
] as const;

/** Title, header, message line, filter line, key bar, one spare. */
const CHROME = 6;

export function BackupsScreen(props: BackupsScreenProps) {
  const terminal = useTerminalSize();
  const { ascii } = useTerminal();
  const { columns, rows } = props.size ?? terminal;
  const pageSize = Math.max(3, rows - CHROME);
  const [state, setState] = useState<BackupsListState>(() => (props.initial ? (props.initial.catalog === props.catalog ? resizeList(props.initial, pageSize) : reloadList(props.initial, props.catalog, pageSize)) : backupsListState(props.catalog, pageSize)));
  const [help, setHelp] = useState(false);
  const live = useRef({ state, props, help });
  live.current.props = props;

  const commit = useCallback((next: BackupsListState) => {
    live.current.state = next;
    setState(next);
    live.current.props.onChange?.(next);
  }, []);

  const onKey = useCallback(
    (press: KeyPress) => {
      if (live.current.help) {
        live.current.help = false;
        setHelp(false);
        return;
      }
      const { state: before, props: p } = live.current;
      const { state: next, effect } = pressBackupsList(before, press);
      if (next !== before) commit(next);
      if (effect?.type === 'pick') p.onPick(effect);
      else if (effect?.type === 'back') p.onBack();
      else if (effect?.type === 'verify') p.onVerify?.(effect);
      else if (effect?.type === 'help') {
        live.current.help = true;
        setHelp(true);
      }
    },
    [commit],
  );
  useKeys(onKey);

  useEffect(() => {
    const current = live.current.state;
    if (current.win.pageSize !== pageSize) commit(resizeList(current, pageSize));
  }, [pageSize, commit]);

  if (help) return <BackupsHelp />;
  const shown = state.win.pageSize === pageSize ? state : resizeList(state, pageSize);
  const { start, end } = windowRange(shown.win, shown.lines.length);
  const lines = [];
  for (let i = start; i < end; i++) {
    const line = shown.lines[i]!;
    const cursor = i === shown.win.cursor;
    if (line.kind === 'vm') {
      lines.push(
        <Text key={i} bold wrap="truncate">
          {vmLine(line.vm, columns, ascii)}
        </Text>,
      );
      continue;
    }
    const parts = backupParts(line.backup, columns, cursor, ascii, shown.marked.has(line.backup.path));
    lines.push(
      <Text key={i} inverse={cursor} wrap="truncate">
        {parts.left}
        <Text {...(parts.status.color ? { color: parts.status.color } : {})}>{parts.status.text}</Text>
        <Text {...(parts.verify.color ? { color: parts.verify.color } : { dimColor: !cursor })}>{parts.verify.text}</Text>
      </Text>,
    );
  }
  if (lines.length === 0) {
    const empty = props.catalog.vms.length === 0 ? `No backups in ${props.backupDir}: back up a VM first (enter in the VM list), or change backup_dir (b).` : `No VM name holds "${state.filter}".`;
    for (const [i, text] of wrapToWidth(empty, columns - 3).slice(0, pageSize).entries()) {
      lines.push(
        <Text key={`empty-${i}`} dimColor>
          {'  '}
          {text}
        </Text>,
      );
    }
  }
  const title = `Backups in ${props.backupDir}: ${countsText(shown)}${props.offline ? ' (no pool connected)' : ''}`;
  const filterLine = state.editing ? visibleLine(state.editing, Math.max(10, columns - 12)) : null;
  return (
    <Box flexDirection="column">
      <Text bold>{clipToWidth(title, columns - 1, ascii)}</Text>
      <Text bold wrap="truncate">
        {backupHeader(columns, ascii)}
      </Text>
      {lines}
      {Array.from({ length: Math.max(0, pageSize - lines.length) }, (_, i) => (
        <Text key={`pad-${i}`}> </Text>
      ))}
      <Text color={props.message ? 'yellow' : 'red'} wrap="truncate-end">
        {clipToWidth(props.message ?? failedDetail(shown) ?? ' ', columns - 1, ascii)}
      </Text>
      {filterLine ? (
        <Text>
          {'filter: '}
          {filterLine.before}
          <Text inverse>{filterLine.at}</Text>
          {filterLine.after}
        </Text>
      ) : (
        <Text dimColor>{state.filter ? clipToWidth(`filter: ${state.filter} (/ changes it)`, columns - 1, ascii) : ' '}</Text>
      )}
      <HelpBar items={BACKUPS_BAR} />
    </Box>
  );
}

/** Why the backup under the cursor failed its last verify, as verify recorded it. */
function failedDetail(state: BackupsListState): string | null {
  const v = cursorBackup(state)?.backup.verification;
  if (!v || v.result !== 'failed') return null;
  return `verify FAILED: ${v.detail ?? 'no detail recorded'}`;
}

function BackupsHelp() {
  return (
    <Box flexDirection="column">
      <KeyTable title="Keys of the Backups screen" rows={BACKUPS_HELP} />
      <Text wrap="wrap">
        Columns: the backup's date (local time, as its folder is named), its kind (XVA = vm-export, VDI raw/vhd = vdi-export, delta +N = a point of a delta chain, N deltas above its full (+0: the full)), its size and the space it
        takes on disk, complete (it has its success marker) or UNFINISHED (a run died or still runs: a restore asks first), and the last `vmbackup
        verify` result (ok or FAILED with its date; the line under the list says why the backup under the cursor failed). v reads every file of each
        backup through its format's checks, one backup at a time, and records the result beside it; it never deletes or renames a backup.
      </Text>
      <Text dimColor>Any key goes back.</Text>
    </Box>
  );
}

export const BACKUPS_HELP: readonly (readonly [string, string])[] = [
  ['↑ ↓  j k', 'move between backups'],
  ['PgUp PgDn', 'move a page'],
  ['Home End  g G', 'first / last backup'],
  ['enter', 'restore this backup: options, then a confirm screen'],
  ['space', 'mark / unmark this backup for v (* before it)'],
  ['v', 'verify the marked backups, or this one when none is marked'],
  ['/', 'show only VMs whose name holds the text (esc clears)'],
  ['?', 'this help'],
  ['esc  q', 'back'],
];
