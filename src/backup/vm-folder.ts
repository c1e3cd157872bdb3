/**
 * A VM's folder on disk (I/O edges; the rules are in layout.ts and retention.ts): which spelling
 * of its name holds its backups, and whose backup each dated folder is.
 *
 * Backups are stored by VM name, so two VMs with one name (the same name in two pools backed up
 * to one backup_dir, or a VM re-imported under its old name) meet in one folder. Each backup
 * says whose it is: `orig_uuid=` in its vm.cfg (vmbackup, VmBackup.py up to 3.21), or the VM's
 * uuid inside vm-metadata.xml (VmBackup.py 3.22+, which wrote no vm.cfg). Retention counts and
 * deletes only the backups of the VM being backed up.
 */
import { lstat, open } from 'node:fs/promises';
import { join } from 'node:path';
import { insideBackupDir, type OwnNames, vmFolderSpellings } from './layout.js';

/** this: the VM being backed up; other: another VM of the same name; unknown: the folder does not say. */
export type FolderOwner = 'this' | 'other' | 'unknown';

export interface Ownership {
  owner: FolderOwner;
  /** The other VM's uuid, when its vm.cfg names it. */
  otherUuid?: string;
}

/** vm.cfg is a few hundred bytes, vm-metadata.xml tens of kilobytes; anything far larger is not ours. */
const MAX_VM_CFG = 64 * 1024;
const MAX_METADATA_XML = 16 * 1024 * 1024;

/** The file's text, null when it does not exist (or is too large to be one of ours, or not a file). */
async function readSmall(path: string, limit: number): Promise<string | null> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return null;
    throw err;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile() || st.size > limit) return null;
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** Whose backup the dated folder `folder` is, compared with the VM `uuid`. */
export async function folderOwner(folder: string, uuid: string): Promise<Ownership> {
  const cfg = await readSmall(join(folder, 'vm.cfg'), MAX_VM_CFG);
  const orig = cfg === null ? null : /^orig_uuid=(.*)$/m.exec(cfg)?.[1]?.trim();
  if (orig) return orig.toLowerCase() === uuid.toLowerCase() ? { owner: 'this' } : { owner: 'other', otherUuid: orig };
  // VmBackup.py 3.22+: the VM's metadata export; the VM's own uuid is in it, another VM's
  // metadata holds other uuids (its disks and networks have their own).
  const xml = await readSmall(join(folder, 'vm-metadata.xml'), MAX_METADATA_XML);
  if (xml !== null && xml.length > 0) return xml.toLowerCase().includes(uuid.toLowerCase()) ? { owner: 'this' } : { owner: 'other' };
  return { owner: 'unknown' };
}

/**
 * The VM's folder (one component under backup_dir): the first spelling of its name that exists
 * as a directory (see vmFolderSpellings), else the spelling a new folder gets.
 */
export async function existingVmFolder(backupDir: string, vmName: string, own: OwnNames): Promise<string> {
  const spellings = vmFolderSpellings(vmName, own);
  for (const folder of spellings) {
    const st = await lstat(insideBackupDir(backupDir, folder)).catch(() => null);
    if (st?.isDirectory()) return folder;
  }
  return spellings[0]!;
}
