/**
 * Which dated backup folders to delete (nau-spec §5.2–§5.4, §5.6), as pure functions over a
 * listing of one VM folder, plus the two small I/O edges that read a listing and delete.
 *
 * Differences from VmBackup.py, all on the side of keeping data:
 * - Only names backupFolderName can produce (either style) are counted or deleted. Stray files
 *   and other folders are ignored; the old script counted them and crashed deleting a file.
 * - Successful and failed folders are counted apart: a failed attempt never pushes a good backup
 *   out, and failed folders older than a new success are removed as the clutter they are.
 * - The newest successful folder and the folder just written are never returned, whatever
 *   `keep` says (keep < 1 counts as 1).
 * - Order is by the timestamp in the name, so a user who switched from `(14:45:18)` to the
 *   SMB-safe `(14-45-18)` still has the history sorted by time.
 * - The previous failed folder is removed even when it is the only entry.
 * - Pool DB dumps get a retention too (the old script let them pile up).
 * - Only the VM's own backups are counted or deleted (vm-folder.ts reads whose each one is):
 *   a backup of another VM with the same name (another pool, one backup_dir) is never touched,
 *   nor is a successful folder that does not say whose it is. A failed folder that does not say
 *   is treated as the VM's own, as before: it holds no good backup, and a failed export of ours
 *   has no vm.cfg yet (the metadata is written after the export).
 * - A backup whose last `vmbackup verify` failed (its vmbackup-verify.json says so) is neither
 *   counted nor deleted: it must not push a good backup out as one of the `keep`, and deleting
 *   it is the admin's call (it may still hold the only copy of some files). Each run says so.
 */
import type { Dirent } from 'node:fs';
import { lstat, readdir, readFile, rm } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { VmbackupError } from '../errors.js';
import { backupFolderSortKey, insideBackupDir, isPoolDbFileName, VERIFY_RECORD_FILE } from './layout.js';
import { folderOwner, type FolderOwner } from './vm-folder.js';

/** The markers that make a backup folder successful. vmbackup writes the first two; NAU's tools use the others. */
export const SUCCESS_MARKERS = ['success', 'success_compress', 'success_restore', 'success_compressing'] as const;

export interface ListingEntry {
  name: string;
  isDirectory: boolean;
  /** Holds one of SUCCESS_MARKERS. */
  successful: boolean;
  /** Whose backup it is, when the listing was read for a VM; absent means the VM's own. */
  owner?: FolderOwner;
  /** The other VM's uuid, when the folder names it. */
  otherUuid?: string;
  /** Its last `vmbackup verify` failed: retention neither counts nor deletes it. */
  verifyFailed?: boolean;
}

/** A backup folder retention may count and delete: the VM's own, or a failed one that does not say. */
function isOwn(e: ListingEntry): boolean {
  return e.owner === undefined || e.owner === 'this' || (e.owner === 'unknown' && !e.successful);
}

interface BackupFolder {
  name: string;
  key: string;
  successful: boolean;
}

/** The backup folders of a listing, oldest first. Equal timestamps (one per style) sort by name, so results do not depend on listing order. */
function backupFolders(listing: readonly ListingEntry[]): BackupFolder[] {
  const folders: BackupFolder[] = [];
  for (const e of listing) {
    const key = e.isDirectory && isOwn(e) && !e.verifyFailed ? backupFolderSortKey(e.name) : null;
    if (key !== null) folders.push({ name: e.name, key, successful: e.successful });
  }
  return folders.sort((a, b) => compare(a.key, b.key) || compare(a.name, b.name));
}

/** Dated backup folders that retention leaves alone because they are not the VM's own, by owner. */
export function foreignFolders(listing: readonly ListingEntry[]): { other: ListingEntry[]; unknown: ListingEntry[] } {
  const foreign = listing.filter((e) => e.isDirectory && !isOwn(e) && backupFolderSortKey(e.name) !== null).sort((a, b) => compare(a.name, b.name));
  return { other: foreign.filter((e) => e.owner === 'other'), unknown: foreign.filter((e) => e.owner === 'unknown') };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function normaliseKeep(keep: number): number {
  return Number.isNaN(keep) ? 1 : Math.max(1, Math.floor(keep));
}

/**
 * At the start of a VM's backup: the newest backup folder if it has no marker (a run that
 * failed or was killed). Returns at most one name.
 */
export function unsuccessfulToRemove(listing: readonly ListingEntry[]): string[] {
  const newest = backupFolders(listing).at(-1);
  return newest && !newest.successful ? [newest.name] : [];
}

/**
 * After the successful backup `current` (which must be in the listing; it counts as successful
 * even if the listing was read before its marker was written): keep `current`, the newest
 * successful folder and the newest others up to `keep` successful folders in all; delete the
 * older successful ones and the failed folders older than `current`. Failed folders newer than
 * `current` (only possible when the clock went back) are left for a later run.
 */
export function afterSuccess(listing: readonly ListingEntry[], keep: number, current: string): string[] {
  const folders = backupFolders(listing);
  const cur = folders.find((f) => f.name === current);
  if (!cur) {
    throw new VmbackupError(
      'RETENTION_CURRENT_MISSING',
      `Retention was asked to keep ${JSON.stringify(current)}, which is not a backup folder in the VM's folder; nothing was deleted.`,
      'This is a bug in vmbackup; please report it. Old backups stay until the next successful run.',
    );
  }
  const successful = folders.filter((f) => f.successful || f === cur).reverse(); // newest first
  const kept = new Set<BackupFolder>([cur]);
  const newest = successful[0];
  if (newest) kept.add(newest);
  const limit = normaliseKeep(keep);
  for (const f of successful) {
    if (kept.size >= limit) break;
    kept.add(f);
  }
  const remove: string[] = [];
  for (const f of folders) {
    if (kept.has(f)) continue;
    if (f.successful || compare(f.key, cur.key) < 0 || (f.key === cur.key && compare(f.name, cur.name) < 0)) remove.push(f.name);
  }
  return remove;
}

/**
 * `pre_clean`: before the new backup, delete the oldest successful folders so that at most
 * keep−1 remain, never the newest one; keep = 1 therefore deletes nothing (as in 3.23+: old and
 * new backup coexist during the run). Failed folders are not counted and not touched here.
 */
export function preClean(listing: readonly ListingEntry[], keep: number): string[] {
  const limit = normaliseKeep(keep) - 1;
  if (limit < 1) return [];
  const successful = backupFolders(listing).filter((f) => f.successful);
  return successful.slice(0, Math.max(0, successful.length - limit)).map((f) => f.name);
}

/** In the METADATA_ folder: the `pool_db_*.dump` names beyond the newest `keep` (keep < 1 counts as 1). Other names are ignored. */
export function poolDbToRemove(files: readonly string[], keep: number): string[] {
  // The names are zero-padded local timestamps, so name order is time order.
  const dumps = files.filter(isPoolDbFileName).sort(compare);
  return dumps.slice(0, Math.max(0, dumps.length - normaliseKeep(keep)));
}

/**
 * What to warn about the folders foreignFolders leaves alone: the run says so each time, since
 * they are never cleaned up by it. `folder` is the VM folder's name, `vmName` the VM's.
 */
export function foreignFolderWarnings(folder: string, vmName: string, listing: readonly ListingEntry[]): string[] {
  const { other, unknown } = foreignFolders(listing);
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const warnings: string[] = [];
  if (other.length > 0) {
    const uuids = [...new Set(other.map((e) => e.otherUuid).filter((u): u is string => u !== undefined))];
    warnings.push(
      `${count(other.length, 'backup folder')} in ${folder}/ belong${other.length === 1 ? 's' : ''} to another VM named "${vmName}"${uuids.length > 0 ? ` (orig_uuid ${uuids.join(', ')})` : ''}: ` +
        'neither counted nor deleted by retention. Two pools with a VM of this name share the folder: give each pool its own backup_dir ' +
        '(or, if this VM was re-imported, move the old backups away by hand)',
    );
  }
  const damaged = listing.filter((e) => e.verifyFailed && e.isDirectory && backupFolderSortKey(e.name) !== null && isOwn(e)).map((e) => e.name).sort(compare);
  if (damaged.length > 0) {
    warnings.push(
      `${count(damaged.length, 'backup')} in ${folder}/ (${damaged.join(', ')}) failed ${damaged.length === 1 ? 'its' : 'their'} last vmbackup verify: ` +
        'kept, neither counted nor deleted by retention; delete by hand once a good backup exists (vmbackup verify shows what is damaged)',
    );
  }
  if (unknown.length > 0) {
    warnings.push(
      `${count(unknown.length, 'successful backup')} in ${folder}/ (${unknown.map((e) => e.name).join(', ')}) ` +
        `${unknown.length === 1 ? 'has' : 'have'} no vm.cfg or vm-metadata.xml to say whose ${unknown.length === 1 ? 'it is' : 'they are'}: neither counted nor deleted by retention; delete by hand what is no longer needed`,
    );
  }
  return warnings;
}

/**
 * Lists a VM folder. A missing folder is an empty listing (a VM without backups yet). With
 * `vmUuid`, each dated backup folder also says whose it is (`owner`).
 */
export async function readListing(dir: string, vmUuid?: string): Promise<ListingEntry[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  // A symlink is not a directory here (Dirent does not follow it): a linked folder is never
  // counted as a backup, so it is never deleted either.
  return Promise.all(
    entries.map(async (e) => {
      const isDirectory = e.isDirectory();
      const entry: ListingEntry = { name: e.name, isDirectory, successful: isDirectory && (await hasMarker(join(dir, e.name))) };
      if (isDirectory && backupFolderSortKey(e.name) !== null) {
        if (vmUuid !== undefined) {
          const { owner, otherUuid } = await folderOwner(join(dir, e.name), vmUuid);
          entry.owner = owner;
          if (otherUuid !== undefined) entry.otherUuid = otherUuid;
        }
        if (await lastVerifyFailed(join(dir, e.name))) entry.verifyFailed = true;
      }
      return entry;
    }),
  );
}

/**
 * Whether the folder's verify record says `failed`. A record that cannot be read or parsed says
 * nothing: the backup is then treated as before (the catalog reports the unreadable record).
 */
async function lastVerifyFailed(folder: string): Promise<boolean> {
  try {
    const text = await readFile(join(folder, VERIFY_RECORD_FILE), { encoding: 'utf8' });
    return text.length < 65536 && (JSON.parse(text) as { result?: unknown })?.result === 'failed';
  } catch {
    return false;
  }
}

async function hasMarker(folder: string): Promise<boolean> {
  for (const marker of SUCCESS_MARKERS) {
    try {
      await lstat(join(folder, marker));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return false;
}

/**
 * Deletes one dated backup folder recursively. `path` (absolute, or relative to backupDir) must
 * be `<backupDir>/<vm folder>/<backup folder name>` and a real directory, not a symlink;
 * anything else throws REFUSED_DELETE and nothing is deleted.
 */
export async function removeFolder(backupDir: string, path: string): Promise<void> {
  const full = insideBackupDir(backupDir, path);
  const depth = relative(resolve(backupDir), full).split(sep).length;
  const name = basename(full);
  if (backupFolderSortKey(name) === null || depth !== 2) throw refused(full, 'it is not a dated backup folder of a VM');
  const st = await lstat(full);
  if (!st.isDirectory()) throw refused(full, 'it is not a directory');
  await rm(full, { recursive: true });
}

/** Deletes one pool DB dump: a regular file named pool_db_*.dump in `<backupDir>/METADATA_*`. */
export async function removePoolDump(backupDir: string, path: string): Promise<void> {
  const full = insideBackupDir(backupDir, path);
  const parts = relative(resolve(backupDir), full).split(sep);
  if (parts.length !== 2 || !parts[0]?.startsWith('METADATA_') || !isPoolDbFileName(parts[1] ?? '')) {
    throw refused(full, 'it is not a pool DB dump in a METADATA_ folder');
  }
  const st = await lstat(full);
  if (!st.isFile()) throw refused(full, 'it is not a regular file');
  await rm(full);
}

function refused(path: string, why: string): VmbackupError {
  return new VmbackupError('REFUSED_DELETE', `Refusing to delete ${path}: ${why}.`, 'This is a bug in vmbackup (retention only deletes its own backups); please report it.');
}
