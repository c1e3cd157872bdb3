/**
 * The verdict kept beside the backup, `<dated folder>/vmbackup-verify.json` (catalog/parse.ts
 * VERIFY_FILE: {"at", "result", "detail"?}), which `vmbackup list` and the TUI show. Written whole
 * (temp, fsync, rename: backup/finalize.ts) and replacing the last one. A record that cannot be
 * written is said, never a reason to fail or touch the backup.
 */
import { join } from 'node:path';
import { writeSmallFile } from '../backup/finalize.js';
import { isoLocal, VERIFY_FILE } from '../catalog/parse.js';
import type { VerificationRecord } from '../catalog/types.js';
import { findingText } from './finding.js';
import type { VerifyFinding } from './types.js';

/** The detail of a failed record: the first finding, and how many more (bounded: list reads it whole). */
export function recordDetail(findings: readonly VerifyFinding[]): string | undefined {
  if (findings.length === 0) return undefined;
  const first = findingText(findings[0]!);
  const more = findings.length > 1 ? ` (and ${findings.length - 1} more)` : '';
  return (first.length > 1000 ? `${first.slice(0, 1000)}…` : first) + more;
}

/** Writes the record; the reason when it could not be written, else null. */
export async function writeVerifyRecord(folderPath: string, findings: readonly VerifyFinding[], at: Date): Promise<string | null> {
  const detail = recordDetail(findings);
  const record: VerificationRecord = { at: isoLocal(at), result: findings.length === 0 ? 'ok' : 'failed', ...(detail === undefined ? {} : { detail }) };
  try {
    await writeSmallFile(join(folderPath, VERIFY_FILE), `${JSON.stringify(record)}\n`, { replace: true });
    return null;
  } catch (err) {
    return `${VERIFY_FILE} could not be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
}
