/**
 * What `vmbackup verify PATH...` reads. A PATH is a backup_dir (every backup of every VM), a VM
 * folder (its backups), a dated backup folder, or one export file (inside a dated folder: that
 * file of that backup; elsewhere: a lone file, its format only). Then --vm NAME (the decoded VM
 * name, exact), --since DATE (dated on or after) and --newest (each VM's newest successful
 * backup, else its newest) narrow the list. Read with catalog/, as `list` and restore read.
 */
import { type Dirent, readdirSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { backupFolderSortKey, isPoolDbFileName, vmNameOfFolder } from '../backup/layout.js';
import { exportFormatOf } from '../catalog/parse.js';
import { readBackupSync } from '../catalog/read-backup.js';
import { statOrThrow } from '../catalog/resolve.js';
import { readVmFolder, scanCatalog } from '../catalog/scan.js';
import type { CatalogBackup, StrayEntry } from '../catalog/types.js';
import { VmbackupError } from '../errors.js';
import type { VerifyTarget } from './types.js';

export interface TargetFilter {
  vm?: string | undefined;
  newest?: boolean | undefined;
  since?: Date | undefined;
}

const WHAT_PATH_MAY_BE = 'PATH is a backup_dir, a VM folder, a dated backup folder (…/VM/backup-2026-12-07-(14:45:18)) or one .xva, .xva.gz, .xva.zst, .raw or .vhd file';

/** `2026-12-07` (local midnight) or an ISO 8601 date and time; null when it is neither. */
export function parseSince(text: string): Date | null {
  const day = /^(\d{4})-(\d\d)-(\d\d)$/.exec(text);
  if (day) {
    const date = new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    return date.getDate() === Number(day[3]) && date.getMonth() === Number(day[2]) - 1 ? date : null;
  }
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms);
}

function vmOfFolder(folder: string): string {
  try {
    return vmNameOfFolder(folder);
  } catch {
    return folder;
  }
}

function entriesOf(path: string): Dirent[] {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch (err) {
    throw new VmbackupError('UNREADABLE', `${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`, 'Run vmbackup as a user that may read the backups.');
  }
}

function notABackup(path: string, why: string): VmbackupError {
  return new VmbackupError('NOT_A_BACKUP', `${path} is not a backup: ${why}.`, `${WHAT_PATH_MAY_BE}; vmbackup list --backup-dir DIR shows the backups.`);
}

/** A lone export file as a one-file "backup" of its folder. */
function loneTarget(file: string): VerifyTarget {
  const folder = dirname(file);
  const backup: CatalogBackup = {
    folder: basename(folder),
    path: folder,
    date: new Date(NaN),
    status: 'success',
    mode: 'unknown',
    format: exportFormatOf(basename(file)) ?? 'unknown',
    files: [basename(file)],
    exportFiles: [basename(file)],
    bytes: 0,
    diskBytes: 0,
    origUuid: null,
    vmName: null,
    verification: null,
  };
  return { vm: basename(file), backup, files: [basename(file)], lone: true };
}

/** One PATH → its targets, before the filters. */
async function targetsOfPath(abs: string, vm: string | undefined): Promise<VerifyTarget[]> {
  const st = statOrThrow(abs, WHAT_PATH_MAY_BE);
  if (st.isFile()) {
    const name = basename(abs);
    if (exportFormatOf(name) === null) {
      throw notABackup(abs, isPoolDbFileName(name) ? 'it is a pool database dump (verify reads VM backups)' : 'the file is no export (.xva, .xva.gz, .xva.zst, .raw or .vhd)');
    }
    const parent = dirname(abs);
    if (backupFolderSortKey(basename(parent)) === null) return [loneTarget(abs)];
    return [{ vm: vmOfFolder(basename(dirname(parent))), backup: readBackupSync(parent), files: [name], backupDir: dirname(dirname(parent)) }];
  }
  if (!st.isDirectory()) throw notABackup(abs, 'it is neither a folder nor a regular file');
  if (backupFolderSortKey(basename(abs)) !== null) {
    return [{ vm: vmOfFolder(basename(dirname(abs))), backup: readBackupSync(abs), backupDir: dirname(dirname(abs)) }];
  }
  const entries = entriesOf(abs);
  if (basename(abs).startsWith('METADATA_') || entries.some((e) => e.isFile() && isPoolDbFileName(e.name))) throw notABackup(abs, 'it holds pool database dumps (verify reads VM backups)');
  if (entries.some((e) => e.isDirectory() && backupFolderSortKey(e.name) !== null)) {
    const name = vmOfFolder(basename(abs));
    return readVmFolder(abs, basename(abs), [] as StrayEntry[]).map((backup) => ({ vm: name, backup, backupDir: dirname(abs) }));
  }
  // Anything else is read as a backup_dir (an empty one gives nothing to verify).
  const catalog = await scanCatalog(abs, vm === undefined ? {} : { vm });
  return catalog.vms.flatMap((v) => v.backups.map((backup) => ({ vm: v.name, backup, backupDir: catalog.backupDir })));
}

/** Each VM folder's newest successful backup (else its newest), in the order they came. */
function newestOnly(targets: VerifyTarget[]): VerifyTarget[] {
  const best = new Map<string, VerifyTarget>();
  const rank = (t: VerifyTarget) => `${t.backup.status === 'success' ? 1 : 0}${backupFolderSortKey(t.backup.folder) ?? ''}`;
  for (const t of targets) {
    if (t.lone) continue;
    const key = dirname(resolve(t.backup.path));
    const had = best.get(key);
    if (had === undefined || rank(t) > rank(had)) best.set(key, t);
  }
  const kept = new Set(best.values());
  return targets.filter((t) => t.lone || kept.has(t));
}

/**
 * The targets of `paths` (relative to `cwd`), or of `backupDir` when none is given. Throws
 * NOT_FOUND, UNREADABLE, NOT_A_BACKUP for a PATH; an empty result is the caller's to judge.
 */
export async function resolveVerifyTargets(paths: readonly string[], backupDir: string | undefined, filter: TargetFilter = {}, cwd = process.cwd()): Promise<VerifyTarget[]> {
  const roots = paths.length > 0 ? paths : backupDir !== undefined ? [backupDir] : [];
  let targets: VerifyTarget[] = [];
  for (const p of roots) targets.push(...(await targetsOfPath(resolve(cwd, p), filter.vm)));
  if (filter.vm !== undefined) targets = targets.filter((t) => t.lone || t.vm === filter.vm);
  if (filter.since !== undefined) targets = targets.filter((t) => t.lone || t.backup.date.getTime() >= filter.since!.getTime());
  if (filter.newest) targets = newestOnly(targets);
  // One backup named twice (its folder and one of its files) is read once, whole if either asked so.
  const byPath = new Map<string, VerifyTarget>();
  for (const t of targets) {
    const key = resolve(t.backup.path) + (t.lone ? `/${t.files![0]}` : '');
    const had = byPath.get(key);
    if (had === undefined) byPath.set(key, t);
    else if (had.files !== undefined && !had.lone) {
      if (t.files === undefined) {
        const { files: _named, ...whole } = had;
        byPath.set(key, whole);
      }
      else had.files = [...new Set([...had.files, ...t.files])];
    }
  }
  return [...byPath.values()];
}
