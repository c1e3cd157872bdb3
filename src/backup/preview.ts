/**
 * The preview of a run against the pool: the plan with estimates, what retention would delete
 * after the next successful backup of each VM, whether backup_dir takes a file (the old preview
 * only checked that it existed), and its free space against the estimate. Reads, never writes
 * (except the write test's own probe file).
 */
import { resolve } from 'node:path';
import type { CfgModel, EffectiveSettings } from '../config/index.js';
import type { PoolConnection } from '../xapi/connection.js';
import type { PlannedVm } from './events.js';
import { freeBytes } from './free-space.js';
import { backupFolderName, insideBackupDir } from './layout.js';
import { type BackupPlan, planBackup } from './plan.js';
import { afterSuccess, readListing } from './retention.js';
import { checkBackupDir, runOwnNames } from './run.js';
import { existingVmFolder } from './vm-folder.js';

export interface PreviewVm extends PlannedVm {
  /** Folders (relative to backup_dir) retention would delete after this VM's next success. */
  wouldDelete: string[];
}

export interface PoolPreview {
  plan: BackupPlan;
  vms: PreviewVm[];
  backupDir: string;
  /** null when writable, else why not. */
  notWritable: string | null;
  free: number | null;
  totalEstimate: number;
}

export async function retentionAfterNextRun(backupDir: string, vm: PlannedVm, now: Date, settings: EffectiveSettings): Promise<string[]> {
  const folder = await existingVmFolder(backupDir, vm.name, runOwnNames(backupDir, settings));
  const listing = await readListing(insideBackupDir(backupDir, folder), vm.uuid).catch(() => []);
  // A run never reuses a folder name (it waits for the next second), so neither may the plan:
  // a preview in the same second as the last backup would otherwise count that backup as the new one.
  let next = backupFolderName(now, settings.folderNames);
  for (let later = 1; listing.some((entry) => entry.name === next); later++) next = backupFolderName(new Date(now.getTime() + later * 1_000), settings.folderNames);
  return afterSuccess([...listing, { name: next, isDirectory: true, successful: true }], vm.maxBackups, next).map((name) => `${folder}/${name}`);
}

export async function previewRun(conn: PoolConnection, model: CfgModel, settings: EffectiveSettings, source: string, now: Date): Promise<PoolPreview> {
  const plan = planBackup(model, settings, conn.vms(), source);
  const backupDir = resolve(settings.backupDir);
  let notWritable: string | null = null;
  try {
    await checkBackupDir(backupDir);
  } catch (err) {
    notWritable = (err as Error).message;
  }
  const vms: PreviewVm[] = [];
  for (const vm of plan.vms) vms.push({ ...vm, wouldDelete: notWritable ? [] : await retentionAfterNextRun(backupDir, vm, now, settings) });
  return {
    plan,
    vms,
    backupDir,
    notWritable,
    free: notWritable ? null : await freeBytes(backupDir),
    totalEstimate: plan.vms.reduce((sum, vm) => sum + vm.estimate, 0),
  };
}
