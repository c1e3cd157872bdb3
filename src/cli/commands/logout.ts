/**
 * `vmbackup logout [--pool URL] [--user U]`: removes the pool password from the keychain. The
 * pool stays in the settings with its certificate pin: trusting a certificate is not a
 * credential, and logging in again should not ask about it again.
 */
import { parseArgs } from 'node:util';
import { keychainAccount } from '../../secrets/keychain.js';
import { SettingsStore } from '../../settings/store.js';
import { keychainFor } from '../../access/credentials.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../../access/io.js';
import { accountTarget, usageError } from './login.js';

const OPTIONS = {
  pool: { type: 'string' },
  user: { type: 'string' },
  verbose: { type: 'boolean' },
} as const;

const USAGE = 'vmbackup logout [--pool URL] [--user NAME]';

export async function logoutCommand(argv: string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw usageError(err, USAGE);
  }
  const target = accountTarget(values, SettingsStore.open(io.env));
  const account = keychainAccount(target);
  const keychain = keychainFor(io);
  const removed = await keychain.delete(account);
  io.stdout(removed ? `removed the password for ${account} from the ${keychain.label}\n` : `no password for ${account} was stored in the ${keychain.label}\n`);
  return EXIT.OK;
}
