/**
 * What a restore PATH names, and one dated folder read wherever it is.
 *
 * PATH may be a dated backup folder, a VM folder (its newest successful backup), an export file
 * inside a dated folder, or a lone export file anywhere (`.xva`, `.xva.gz`, `.xva.zst`, `.raw`,
 * `.vhd`). Anything else is refused with its reason: a backup_dir, a METADATA_ folder, another
 * file. PATH itself may be a symlink (the user chose it); nothing below it is followed.
 */
import { type Dirent, readdirSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { backupFolderSortKey, isPoolDbFileName } from '../backup/layout.js';
import { VmbackupError } from '../errors.js';
import { exportFormatOf } from './parse.js';
import { readBackupSync } from './read-backup.js';
import { readVmFolder } from './scan.js';
import type { CatalogBackup, ResolvedPath, StrayEntry } from './types.js';

const WHAT_PATH_MAY_BE = 'PATH is a dated backup folder (…/VM/backup-2026-12-07-(14:45:18)), a VM folder (its newest successful backup), or one .xva, .xva.gz, .xva.zst, .raw or .vhd file';

function notABackup(path: string, why: string, fix = `${WHAT_PATH_MAY_BE}; vmbackup list --backup-dir DIR shows the backups.`): VmbackupError {
  return new VmbackupError('NOT_A_BACKUP', `${path} is not a backup: ${why}.`, fix);
}

/** stat of a PATH given on a command line; a missing or unreadable one is said with what PATH may be. */
export function statOrThrow(path: string, whatPathMayBe = WHAT_PATH_MAY_BE) {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new VmbackupError('NOT_FOUND', `${path} does not exist.`, `Check the path (a typo, or a backup share that is not mounted). ${whatPathMayBe}.`);
    throw new VmbackupError('UNREADABLE', `${path} cannot be read (${code ?? (err as Error).message}).`, 'Run vmbackup as a user that may read the backups.');
  }
}

/** One dated backup folder, wherever it is (absolute or relative to the current folder). */
export async function readBackup(datedFolderPath: string): Promise<CatalogBackup> {
  const path = resolve(datedFolderPath);
  const st = statOrThrow(path);
  if (!st.isDirectory()) throw notABackup(path, 'it is not a folder');
  if (backupFolderSortKey(basename(path)) === null) throw notABackup(path, 'its name is not a dated backup folder name (backup-YYYY-MM-DD-(hh:mm:ss))');
  return readBackupSync(path);
}

function entriesOf(path: string): Dirent[] {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch (err) {
    throw new VmbackupError('UNREADABLE', `${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`, 'Run vmbackup as a user that may read the backups.');
  }
}

/** A folder that is neither a dated folder nor a VM folder: say what it looks like. */
function refuseFolder(path: string, entries: Dirent[]): never {
  if (basename(path).startsWith('METADATA_') || entries.some((e) => e.isFile() && isPoolDbFileName(e.name))) {
    throw notABackup(path, 'it holds pool database dumps, which vmbackup does not restore', 'Restore a pool database on the pool master with xe pool-restore-database file-name=FILE (see the XenServer/XCP-ng docs); it replaces the whole pool database.');
  }
  const looksLikeBackupDir = entries.some((e) => e.isDirectory() && e.name.startsWith('METADATA_')) || entries.some((e) => e.isDirectory() && hasDatedFolder(resolve(path, e.name)));
  if (looksLikeBackupDir) throw notABackup(path, 'it is a backup_dir, which holds the backups of many VMs', `Name one VM's folder or one dated backup in it; vmbackup list --backup-dir ${path} shows them.`);
  throw notABackup(path, 'it holds no dated backup folder');
}

function hasDatedFolder(path: string): boolean {
  try {
    return readdirSync(path, { withFileTypes: true }).some((e) => e.isDirectory() && backupFolderSortKey(e.name) !== null);
  } catch {
    return false;
  }
}

/** A restore PATH → the backup and/or the file it names. Throws NOT_FOUND, NOT_A_BACKUP, NO_SUCCESSFUL_BACKUP, UNREADABLE. */
export async function resolveBackupPath(path: string): Promise<ResolvedPath> {
  const abs = resolve(path);
  const st = statOrThrow(abs);
  if (st.isDirectory()) {
    if (backupFolderSortKey(basename(abs)) !== null) {
      const backup = readBackupSync(abs);
      return { backup, file: null, format: backup.format };
    }
    const entries = entriesOf(abs);
    if (!entries.some((e) => e.isDirectory() && backupFolderSortKey(e.name) !== null)) refuseFolder(abs, entries);
    const backups = readVmFolder(abs, basename(abs), [] as StrayEntry[]);
    const newest = backups.find((b) => b.status === 'success');
    if (newest === undefined) {
      const unfinished = backups.map((b) => b.folder);
      throw new VmbackupError(
        'NO_SUCCESSFUL_BACKUP',
        `${abs} holds no successful backup: ${unfinished.length === 1 ? 'its one backup is' : `its ${unfinished.length} backups are`} unfinished (no success marker): ${unfinished.join(', ')}.`,
        `Name one of them to restore it anyway (it may be incomplete; restore asks for --yes): ${resolve(abs, unfinished[0]!)}`,
      );
    }
    return { backup: newest, file: null, format: newest.format };
  }
  if (!st.isFile()) throw notABackup(abs, 'it is neither a folder nor a regular file');
  const format = exportFormatOf(basename(abs));
  if (format === null) {
    if (isPoolDbFileName(basename(abs))) throw notABackup(abs, 'it is a pool database dump, which vmbackup does not restore', 'Restore a pool database on the pool master with xe pool-restore-database file-name=FILE; it replaces the whole pool database.');
    throw notABackup(abs, 'the file is no export (.xva, .xva.gz, .xva.zst, .raw or .vhd)');
  }
  const parent = dirname(abs);
  if (backupFolderSortKey(basename(parent)) !== null) return { backup: readBackupSync(parent), file: abs, format };
  return { backup: null, file: abs, format };
}
