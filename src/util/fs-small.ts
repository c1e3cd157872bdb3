/** Small file-system steps several layers need; nothing of ours is imported here. */
import { open, readFile } from 'node:fs/promises';

/**
 * Makes a folder's entries (a create, a rename, an unlink) durable. File systems that cannot
 * fsync a folder (some network file systems answer EINVAL) are left to their own guarantees.
 */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EISDIR' && code !== 'EBADF') throw err;
  } finally {
    await handle.close();
  }
}

/** A text file's content, or null when it does not exist; other errors are thrown. */
export async function readTextIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
