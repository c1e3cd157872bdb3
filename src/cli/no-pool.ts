/**
 * A backup run needs a pool connection, which arrives with the XAPI layer. Until then a run
 * checks everything it can (command line, password file, cfg) and stops here, saying so.
 */
import { VmbackupError } from '../errors.js';
import type { Target } from './load-target.js';

function quoted(s: string): string {
  return /^[\w./:=@+-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}

export function noPoolYet(target: Target): VmbackupError {
  const input = target.kind === 'config' ? `--config ${quoted(target.path)}` : `--selector ${quoted(target.text)}`;
  return new VmbackupError(
    'NO_POOL',
    'the configuration is valid, but this version of vmbackup cannot connect to a pool yet, so nothing was backed up',
    `check the scope offline: vmbackup preview ${input} --vm-names NAMES.txt`,
  );
}
