/**
 * The VmBackup.py command line: `vmbackup PASS weekend.cfg [preview] [compress=true] ...`.
 * Parses exactly as the original, then runs (or previews) through the same engine as
 * `vmbackup --config`. Selector runs write no status log, as in the original.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { VmbackupError } from '../../errors.js';
import { readPasswordFile, writePasswordFile } from '../../secrets/password-file.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../../access/io.js';
import { parseLegacyArgs, type PasswordSource } from '../legacy-args.js';
import { runEngine } from '../engine-run.js';
import { printInfo } from '../info.js';


async function obtainPassword(source: PasswordSource, io: CliIo): Promise<string> {
  if (source.kind === 'file') {
    const decoded = await readPasswordFile(resolve(io.cwd, source.path));
    return decoded.password;
  }
  io.stderr(
    'vmbackup: warning: a password on the command line can be read by every local user (ps, /proc) and stays in shell history. ' +
      'Use a password file instead (asked for on the terminal, written 0600): vmbackup password-file /root/VmBackup.pass, then give /root/VmBackup.pass in place of the password\n',
  );
  return source.value;
}

export async function legacyCommand(args: string[], io: CliIo): Promise<number> {
  const invocation = parseLegacyArgs(args, (p) => existsSync(resolve(io.cwd, p)));
  if (invocation.kind === 'info') {
    if (invocation.words.includes('config') && existsSync(resolve(io.cwd, 'config'))) {
      io.stderr('vmbackup: note: "config" prints the cfg format; to use the file named config, write ./config\n');
    }
    return printInfo(io, invocation.words);
  }
  const password = await obtainPassword(invocation.password, io);
  if (invocation.kind === 'create-password-file') {
    await writePasswordFile(resolve(io.cwd, invocation.file), password);
    io.stdout(`password file saved to: ${invocation.file}\n`);
    return EXIT.OK;
  }
  const { target } = invocation;
  if (target.kind === 'selector' && /\.cfg$/i.test(target.text)) {
    throw new VmbackupError('INPUT_UNREADABLE', `cannot read cfg file ${target.text}: no such file`, 'check the path (a VM selector ending in .cfg must be written vm-export=NAME)');
  }
  // The password (or file) given on this command line wins over $VMBACKUP_PASSWORD.
  return runEngine({ target, overrides: invocation.overrides, preview: invocation.preview, json: null, givenPassword: password }, io);
}
