/**
 * `vmbackup password-file FILE [--password-stdin]` (also `vmbackup create-password-file=FILE`):
 * the legacy base64 password file, written 0600, without the password ever on the command line.
 * On a terminal the password is asked twice, masked; otherwise one line is read from stdin.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { VmbackupError } from '../../errors.js';
import { writePasswordFile } from '../../secrets/password-file.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../../access/io.js';
import { readStdinLine } from '../../access/tty-prompt.js';

const USAGE = 'vmbackup password-file FILE [--password-stdin]';

export async function passwordFileCommand(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { 'password-stdin': { type: 'boolean' } }, strict: true, allowPositionals: true });
  } catch (err) {
    throw new VmbackupError('USAGE', (err as Error).message, USAGE);
  }
  const [file, ...extra] = parsed.positionals;
  if (file === undefined || file === '' || extra.length > 0) throw new VmbackupError('USAGE', 'password-file takes one file name', USAGE);
  const password = parsed.values['password-stdin'] ? await readStdinLine() : await askTwice(io);
  if (password === '') throw new VmbackupError('USAGE', 'the password is empty', USAGE);
  await writePasswordFile(resolve(io.cwd, file), password);
  io.stdout(`password file saved to: ${file}\n`);
  return EXIT.OK;
}

async function askTwice(io: CliIo): Promise<string> {
  if (!io.tty) throw new VmbackupError('USAGE', 'no terminal to ask for the password', `pipe it in: printf %s "$PASSWORD" | ${USAGE.replace('[--password-stdin]', '--password-stdin')}`);
  const first = await io.tty.ask('Pool password: ', { masked: true });
  const second = await io.tty.ask('Again: ', { masked: true });
  if (first !== second) throw new VmbackupError('USAGE', 'the two passwords differ', 'run it again');
  return first;
}
