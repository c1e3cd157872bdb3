/**
 * The verify room: backups read at rest and judged (`vmbackup verify`, `verify_after`, the TUI's
 * verify of a selection). Types in types.ts; targets.ts resolves PATHs, run.ts reads backups
 * `jobs` at a time, check-backup.ts / check-file.ts / metadata.ts judge one, record.ts keeps the
 * verdict beside it. Nothing here deletes or renames a backup.
 */
import { basename, dirname, resolve } from 'node:path';
import { vmNameOfFolder } from '../backup/layout.js';
import { readBackup } from '../catalog/resolve.js';
import { findingText } from './finding.js';
import { verifyOne } from './run.js';
import type { BackupVerdict, VerifyEvent, VerifyOptions, VerifyTarget } from './types.js';

export type * from './types.js';
export { verifyBackups, verifyOne } from './run.js';
export { parseSince, resolveVerifyTargets, type TargetFilter } from './targets.js';
export { findingText } from './finding.js';
export { recordDetail } from './record.js';

export interface VerifyFolderOptions {
  signal: AbortSignal;
  onEvent?: (event: VerifyEvent) => void;
  /** Write vmbackup-verify.json (default true). */
  record?: boolean;
  now?: () => Date;
  /** The VM's name; default: decoded from the VM folder's name. */
  vm?: string;
  /** The structural pass also for files whose sums match (VerifyOptions.deep). */
  deep?: boolean;
  /** A delta point's earlier links: read ('read', default) or by their records only (VerifyOptions.chainLinks). */
  chainLinks?: 'read' | 'records';
}

/**
 * One dated backup folder (absolute or relative to the current folder), read and judged, its
 * record written. Throws NOT_FOUND / NOT_A_BACKUP for a path that is no dated folder, and the
 * signal's reason when stopped.
 */
export async function verifyBackupFolder(path: string, opts: VerifyFolderOptions): Promise<BackupVerdict> {
  const abs = resolve(path);
  const backup = await readBackup(abs);
  let vm = opts.vm;
  if (vm === undefined) {
    try {
      vm = vmNameOfFolder(basename(dirname(abs)));
    } catch {
      vm = basename(dirname(abs));
    }
  }
  const target: VerifyTarget = { vm, backup, backupDir: dirname(dirname(abs)) };
  const options: Omit<VerifyOptions, 'jobs'> = { signal: opts.signal, onEvent: opts.onEvent ?? (() => undefined) };
  if (opts.record !== undefined) options.record = opts.record;
  if (opts.now !== undefined) options.now = opts.now;
  if (opts.deep !== undefined) options.deep = opts.deep;
  if (opts.chainLinks !== undefined) options.chainLinks = opts.chainLinks;
  return verifyOne(target, options);
}

/**
 * verify_after's re-read in the shape backup/context.ts `CheckWritten` asks: the folder just
 * written, read back from the disk; `detail` is the first finding as verify prints it. A delta
 * point's earlier links are judged by their markers, records and VHD identities, not read again:
 * each was read back when it was written, and reading the whole chain every night would undo
 * what a delta saves (`vmbackup verify` reads them).
 */
export async function checkWrittenBackup(folder: string, vmName: string, signal: AbortSignal): Promise<{ ok: true; bytes: number } | { ok: false; detail: string }> {
  const verdict = await verifyBackupFolder(folder, { signal, vm: vmName, chainLinks: 'records' });
  if (verdict.ok) return { ok: true, bytes: verdict.bytes };
  const more = verdict.findings.length > 1 ? ` (and ${verdict.findings.length - 1} more)` : '';
  return { ok: false, detail: findingText(verdict.findings[0]!) + more };
}
