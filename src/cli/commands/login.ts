/**
 * `vmbackup login [--pool URL] [--user U] [--password-stdin] [--trust SHA256:...] [--ca FILE]
 * [--insecure]`: checks that the pool answers with a trusted certificate, then asks for the pool
 * password (or reads one line from stdin), logs in to the pool to prove it, then stores it in the keychain and remembers the pool in the settings, so that
 * later runs, headless ones included, need no password option. The keychain is checked first:
 * without one there is nothing to log in for, and the user learns it before typing a password.
 */
import { parseArgs } from 'node:util';
import { VmbackupError } from '../../errors.js';
import { type Keychain, keychainAccount, KeychainUnavailableError } from '../../secrets/keychain.js';
import { SettingsStore } from '../../settings/store.js';
import type { PoolTarget } from '../../xapi/target.js';
import { keychainFor } from '../../access/credentials.js';
import { DEFAULT_POOL_URL } from '../engine-run.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../../access/io.js';
import { openPool } from '../../access/pool-access.js';
import { readStdinLine } from '../../access/tty-prompt.js';
import { readPoolUrl } from './run.js';

const OPTIONS = {
  pool: { type: 'string' },
  user: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  trust: { type: 'string', multiple: true },
  ca: { type: 'string' },
  insecure: { type: 'boolean' },
  verbose: { type: 'boolean' },
} as const;

const USAGE = 'vmbackup login [--pool URL] [--user NAME] [--password-stdin] [--trust SHA256:...] [--ca FILE] [--insecure]';

export async function loginCommand(argv: string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw usageError(err, USAGE);
  }
  const settings = SettingsStore.open(io.env);
  const target = accountTarget(values, settings);
  const account = keychainAccount(target);
  const keychain = keychainFor(io);
  await checkKeychain(io, keychain, account, values.verbose ?? false);

  // Asked for only once the pool has answered and its certificate is trusted (openPool probes
  // first): nobody types a password for a pool that is down or not the one they think.
  let password = '';
  const conn = await openPool(
    io,
    target,
    async (t) => {
      password = values['password-stdin'] ? await readStdinLine() : await askPassword(io, account);
      if (password === '') throw new VmbackupError('USAGE', `no password given for ${account}`, USAGE);
      return { user: t.user, password };
    },
    { trust: values.trust, ca: values.ca, insecure: values.insecure },
  );
  await conn.close();
  await keychain.set(account, password);
  settings.rememberPool(target);
  io.stdout(`logged in to ${target.url} as ${target.user}; the password is stored in the ${keychain.label} as ${account}\n`);
  return EXIT.OK;
}

/** --pool, else the pool logged in to last, else https://localhost; --user, else the one known for it, else root. */
export function accountTarget(values: { pool?: string | undefined; user?: string | undefined }, settings: SettingsStore): PoolTarget {
  const known = settings.knownPools();
  const url = readPoolUrl(values.pool) ?? known[0]?.url ?? DEFAULT_POOL_URL;
  const user = values.user ?? known.find((p) => p.url === url)?.user ?? 'root';
  if (user === '') throw new VmbackupError('USAGE', '--user must not be empty', 'write e.g. --user root');
  return { url, user };
}

/** Asks the keychain for the account: fails fast, naming the alternatives, when there is none. */
async function checkKeychain(io: CliIo, keychain: Keychain, account: string, verbose: boolean): Promise<void> {
  const trace = (message: string) => verbose && io.stderr(`vmbackup: ${keychain.label}: ${message}\n`);
  try {
    const present = (await keychain.get(account)) !== null;
    trace(`${present ? 'a password is stored' : 'nothing stored yet'} for ${account}`);
  } catch (err) {
    if (err instanceof KeychainUnavailableError) trace(`no answer after ${err.elapsedMs} ms`);
    throw err;
  }
}

async function askPassword(io: CliIo, account: string): Promise<string> {
  if (!io.tty) throw new VmbackupError('USAGE', 'no terminal to ask for the password', 'pipe it in: printf %s "$PASSWORD" | vmbackup login --password-stdin ...');
  return io.tty.ask(`Password for ${account}: `, { masked: true });
}

/** parseArgs' own errors ("Unknown option '--x'") as a usage error with the command's synopsis. */
export function usageError(err: unknown, usage: string): VmbackupError {
  return new VmbackupError('USAGE', (err as Error).message, usage);
}
