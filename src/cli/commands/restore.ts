/** `vmbackup restore`: placeholder until the restore engine lands (replaced in this issue). */
import type { CliIo } from '../../access/io.js';
import { VmbackupError } from '../../errors.js';

export async function restoreCommand(_args: string[], _io: CliIo): Promise<number> {
  throw new VmbackupError('USAGE', 'vmbackup restore is not built yet', 'see issue 11');
}
