/**
 * Retention in a VM folder that holds delta chains: max_backups counts restore points, and
 * dropping the oldest point of a chain merges its child into it (chain/drop-point.ts) instead
 * of deleting a file a newer point needs. A point nobody depends on is deleted as before. A
 * merge interrupted by a kill is finished (or rolled back) before anything else touches the
 * folder, so the folder it names is never taken for an unfinished backup and deleted.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { dropPoint, type DropDeps, resumeDrop } from '../chain/drop-point.js';
import { readDeltaRecord } from '../chain/walk.js';
import { VmbackupError } from '../errors.js';
import { recordMergedSums } from './delta-sums.js';
import { backupFolderSortKey } from './layout.js';
import { removeFolder } from './retention.js';

function deps(backupDir: string): DropDeps {
  return { removeFolder: (path) => removeFolder(backupDir, path), onFileReplaced: recordMergedSums };
}

/** Before a VM's backup: an interrupted merge finished; a line for the log when there was one. */
export async function resumeInterruptedMerge(backupDir: string, vmDir: string): Promise<string | null> {
  const outcome = await resumeDrop(vmDir, deps(backupDir));
  if (outcome.done === 'nothing') return null;
  if (outcome.done === 'rolled-back') return `an interrupted merge of ${outcome.parent} into ${outcome.child} had not started; nothing changed`;
  return `finished an interrupted merge: ${outcome.parent} merged into ${outcome.child}, ${outcome.parent} removed`;
}

/** The delta point whose parent is `name`, if any (a chain has one child per point). */
async function childOf(vmDir: string, name: string): Promise<string | null> {
  const entries = await readdir(vmDir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isDirectory() || e.name === name || backupFolderSortKey(e.name) === null) continue;
    const record = await readDeltaRecord(join(vmDir, e.name)).catch(() => null);
    if (record?.parent === name) return e.name;
  }
  return null;
}

export type Dropped = { how: 'deleted' } | { how: 'merged'; into: string } | { how: 'kept'; why: string };

/** Removes the restore point `name` from `vmDir`: merged into its child when one depends on it. */
export async function dropBackup(backupDir: string, vmDir: string, name: string): Promise<Dropped> {
  const child = await childOf(vmDir, name);
  if (child === null) {
    await removeFolder(backupDir, join(vmDir, name));
    return { how: 'deleted' };
  }
  try {
    await dropPoint(vmDir, name, child, deps(backupDir));
    return { how: 'merged', into: child };
  } catch (err) {
    // Refused before a byte changed: the point stays, a later run tries again.
    if (err instanceof VmbackupError && err.code === 'MERGE_REFUSED') return { how: 'kept', why: err.message };
    throw err;
  }
}
