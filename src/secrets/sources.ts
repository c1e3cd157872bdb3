/**
 * Where a run's pool password comes from, first hit wins: --password-file (the legacy base64
 * file), then the password the legacy command line gave (its file or argv, warned about
 * already), then $VMBACKUP_PASSWORD (with a warning: the environment of a process is readable by
 * its user and leaks into crash dumps). The keychain, systemd credentials and a TTY prompt join
 * this list later.
 */
import { resolve } from 'node:path';
import { VmbackupError } from '../errors.js';
import { readPasswordFile } from './password-file.js';

export interface PasswordSources {
  cwd: string;
  passwordFile?: string | undefined;
  env: NodeJS.ProcessEnv;
  givenPassword?: string | undefined;
  /** Told which source was used, and about risky ones; never given the password. */
  note(message: string): void;
}

export async function findPassword(sources: PasswordSources, account: string): Promise<string> {
  if (sources.passwordFile !== undefined) {
    const decoded = await readPasswordFile(resolve(sources.cwd, sources.passwordFile));
    for (const note of decoded.notes) sources.note(note);
    return decoded.password;
  }
  if (sources.givenPassword !== undefined) return sources.givenPassword;
  const fromEnv = sources.env.VMBACKUP_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') {
    sources.note(`warning: password for ${account} taken from VMBACKUP_PASSWORD; a password file (mode 0600) is safer`);
    return fromEnv;
  }
  throw new VmbackupError(
    'NO_PASSWORD',
    `no password for ${account}`,
    'give --password-file FILE (make one with: vmbackup PASSWORD create-password-file=FILE) or set VMBACKUP_PASSWORD',
  );
}
