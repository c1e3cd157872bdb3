/**
 * How a backup file gets its final name, so that a file under a final name is always complete:
 * the engine writes `.<name>.partial` beside it, and `commitFile` makes it durable (fsync),
 * renames it, and makes the rename durable (fsync of the folder). A crash before the commit
 * leaves only the dot-prefixed temp name, which no restore tool and no success check takes for
 * a backup; a crash after it leaves the whole file. Markers are written last, the same way.
 *
 * No hard links (unlike util/atomic-file.ts): backup_dir is often an SMB share without them.
 * "Do not replace" is therefore a check before the rename, which is enough because the run lock
 * (lock.ts) keeps other vmbackup runs out of backup_dir.
 */
import { createHash } from 'node:crypto';
import { lstat, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { VmbackupError } from '../errors.js';
import { fsyncDirectory } from '../util/fs-small.js';
import { NAME_MAX } from './layout.js';

export interface CommitOptions {
  /** Replace an existing file. Default false: an existing file is never overwritten (FILE_EXISTS). */
  replace?: boolean;
}

/**
 * `.<name>.partial` in the same folder (the rename must not cross file systems). When that
 * would be longer than NAME_MAX, `.<hash of name>.partial`: still a temp name, still unique per
 * final name.
 */
export function tempPathFor(finalPath: string): string {
  const name = basename(finalPath);
  let temp = `.${name}.partial`;
  if (Buffer.byteLength(temp, 'utf8') > NAME_MAX) temp = `.${createHash('sha1').update(name).digest('hex')}.partial`;
  return join(dirname(finalPath), temp);
}

/** Re-exported: the backup's files are made durable the same way as chain/'s. */
export { fsyncDirectory } from '../util/fs-small.js';

/** fsync `tempPath`, rename it to `finalPath`, fsync the folder. */
export async function commitFile(tempPath: string, finalPath: string, options: CommitOptions = {}): Promise<void> {
  if (dirname(tempPath) !== dirname(finalPath)) {
    throw new VmbackupError('COMMIT_ACROSS_FOLDERS', `Cannot commit ${tempPath} as ${finalPath}: they are in different folders.`, 'This is a bug in vmbackup; please report it.');
  }
  const handle = await open(tempPath, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (!options.replace && (await exists(finalPath))) {
    throw new VmbackupError(
      'FILE_EXISTS',
      `${finalPath} already exists; vmbackup does not overwrite files in a backup folder.`,
      `Another backup was written to the same folder. The new file was left as ${tempPath}; remove it when no longer needed.`,
    );
  }
  await rename(tempPath, finalPath);
  await fsyncDirectory(dirname(finalPath));
}

/** A small file (metadata, a marker) written whole: temp file, fsync, rename, fsync of the folder. */
export async function writeSmallFile(path: string, text: string | Uint8Array, options: CommitOptions & { mode?: number } = {}): Promise<void> {
  const temp = tempPathFor(path);
  // 'w', not 'wx': a temp left by a crashed run is ours to overwrite.
  const handle = await open(temp, 'w', options.mode ?? 0o644);
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
  try {
    await commitFile(temp, path, options);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
