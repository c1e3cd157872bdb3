/** `vmbackup list`: placeholder until the catalog lands (replaced in this issue). */
import type { CliIo } from '../../access/io.js';
import { VmbackupError } from '../../errors.js';

export async function listCommand(_args: string[], _io: CliIo): Promise<number> {
  throw new VmbackupError('USAGE', 'vmbackup list is not built yet', 'see issue 11');
}
