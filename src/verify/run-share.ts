/**
 * What the backups of one verify run share: each dated folder's own check (marker, metadata,
 * its files: check-backup.ts), done once. A delta point needs the checks of every earlier point
 * of its chain (chain-check.ts), and `vmbackup verify --backup-dir` verifies those points too:
 * without sharing, the full at the bottom of a depth-5 chain would be read six times. The first
 * one to ask reads; everyone after (or at the same time, with --jobs) gets the same verdict.
 */
import { resolve } from 'node:path';
import { type BackupCheck, checkBackup, type CheckHow } from './check-backup.js';
import type { VerifyTarget } from './types.js';

export interface RunShare {
  /** Absolute paths of the dated folders this run verifies whole (their records are rewritten by it). */
  readonly targets: ReadonlySet<string>;
  readonly own: Map<string, Promise<BackupCheck>>;
}

export function newRunShare(targets: readonly VerifyTarget[]): RunShare {
  const whole = targets.filter((t) => t.files === undefined && !t.lone).map((t) => resolve(t.backup.path));
  return { targets: new Set(whole), own: new Map() };
}

/** Only a whole dated folder is shared: a PATH naming some of its files is checked on its own. */
function keyOf(target: VerifyTarget): string | null {
  return target.files === undefined && !target.lone ? resolve(target.backup.path) : null;
}

/** True when the folder's own check is already done (or under way) in this run. */
export function isShared(share: RunShare, folderPath: string): boolean {
  return share.own.has(resolve(folderPath));
}

/**
 * The folder's own check; `fresh` is true when this call read it (its bytes count here), false
 * when it was read earlier in this run. Throws only the signal's reason.
 */
export async function ownCheck(share: RunShare, target: VerifyTarget, signal: AbortSignal, onBytes: (done: number) => void, how: CheckHow): Promise<{ check: BackupCheck; fresh: boolean }> {
  const key = keyOf(target);
  if (key === null) return { check: await checkBackup(target, signal, onBytes, how), fresh: true };
  const known = share.own.get(key);
  if (known) return { check: await known, fresh: false };
  const running = checkBackup(target, signal, onBytes, how);
  share.own.set(key, running);
  return { check: await running, fresh: true };
}
