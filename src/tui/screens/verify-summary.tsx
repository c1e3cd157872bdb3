/**
 * The end of a verify: a line per backup, OK or FAILED, and under a failed one every finding
 * (file, layer, member, byte offset, reason: the words of `vmbackup verify`), a record that could
 * not be written, the backups a cancel left unread, and the total. Taller than the terminal, it
 * scrolls as the restore summary does. Every key that is not a scroll key goes back to the
 * Backups list, which reads the catalog again and so shows the new records (q too: here it
 * means "back", as in the list, so a q typed twice to cancel does not end the app).
 */
import { Text } from 'ink';
import { humanBytes } from '../../backup/free-space.js';
import { localDate } from '../components/backup-columns.js';
import { durationText } from '../components/run-format.js';
import { plain, type ScreenLine } from '../components/screen-lines.js';
import { ScrollingPage, useScrollWindow } from '../components/scrolling-page.js';
import { wrapLines } from '../components/wrap-lines.js';
import { useKeys } from '../hooks/use-keys.js';
import { useTerminal, useTerminalSize } from '../hooks/use-terminal.js';
import type { VerifyOutcome } from '../hooks/use-verify-run.js';
import { findingText, sameFolder } from '../state/verify-progress.js';
import type { BackupVerdict, VerifyTarget } from '../../verify/types.js';
import { backupLabel } from './verify-run.js';

export interface VerifySummaryProps {
  outcome: VerifyOutcome;
  targets: readonly VerifyTarget[];
  /** enter, esc, b, q: the Backups list, read again. */
  onBackups(): void;
  size?: { columns: number; rows: number };
}

const block = (text: string, w: number, indent: string, style: Omit<ScreenLine[number], 'text'> = {}) => wrapLines(text, w, indent).map((l) => plain(l, style));

export function verifyVerdicts(outcome: VerifyOutcome): BackupVerdict[] {
  return outcome.kind === 'done' ? outcome.summary.verdicts : outcome.verdicts;
}

/** Title and colour: all OK (green), some FAILED (red), cancelled or stopped (yellow / red). */
export function verifyTitle(outcome: VerifyOutcome, targets: number): { text: string; color: string } {
  const verdicts = verifyVerdicts(outcome);
  const failed = verdicts.filter((v) => !v.ok).length;
  const of = `${verdicts.length} of ${targets} checked`;
  if (outcome.kind === 'failed') return outcome.cancelled ? { text: `Verify cancelled: ${of}${failed ? `, ${failed} FAILED` : ''}`, color: failed ? 'red' : 'yellow' } : { text: `Verify stopped: ${outcome.error.code}`, color: 'red' };
  if (outcome.summary.cancelled) return { text: `Verify cancelled: ${of}${failed ? `, ${failed} FAILED` : ''}`, color: failed ? 'red' : 'yellow' };
  if (failed > 0) return { text: `Verify: ${failed} of ${verdicts.length} FAILED`, color: 'red' };
  return { text: `Verified: ${verdicts.length === 1 ? 'the backup is' : `all ${verdicts.length} backups are`} OK`, color: 'green' };
}

export function verifySummaryLines(outcome: VerifyOutcome, targets: readonly VerifyTarget[], width: number): ScreenLine[] {
  const w = Math.max(20, width - 1);
  const out: ScreenLine[] = [];
  if (outcome.kind === 'failed' && !outcome.cancelled) {
    out.push(...block(`${outcome.error.code}: ${outcome.error.message}`, w, '  ', { color: 'red' }));
    if (outcome.error.hint) out.push(...block(`fix: ${outcome.error.hint}`, w, '     '));
  }
  const verdicts = verifyVerdicts(outcome);
  for (const v of verdicts) {
    const label = backupLabel(targets, v.vm, v.folder);
    if (v.ok) out.push(...block(`OK      ${label}  ${humanBytes(v.bytes)}${v.notes?.length ? ` (${v.notes.join('; ')})` : ''}`, w, '        ', { color: 'green' }));
    else {
      out.push(...block(`FAILED  ${label}`, w, '        ', { color: 'red', bold: true }));
      for (const f of v.findings) out.push(...block(`  ${findingText(f)}`, w, '      '));
      // The folder as verify names it (relative to backup_dir): a whole path would wrap mid-name.
      out.push(...block(`  folder ${v.folder}`, w, '      ', { dim: true }));
    }
    if (v.recordProblem) out.push(...block(`  the result could not be recorded beside the backup: ${v.recordProblem}`, w, '      ', { color: 'yellow' }));
    // The engine records nothing in a folder without its success marker (a run may be writing it).
    else if (v.recorded === false) out.push(...block('  not recorded: the folder has no success marker, so the list keeps showing it as not verified', w, '      ', { dim: true }));
  }
  const unread = targets.filter((t) => !verdicts.some((v) => v.path === t.backup.path || sameFolder(t.backup.path, v.folder)));
  if (unread.length > 0) {
    out.push(plain(''));
    out.push(...block(`Not checked (${unread.length}): their last record stays as it was.`, w, '  ', { color: 'yellow' }));
    for (const t of unread) out.push(...block(`  ${t.vm} ${localDate(t.backup.date)}`, w, '    ', { dim: true }));
  }
  if (outcome.kind === 'done') {
    const s = outcome.summary;
    const secs = s.elapsedMs / 1000;
    const rate = secs > 0 ? `, ${(s.bytes / secs / 1e6).toFixed(1)} MB/s` : '';
    out.push(plain(''));
    out.push(...block(`${s.checked} checked: ${s.ok} OK, ${s.checked - s.ok} FAILED; ${humanBytes(s.bytes)} read in ${durationText(secs)}${rate}`, w, '  ', { dim: true }));
  }
  if (verdicts.some((v) => !v.ok)) {
    out.push(...block('A failed backup is kept as it is (never deleted or renamed): restore from another one, and run a new backup of the VM.', w, '  ', { dim: true }));
  }
  return out;
}

export function VerifySummaryScreen({ outcome, targets, onBackups, size }: VerifySummaryProps) {
  const terminal = useTerminalSize();
  const { columns, rows } = size ?? terminal;
  const { ascii } = useTerminal();
  const width = Math.max(40, columns);
  const lines = verifySummaryLines(outcome, targets, width);
  const scroll = useScrollWindow(lines.length, rows);

  useKeys(({ input, key }) => {
    if (key.return || key.escape || input === 'b' || input === 'q') return onBackups();
    scroll.scroll(key);
  });

  const title = verifyTitle(outcome, targets.length);
  const heading = (
    <Text bold color={title.color}>
      {title.text}
    </Text>
  );
  return <ScrollingPage title={heading} lines={lines} window={scroll} keys="enter / esc: back to the backups" width={width} ascii={ascii} />;
}
