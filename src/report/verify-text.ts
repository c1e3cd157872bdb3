/**
 * `vmbackup verify` on a screen: one line per backup, `OK <folder>` (with what could not be
 * checked, e.g. "no sums recorded") or `FAILED <folder> <file>: <layer> <member> at byte
 * <offset>: <reason>` (the first finding; the others follow, indented, as `also …`), then a
 * total. Pure; names and reasons from the disk are escaped (`printable`).
 */
import { findingText } from '../verify/finding.js';
import type { BackupVerdict, VerifySummary } from '../verify/types.js';
import { humanBytes } from '../util/human-bytes.js';
import { printable } from './printable.js';

export function verdictLines(v: BackupVerdict): string[] {
  const out: string[] = [];
  if (v.ok) out.push(`OK ${printable(v.folder)}${v.notes.length > 0 ? ` (${printable(v.notes.join('; '))})` : ''}`);
  else {
    const [first, ...rest] = v.findings;
    out.push(`FAILED ${printable(v.folder)} ${printable(findingText(first!))}`);
    for (const f of rest) out.push(`  also ${printable(findingText(f))}`);
  }
  if (v.recordProblem !== null) out.push(`  not recorded: ${printable(v.recordProblem)}`);
  return out;
}

/** `checked 5 backups: 4 ok, 1 failed; 1.2 GiB in 3.4 s (372.1 MB/s)`. */
export function totalLine(s: VerifySummary): string {
  const failed = s.verdicts.filter((v) => !v.ok).length;
  const seconds = s.elapsedMs / 1000;
  const rate = s.bytes / 1e6 / Math.max(seconds, 0.001);
  const head = `checked ${s.checked} backup${s.checked === 1 ? '' : 's'}: ${s.ok} ok, ${failed} failed; ${humanBytes(s.bytes)} in ${seconds.toFixed(1)} s (${rate.toFixed(1)} MB/s)`;
  return s.cancelled ? `${head}; interrupted: the others were not checked` : head;
}
