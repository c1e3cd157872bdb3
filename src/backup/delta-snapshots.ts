/**
 * The pool side of a delta chain: the snapshot of a delta backup is kept as the base of the
 * next one (delta-restore.md §A.2: XO never deletes the newest snapshot in delta mode). It is
 * born with the run tag like every snapshot of ours; once the backup's `success` marker is
 * written it becomes the base: BASE_TAG (the dated folder it was exported to) goes on the
 * snapshot VM and its disks, then the run tag comes off, so the sweep no longer sees a leftover.
 * A kill between the two leaves both tags: the sweep then keeps it as a base (BASE_TAG wins).
 * Before that marker it is never a base: a failed export cannot become the next delta's parent.
 */
import type { PoolConnection } from '../xapi/connection.js';
import { backupFolderSortKey } from './layout.js';
import { destroyVmSnapshot, ownedDisks, type RetryPolicy, RUN_TAG, setTag, untag } from './snapshots.js';

export const BASE_TAG = 'vmbackup:delta-base';

/** A snapshot of `vm` that is (or was) a delta base, with the folder its backup went to. */
export interface DeltaBase {
  ref: string;
  uuid: string;
  folder: string;
}

/** Every base snapshot of `vm` in the cache, newest backup first. */
export function deltaBasesOf(conn: PoolConnection, vm: { ref: string }): DeltaBase[] {
  const bases: DeltaBase[] = [];
  for (const snap of conn.vms()) {
    if (!snap.isSnapshot || snap.snapshotOf !== vm.ref) continue;
    const folder = snap.otherConfig[BASE_TAG];
    if (folder !== undefined) bases.push({ ref: snap.ref, uuid: snap.uuid, folder });
  }
  const key = (b: DeltaBase) => backupFolderSortKey(b.folder) ?? '';
  return bases.sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : 0));
}

/** After the success marker: the snapshot becomes the base of the next delta. */
export async function markDeltaBase(conn: PoolConnection, snap: string, folder: string): Promise<void> {
  const disks = await ownedDisks(conn, snap);
  await setTag(conn, 'VM', snap, BASE_TAG, folder);
  for (const vdi of disks) await setTag(conn, 'VDI', vdi, BASE_TAG, folder);
  await untag(conn, 'VM', snap, RUN_TAG);
  for (const vdi of disks) await untag(conn, 'VDI', vdi, RUN_TAG);
}

/**
 * Removes every base of `vm` but `keep` (at most one base per VM stays on the pool). Failures
 * are returned as lines, never thrown: a base left behind costs space, not a backup; the sweep
 * of the next run tries again.
 */
export async function removeOtherBases(conn: PoolConnection, vm: { ref: string; name: string }, keep: string | null, retry: RetryPolicy, log: (m: string) => void): Promise<{ removed: string[]; failed: string[] }> {
  const removed: string[] = [];
  const failed: string[] = [];
  for (const base of deltaBasesOf(conn, vm)) {
    if (base.ref === keep) continue;
    try {
      await destroyVmSnapshot(conn, base.ref, retry, log);
      removed.push(`the previous delta base snapshot ${base.uuid} (of ${base.folder})`);
    } catch (err) {
      if ((err as { code?: unknown }).code === 'CONNECTION_LOST') throw err;
      failed.push(`could not remove the previous delta base snapshot ${base.uuid} (of ${base.folder}): ${(err as Error).message}; the next run tries again`);
    }
  }
  return { removed, failed };
}

