/**
 * The password for a pool, as commands get it: from the sources in secrets/ in their order.
 * (Owned by the credentials work; engine-run.ts and login use it.)
 */
import { findPassword } from '../secrets/sources.js';
import type { CredentialSource } from '../xapi/target.js';
import type { CliIo } from './io.js';

export interface PasswordFlags {
  passwordFile?: string | undefined;
  /** The legacy form's password, from its file or argv (warned about already). */
  givenPassword?: string | undefined;
}

export function credentialSourceFor(io: CliIo, flags: PasswordFlags): CredentialSource {
  const note = (message: string) => io.stderr(`vmbackup: ${message}\n`);
  return async (t) => ({
    user: t.user,
    password: await findPassword({ cwd: io.cwd, passwordFile: flags.passwordFile, env: io.env, givenPassword: flags.givenPassword, note }, `${t.user}@${t.url}`),
  });
}
