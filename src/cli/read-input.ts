/** Reading the files named on the command line, with errors that say which file and why. */
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { sizeText } from '../config/limits.js';
import { VmbackupError } from '../errors.js';

/**
 * Reads at most `maxBytes` of `path`, and fails as soon as there is more: a wrong path such as
 * /dev/zero, a FIFO or a log file must not be read whole first (readFile grew to 6.4 GB in a
 * minute on /dev/zero).
 */
export async function readInputFile(cwd: string, path: string, what: string, maxBytes: number): Promise<Buffer> {
  let file;
  try {
    file = await open(resolve(cwd, path), 'r');
  } catch (err) {
    throw unreadable(what, path, err);
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      const { bytesRead } = await file.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) {
        throw new VmbackupError('INPUT_TOO_LARGE', `cannot read ${what} ${path}: it is larger than ${sizeText(maxBytes)}, the most vmbackup reads of a ${what}`, `check that ${path} is the ${what} you meant`);
      }
    }
    return Buffer.concat(chunks, total);
  } catch (err) {
    if (err instanceof VmbackupError) throw err;
    throw unreadable(what, path, err);
  } finally {
    await file.close();
  }
}

function unreadable(what: string, path: string, err: unknown): VmbackupError {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : String(code ?? err);
  return new VmbackupError('INPUT_UNREADABLE', `cannot read ${what} ${path}: ${why}`, 'check the path');
}
