/**
 * Writes a whole file so that readers see either the old content or the new, never half of it:
 * write a temporary file beside the target, fsync it, then rename (or hard-link when an existing
 * file must not be replaced, which makes the "exists?" check and the write one atomic step).
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** Replace an existing file. Without it, an existing file makes the write fail with EEXIST. */
  overwrite: boolean;
  /** File mode for a new file, e.g. 0o600 for secrets. Default 0o644. */
  mode?: number;
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const mode = options.mode ?? 0o644;
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    await handle.writeFile(data);
    // The umask may have narrowed `mode`; secrets must never be wider, and nothing here is
    // meant to be narrower than asked.
    await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    if (options.overwrite) await rename(temp, path);
    else await link(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  if (!options.overwrite) await unlink(temp);
}
