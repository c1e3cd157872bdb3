/** Reading the files named on the command line, with errors that say which file and why. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { VmbackupError } from '../errors.js';

export async function readInputFile(cwd: string, path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(resolve(cwd, path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : String(code ?? err);
    throw new VmbackupError('INPUT_UNREADABLE', `cannot read ${what} ${path}: ${why}`, 'check the path');
  }
}
