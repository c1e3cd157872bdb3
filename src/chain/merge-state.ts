/**
 * The state file of a point drop in progress, `<vmDir>/.vmbackup-merge.json`, and the small
 * durable-file steps the drop is made of. The file is written whole at each step change (temp,
 * fsync, rename, fsync of the folder), so after a crash it names exactly the last step reached.
 * It starts with a dot: no catalog or restore tool takes it for a backup, and `success` checks
 * never see it.
 *
 * Also the one place that reads VMBACKUP_TEST_MERGE_KILL_AT (tests only, see killPoint).
 */
import { open, rename, unlink } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VmbackupError } from '../errors.js';
import { fsyncDirectory, readTextIfExists } from '../util/fs-small.js';

export const MERGE_STATE_FILE = '.vmbackup-merge.json';

/**
 * merge:  P's `success` may be gone and P's files are being merged in place; C untouched.
 * rename: every merge finished; P's merged files are being renamed onto C's diff files.
 * record: every rename done; C's record is being rewritten and the caller told of the new files.
 * remove: C is whole on its own; P's folder is being removed.
 */
export type MergeStep = 'merge' | 'rename' | 'record' | 'remove';

export interface MergeStateDisk {
  /** The live VDI (DeltaDisk.vdi) both records share. */
  vdi: string;
  /** P's file name (in P's folder), the one merged into. */
  parentFile: string;
  /** C's diff file name (in C's folder), the one replaced. */
  childFile: string;
  /** C's diff footer uuid: what the merged file's footer must say. */
  childSnapshotVdi: string;
  /** Byte ranges of P's file the merge changed; null when a resumed merge cannot know them. */
  touched?: Array<[number, number]> | null;
}

export interface MergeState {
  format: 'vmbackup-merge';
  version: 1;
  /** Folder names inside the VM folder. */
  parent: string;
  child: string;
  step: MergeStep;
  disks: MergeStateDisk[];
}

const STEPS: readonly MergeStep[] = ['merge', 'rename', 'record', 'remove'];

function bad(path: string, why: string): VmbackupError {
  return new VmbackupError(
    'MERGE_STATE_INVALID',
    `${path}: ${why}`,
    'this file is written by vmbackup while it merges two backups; if it was edited, restore it from a copy. Without it the interrupted merge cannot be finished: check both backups with `vmbackup verify`',
  );
}

export function parseMergeState(text: string, path: string): MergeState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw bad(path, `not JSON (${(err as Error).message})`);
  }
  const s = value as Partial<MergeState> | null;
  if (!s || typeof s !== 'object' || s.format !== 'vmbackup-merge' || s.version !== 1) throw bad(path, 'not a vmbackup merge state');
  const plain = (x: unknown): x is string => typeof x === 'string' && x !== '' && !x.includes('/') && x !== '.' && x !== '..';
  if (!plain(s.parent) || !plain(s.child) || s.parent === s.child) throw bad(path, 'parent and child must be two folder names');
  if (!STEPS.includes(s.step as MergeStep)) throw bad(path, `unknown step ${JSON.stringify(s.step)}`);
  if (!Array.isArray(s.disks)) throw bad(path, 'no disks');
  for (const d of s.disks) {
    if (!d || typeof d.vdi !== 'string' || !plain(d.parentFile) || !plain(d.childFile) || typeof d.childSnapshotVdi !== 'string') throw bad(path, 'a disk entry is incomplete');
  }
  return s as MergeState;
}

/** fsync of a folder, so a create, rename or unlink in it survives a power cut. */
export const fsyncDir = fsyncDirectory;

/** A small file written whole: `.<name>.partial`, fsync, rename (replacing), fsync of the folder. */
export async function writeWhole(dir: string, name: string, text: string): Promise<void> {
  const temp = join(dir, `.${name}.partial`);
  const handle = await open(temp, 'w', 0o644);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, join(dir, name));
  await fsyncDir(dir);
}

export async function writeMergeState(vmDir: string, state: MergeState): Promise<void> {
  await writeWhole(vmDir, MERGE_STATE_FILE, `${JSON.stringify(state, null, 2)}\n`);
}

export async function readMergeState(vmDir: string): Promise<MergeState | null> {
  const path = join(vmDir, MERGE_STATE_FILE);
  const text = await readTextIfExists(path);
  return text === null ? null : parseMergeState(text, path);
}

export async function removeMergeState(vmDir: string): Promise<void> {
  await unlink(join(vmDir, MERGE_STATE_FILE)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  await unlink(join(vmDir, `.${MERGE_STATE_FILE}.partial`)).catch(() => undefined);
  await fsyncDir(vmDir);
}

/**
 * The folders of `vmDir` a pending drop names (parent and child), synchronously for the catalog
 * and the engine's "unsuccessful folder" cleanup: P has lost its `success` marker on purpose and
 * must be left to resumeDrop. An unreadable or damaged state file protects every folder it might
 * name: the answer is then null, "do not delete anything here".
 */
export function pendingMergeFolders(vmDir: string): string[] | null {
  let text: string;
  try {
    text = readFileSync(join(vmDir, MERGE_STATE_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    return null;
  }
  try {
    const s = parseMergeState(text, MERGE_STATE_FILE);
    return [s.parent, s.child];
  } catch {
    return null;
  }
}

/** True when `folder` (a name in `vmDir`) must not be deleted or judged: a drop is pending there. */
export function isPendingMergeFolder(vmDir: string, folder: string): boolean {
  const pending = pendingMergeFolders(vmDir);
  return pending === null || pending.includes(folder);
}

/**
 * Tests only: `VMBACKUP_TEST_MERGE_KILL_AT=<point>` makes the process SIGKILL itself when a drop
 * reaches that point, so the kill tests can stop it between two exact syscalls. Points:
 * `state-merge`, `success-gone`, `block-<n>` (after the n-th block write of a merge, counted from
 * 1 per file), `blocks-done`, `bat`, `trailing-footer`, `footer`, `merged` (all disks),
 * `state-rename`, `rename-<n>`, `state-record`, `record`, `replaced`, `state-remove`, `removed`.
 * Unset (always, outside the tests): nothing happens.
 */
export function killPoint(point: string): void {
  if (process.env.VMBACKUP_TEST_MERGE_KILL_AT === point) process.kill(process.pid, 'SIGKILL');
}
