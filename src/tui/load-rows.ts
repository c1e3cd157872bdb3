/**
 * The select screen's rows from the pool's VM records: only VMs a cfg selector could back up
 * (templates, snapshots and dom0 are never rows, as selection/ never picks them), with their
 * disks, the newest successful backup found in backup_dir and, when that backup is a delta
 * point, its chain depth (chain/depth.ts, injectable for tests).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { bootDisk } from '../backup/vdi-disks.js';
import { chainDepth } from '../chain/depth.js';
import { backupFolderSortKey, NO_OWN_NAMES, type OwnNames, ownNamesIn, vmFolderSpellings } from '../backup/layout.js';
import { readListing } from '../backup/retention.js';
import { isBackupCandidate } from '../selection/index.js';
import type { VmInfo } from '../xapi/records.js';
import type { VmRow } from './contracts.js';


/** Disks are VBDs of type Disk with a VDI (CD drives and empty drives are not backed up). */
function disksOf(vm: VmInfo): { count: number; bytes: number } {
  let count = 0;
  let bytes = 0;
  for (const vbd of vm.vbds) {
    if (vbd.type !== 'Disk' || vbd.empty || vbd.vdi === null) continue;
    count++;
    bytes += vbd.vdi.virtualSize;
  }
  return { count, bytes };
}

/** Rows without the backup ages, sorted by name as the list shows them (stable for equal names). */
export function vmRows(vms: readonly VmInfo[]): VmRow[] {
  return vms
    .filter(isBackupCandidate)
    .map((vm) => {
      const disks = disksOf(vm);
      const boot = bootDisk(vm)?.vdi;
      const row: VmRow = { uuid: vm.uuid, name: vm.name, powerState: vm.powerState, diskCount: disks.count, diskBytes: disks.bytes, lastBackup: null };
      if (boot) row.bootDiskBytes = boot.virtualSize;
      return row;
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** `YYYYMMDDhhmmss` (local time, as the folders are named) to a Date. */
function dateOfKey(key: string): Date {
  const n = (from: number, to: number) => Number(key.slice(from, to));
  return new Date(n(0, 4), n(4, 6) - 1, n(6, 8), n(8, 10), n(10, 12), n(12, 14));
}

/**
 * The newest dated folder with a success marker that is this VM's own backup (a VM of the same
 * name in another pool may share the folder: its backups are not this VM's age), or null.
 * `folder` is the VM's folder as it exists under backup_dir.
 */
export async function lastBackupOf(backupDir: string, folder: string, vmUuid: string): Promise<Date | null> {
  const newest = await newestBackupOf(backupDir, folder, vmUuid);
  return newest === null ? null : dateOfKey(newest.key);
}

/** lastBackupOf's folder: its name and sort key, or null. */
async function newestBackupOf(backupDir: string, folder: string, vmUuid: string): Promise<{ name: string; key: string } | null> {
  const listing = await readListing(join(backupDir, folder), vmUuid).catch(() => []);
  let newest: { name: string; key: string } | null = null;
  for (const entry of listing) {
    if (!entry.isDirectory || !entry.successful || entry.owner !== 'this') continue;
    const key = backupFolderSortKey(entry.name);
    if (key !== null && (newest === null || key > newest.key)) newest = { name: entry.name, key };
  }
  return newest;
}

/** The chain depth of a dated folder (`vmDir` the VM's folder), null when it is no delta point. */
export type ChainDepthOf = (vmDir: string, folder: string) => Promise<number | null>;

/** The VM's folder among those present in backup_dir, in the engine's order of spellings. */
function presentFolder(name: string, present: ReadonlySet<string>, own: OwnNames): string | null {
  try {
    return vmFolderSpellings(name, own).find((f) => present.has(f)) ?? null;
  } catch {
    // A name too long for a folder was never backed up.
    return null;
  }
}

/**
 * Rows with their backup ages. The folders are read a few at a time: on a pool of thousands of
 * VMs over NFS, one readdir per VM all at once would flood the share. `statusLog` is the run's
 * status log: when it lies inside backup_dir its name is reserved, as the engine reserves it.
 */
export async function loadRows(vms: readonly VmInfo[], backupDir: string | null, statusLog?: string | null, depthOf: ChainDepthOf = chainDepth): Promise<VmRow[]> {
  const rows = vmRows(vms);
  if (backupDir === null) return rows;
  const own = statusLog ? ownNamesIn(backupDir, [statusLog]) : NO_OWN_NAMES;
  // One listing of backup_dir first: only VMs with a folder there need a readdir of their own.
  const present = new Set(await readdir(backupDir).catch(() => [] as string[]));
  const backedUp = rows.flatMap((row) => {
    const folder = presentFolder(row.name, present, own);
    return folder === null ? [] : [{ row, folder }];
  });
  let next = 0;
  const worker = async () => {
    while (next < backedUp.length) {
      const { row, folder } = backedUp[next++]!;
      const newest = await newestBackupOf(backupDir, folder, row.uuid);
      if (newest === null) continue;
      row.lastBackup = dateOfKey(newest.key);
      // A damaged record is verify's business: the list shows no depth rather than failing.
      row.chainDepth = await depthOf(join(backupDir, folder), newest.name).catch(() => null);
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, backedUp.length) }, worker));
  return rows;
}
