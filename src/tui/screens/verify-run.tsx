/**
 * A verify in progress: one bar of the bytes read of all the selected backups (with the rate and
 * the time left), the backup being read now, and a line per backup checked so far (OK, or
 * FAILED with the first place it broke; the summary has every finding). Esc, q, c and Ctrl-C
 * (and a SIGTERM, through `interrupt`) cancel at once: a verify only reads, so there is nothing
 * to ask about. When it settles the summary follows by itself.
 */
import { Box, Text } from 'ink';
import { useEffect } from 'react';
import { localDate } from '../components/backup-columns.js';
import { ProgressBar } from '../components/progress-bar.js';
import { bytesText, durationText, fit, percent, rateText } from '../components/run-format.js';
import { useKeys } from '../hooks/use-keys.js';
import { useTerminal, useTerminalSize } from '../hooks/use-terminal.js';
import { type StartVerify, type VerifyOutcome, useVerifyRun } from '../hooks/use-verify-run.js';
import { findingText, sameFolder } from '../state/verify-progress.js';
import type { BackupVerdict, VerifyTarget } from '../../verify/types.js';

export interface VerifyRunProps {
  targets: readonly VerifyTarget[];
  start: StartVerify;
  title: string;
  onFinished(outcome: VerifyOutcome): void;
  interrupt?: ((handler: () => void) => () => void) | undefined;
  size?: { columns: number; rows: number };
}

/** `web-01 2026-05-06 14:45:18`: a backup as the list shows it, from the target the folder names. */
export function backupLabel(targets: readonly VerifyTarget[], vm: string, folder: string): string {
  const t = targets.find((x) => x.vm === vm && sameFolder(x.backup.path, folder)) ?? targets.find((x) => sameFolder(x.backup.path, folder));
  return t ? `${t.vm} ${localDate(t.backup.date)}` : `${vm} ${folder}`;
}

export function verdictLine(targets: readonly VerifyTarget[], v: BackupVerdict): string {
  const label = backupLabel(targets, v.vm, v.folder);
  if (v.ok) return `OK      ${label}${v.notes?.length ? ` (${v.notes.join('; ')})` : ''}`;
  const first = v.findings[0];
  const more = v.findings.length > 1 ? ` (+${v.findings.length - 1} more)` : '';
  return `FAILED  ${label}${first ? `: ${findingText(first)}` : ''}${more}`;
}

export function VerifyRunScreen(props: VerifyRunProps) {
  const run = useVerifyRun(props.targets, props.start);
  const terminal = useTerminalSize();
  const { columns, rows } = props.size ?? terminal;
  const { ascii } = useTerminal();
  const width = Math.max(40, columns);
  const { view, outcome } = run;

  useEffect(() => {
    if (!props.interrupt) return undefined;
    return props.interrupt(() => run.cancel());
  }, [props.interrupt]);

  useEffect(() => {
    if (outcome) props.onFinished(outcome);
  }, [outcome]);

  useKeys(({ input, key }) => {
    if (outcome || run.cancelled) return;
    if ((key.ctrl && input === 'c') || key.escape || input === 'q' || input === 'c') run.cancel();
  });

  // Title, blank, bar, counts, the running backups, blank, footer, one spare.
  const listCount = Math.max(3, rows - 8 - Math.max(1, view.running.length));
  const lines = view.verdicts.slice(-listCount);
  return (
    <Box flexDirection="column" width={width}>
      <Text bold>{fit(props.title, width - 1, ascii)}</Text>
      <Text> </Text>
      <Box>
        <Text>{fit('read', 9)} </Text>
        <ProgressBar fraction={view.fraction} width={Math.max(10, width - 46)} color={view.failed > 0 ? 'red' : 'cyan'} />
        <Text>
          {' '}
          {percent(view.fraction)} {bytesText(view.done)} {rateText(view.rate)} {fit(durationText(view.etaSeconds), 8)}
        </Text>
      </Box>
      <Text dimColor>{fit(`of ${bytesText(view.total).trim()}; checked ${view.checked} of ${view.targets}: ${view.ok} OK, ${view.failed} FAILED`, width - 1, ascii)}</Text>
      {view.running.length === 0 ? (
        <Text>{fit(view.checked < view.targets ? 'now: starting' : 'now: done', width - 1, ascii)}</Text>
      ) : (
        view.running.map((r) => <Text key={r.folder}>{fit(`now: ${backupLabel(props.targets, r.vm, r.folder)} (${bytesText(r.done).trim()} of ${bytesText(r.total).trim()})`, width - 1, ascii)}</Text>)
      )}
      <Text> </Text>
      {lines.map((v, i) => (
        <Text key={i} {...(v.ok ? { color: 'green' } : { color: 'red' })} wrap="truncate-end">
          {fit(verdictLine(props.targets, v), width - 1, ascii).trimEnd()}
        </Text>
      ))}
      {run.cancelled ? <Text color="yellow">cancelling: stopping the reads...</Text> : <Text dimColor>esc / q / c: cancel (a verify only reads; the backups are left as they are)</Text>}
    </Box>
  );
}
