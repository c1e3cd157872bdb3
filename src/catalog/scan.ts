/**
 * The catalog of a backup_dir, read from the disk: every VM folder (its name decoded by
 * layout.ts `vmNameOfFolder`), every dated backup in it (read-backup.ts), the pool database
 * dumps, and every stray entry with the reason it is not a backup. Nothing is guessed: a folder
 * that is no name vmbackup gives a VM, a file in a VM folder, a folder whose name is no dated
 * backup name are strays, listed as such.
 *
 * Not strays: the backup_dir's own files. `.vmbackup.lock` (backup/lock.ts),
 * `00VMbackupWriteTest` (a run's write probe), the `vmbackup-*.log` / `.json` a TUI run writes
 * beside its status log, a file named `status.log` (the README's `status_log=<backup_dir>/status.log`),
 * and the caller's own names (layout.ts `ownNamesIn`: the first component of the status log's
 * path when it lies inside backup_dir, known when the caller has the cfg).
 */
import { type Dirent, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { backupFolderSortKey, isPoolDbFileName, NO_OWN_NAMES, type OwnNames, vmNameOfFolder } from '../backup/layout.js';
import { LOCK_FILE } from '../backup/lock.js';
import { VmbackupError } from '../errors.js';
import { poolDbDate } from './parse.js';
import { readBackupSync } from './read-backup.js';
import type { Catalog, CatalogBackup, CatalogVm, PoolDbDump, StrayEntry } from './types.js';

export interface ScanOptions {
  /** Only the VM of this (decoded) name: its folder, its backups and the strays inside it; no pool dumps, no other strays. */
  vm?: string;
  /** The run's own names in backup_dir (layout.ts ownNamesIn), when the cfg is known. */
  own?: OwnNames;
}

const OUR_LOG_FILE = /^vmbackup-.*\.(log|json)$/i;

/** An entry of backup_dir that is ours and not a backup: skipped, neither listed nor a stray. */
function isOwnEntry(e: Dirent, own: OwnNames): boolean {
  const lower = e.name.toLowerCase();
  if (own.has(lower)) return true;
  if (e.isDirectory()) return false;
  return e.name === LOCK_FILE || e.name === '00VMbackupWriteTest' || OUR_LOG_FILE.test(e.name) || lower === 'status.log';
}

const kindOf = (e: Dirent): StrayEntry['kind'] => (e.isDirectory() ? 'folder' : e.isFile() ? 'file' : 'other');

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Gives the event loop a turn every YIELD_MS of synchronous reading. */
const YIELD_MS = 20;

function listDir(path: string, what: string): Dirent[] {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new VmbackupError('NOT_FOUND', `${what} ${path} does not exist.`, 'Check the path (a typo, or a backup share that is not mounted).');
    if (code === 'ENOTDIR') throw new VmbackupError('NOT_A_DIRECTORY', `${what} ${path} is not a folder.`, 'Give the folder the backups are in (backup_dir= of the cfg).');
    throw new VmbackupError('UNREADABLE', `${what} ${path} cannot be read (${code ?? (err as Error).message}).`, 'Run vmbackup as a user that may read the backups (the one cron runs them as).');
  }
}

/** The backups of one VM folder, newest first, and the strays in it. */
export function readVmFolder(path: string, rel: string, strays: StrayEntry[]): CatalogBackup[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch (err) {
    strays.push({ path: rel, kind: 'folder', reason: `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
    return [];
  }
  const keyed: { key: string; backup: CatalogBackup }[] = [];
  for (const e of entries) {
    const key = e.isDirectory() ? backupFolderSortKey(e.name) : null;
    if (key !== null) keyed.push({ key, backup: readBackupSync(path + '/' + e.name) });
    else strays.push({ path: `${rel}/${e.name}`, kind: kindOf(e), reason: e.isDirectory() ? 'not a dated backup folder name' : e.isSymbolicLink() ? 'a symbolic link, not followed' : 'not a dated backup folder' });
  }
  // Newest first; equal timestamps (one per folder style) by name, so the order never depends on readdir.
  keyed.sort((a, b) => byText(b.key, a.key) || byText(b.backup.folder, a.backup.folder));
  const backups = keyed.map((k) => k.backup);
  chainDepths(backups);
  return backups;
}

/** Each delta point's depth: links followed through its siblings down to a full; null when one is missing. */
function chainDepths(backups: CatalogBackup[]): void {
  const byFolder = new Map(backups.map((b) => [b.folder, b]));
  for (const b of backups) {
    if (!b.chain) continue;
    let depth = 0;
    let at: CatalogBackup | undefined = b;
    while (at?.chain && at.chain.parent !== null && depth <= backups.length) {
      at = byFolder.get(at.chain.parent);
      depth++;
    }
    b.chain.depth = at?.chain && at.chain.parent === null ? depth : null;
  }
}

function readPoolDbFolder(backupDir: string, folder: string, dumps: PoolDbDump[], strays: StrayEntry[]): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(backupDir + '/' + folder, { withFileTypes: true });
  } catch (err) {
    strays.push({ path: folder, kind: 'folder', reason: `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
    return;
  }
  for (const e of entries) {
    const date = e.isFile() && isPoolDbFileName(e.name) ? poolDbDate(e.name) : null;
    if (date === null) {
      strays.push({ path: `${folder}/${e.name}`, kind: kindOf(e), reason: 'not a pool database dump (pool_db_YYYYMMDD-hhmmss.dump)' });
      continue;
    }
    const path = `${backupDir}/${folder}/${e.name}`;
    const st = statSync(path, { throwIfNoEntry: false });
    if (st !== undefined) dumps.push({ folder, file: e.name, path, date, bytes: st.size });
  }
}

/** The catalog of `backupDir` (see the top of this file). Throws NOT_FOUND, NOT_A_DIRECTORY, UNREADABLE for backup_dir itself. */
export async function scanCatalog(backupDir: string, opts: ScanOptions = {}): Promise<Catalog> {
  const dir = resolve(backupDir);
  const own = opts.own ?? NO_OWN_NAMES;
  const vms: CatalogVm[] = [];
  const poolDb: PoolDbDump[] = [];
  const strays: StrayEntry[] = [];
  const top = listDir(dir, 'The backup directory');
  let lastTurn = performance.now();
  for (const e of top) {
    if (isOwnEntry(e, own)) continue;
    if (e.isDirectory() && e.name.startsWith('METADATA_')) {
      if (opts.vm === undefined) readPoolDbFolder(dir, e.name, poolDb, strays);
      continue;
    }
    let name: string | null = null;
    if (e.isDirectory()) {
      try {
        name = vmNameOfFolder(e.name, own);
      } catch {
        name = null;
      }
    }
    if (opts.vm !== undefined) {
      if (name === opts.vm) vms.push({ name, folder: e.name, path: dir + '/' + e.name, backups: readVmFolder(dir + '/' + e.name, e.name, strays) });
      continue;
    }
    if (name === null) {
      const reason = e.isDirectory() ? 'not a folder name vmbackup gives a VM' : e.isSymbolicLink() ? 'a symbolic link, not followed' : 'not a VM folder';
      strays.push({ path: e.name, kind: kindOf(e), reason });
      continue;
    }
    vms.push({ name, folder: e.name, path: dir + '/' + e.name, backups: readVmFolder(dir + '/' + e.name, e.name, strays) });
    if (performance.now() - lastTurn > YIELD_MS) {
      await nextTurn();
      lastTurn = performance.now();
    }
  }
  vms.sort((a, b) => byText(a.name, b.name) || byText(a.folder, b.folder));
  poolDb.sort((a, b) => b.date.getTime() - a.date.getTime() || byText(a.folder, b.folder) || byText(b.file, a.file));
  strays.sort((a, b) => byText(a.path, b.path));
  return { backupDir: dir, vms, poolDb, strays };
}
