/**
 * systemd credentials: with `LoadCredentialEncrypted=vmbackup:/etc/credstore.encrypted/vmbackup`
 * in the unit, systemd decrypts the password at start into a private, non-swappable folder only
 * this service can read, and names it in $CREDENTIALS_DIRECTORY. We look for
 * `vmbackup-<host>` first (one unit backing up several pools) and then `vmbackup`.
 *
 * The file holds the password itself (not base64). One trailing newline is dropped: `echo PASS |
 * systemd-creds encrypt ...` stores one, and no XAPI password ends in a newline.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VmbackupError } from '../errors.js';

export interface SystemdCredential {
  password: string;
  /** The credential's name, e.g. "vmbackup-xen1.example.com". */
  name: string;
}

export type CredentialLookup =
  | { kind: 'found'; credential: SystemdCredential }
  | { kind: 'no-directory' }
  | { kind: 'not-there'; names: string[]; directory: string };

/** The names tried, in order, for a pool URL. */
export function credentialNames(url: string): string[] {
  return [`vmbackup-${new URL(url).hostname}`, 'vmbackup'];
}

export async function readSystemdCredential(env: NodeJS.ProcessEnv, url: string): Promise<CredentialLookup> {
  const directory = env.CREDENTIALS_DIRECTORY;
  if (!directory) return { kind: 'no-directory' };
  const names = credentialNames(url);
  for (const name of names) {
    let content: Buffer;
    try {
      content = await readFile(join(directory, name));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw new VmbackupError('CREDENTIAL_UNREADABLE', `cannot read the systemd credential ${name} in ${directory}: ${code ?? String(err)}`, 'check LoadCredentialEncrypted= in the unit and the user it runs as');
    }
    const password = content.toString('utf8').replace(/\r?\n$/, '');
    if (password === '') {
      throw new VmbackupError('CREDENTIAL_INVALID', `the systemd credential ${name} in ${directory} is empty`, 'encrypt the password again: systemd-creds encrypt --name=vmbackup - /etc/credstore.encrypted/vmbackup');
    }
    return { kind: 'found', credential: { password, name } };
  }
  return { kind: 'not-there', names, directory };
}
