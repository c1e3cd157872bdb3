/**
 * The select screen's rows from the pool's VM records: only VMs a cfg selector could back up
 * (templates, snapshots and dom0 are never rows, as selection/ never picks them), with their
 * disks and the newest successful backup found in backup_dir.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { bootDisk } from '../backup/exports.js';
import { backupFolderSortKey, vmFolderName } from '../backup/layout.js';
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

/** The newest dated folder with a success marker in the VM's folder, or null. */
export async function lastBackupOf(backupDir: string, vmName: string): Promise<Date | null> {
  let folder: string;
  try {
    folder = vmFolderName(vmName);
  } catch {
    // A name too long for a folder was never backed up.
    return null;
  }
  const listing = await readListing(join(backupDir, folder)).catch(() => []);
  let newest: string | null = null;
  for (const entry of listing) {
    if (!entry.isDirectory || !entry.successful) continue;
    const key = backupFolderSortKey(entry.name);
    if (key !== null && (newest === null || key > newest)) newest = key;
  }
  return newest === null ? null : dateOfKey(newest);
}

/**
 * Rows with their backup ages. The folders are read a few at a time: on a pool of thousands of
 * VMs over NFS, one readdir per VM all at once would flood the share.
 */
export async function loadRows(vms: readonly VmInfo[], backupDir: string | null): Promise<VmRow[]> {
  const rows = vmRows(vms);
  if (backupDir === null) return rows;
  // One listing of backup_dir first: only VMs with a folder there need a readdir of their own.
  const present = new Set(await readdir(backupDir).catch(() => [] as string[]));
  const backedUp = rows.filter((row) => {
    try {
      return present.has(vmFolderName(row.name));
    } catch {
      return false;
    }
  });
  let next = 0;
  const worker = async () => {
    while (next < backedUp.length) {
      const row = backedUp[next++]!;
      row.lastBackup = await lastBackupOf(backupDir, row.name);
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, backedUp.length) }, worker));
  return rows;
}
