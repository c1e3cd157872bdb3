/**
 * Where a run's pool password comes from, first hit wins:
 *   1. --password-file (the legacy base64 file), or the password the legacy command line gave
 *      (its file, or argv, warned about already: it shows in ps);
 *   2. systemd credentials: $CREDENTIALS_DIRECTORY/vmbackup-<host>, then .../vmbackup;
 *   3. the OS keychain (what `vmbackup login` stored);
 *   4. $VMBACKUP_PASSWORD, with a warning: a process environment is readable by its user and
 *      leaks into crash dumps and `sudo -E`;
 *   5. a masked prompt on the terminal, offering to remember the password in the keychain.
 * Every source is named through `trace` (--verbose), with why it gave nothing. The password
 * itself is never part of a message.
 */
import { resolve } from 'node:path';
import { VmbackupError } from '../errors.js';
import { readSystemdCredential } from './credentials-dir.js';
import { KEYCHAIN_ALTERNATIVES, keychainAccount, KeychainUnavailableError } from './keychain.js';
import { readPasswordFile } from './password-file.js';

export type PasswordSourceName = 'password-file' | 'command-line' | 'systemd-credential' | 'keychain' | 'environment' | 'prompt';

export interface KeychainAccess {
  readonly label: string;
  get(account: string): Promise<string | null>;
  set(account: string, password: string): Promise<void>;
}

export interface PromptAnswer {
  password: string;
  remember: boolean;
}

export interface PasswordSources {
  cwd: string;
  env: NodeJS.ProcessEnv;
  passwordFile?: string | undefined;
  givenPassword?: string | undefined;
  /** Opened only when reached; undefined leaves the keychain out. */
  keychain?: (() => KeychainAccess) | undefined;
  /** The terminal prompt; undefined without one (cron, systemd). */
  prompt?: ((account: string, canRemember: boolean) => Promise<PromptAnswer>) | undefined;
  /** Warnings, always shown; never given the password. */
  note(message: string): void;
  /** The trail of sources tried, for --verbose. */
  trace(message: string): void;
}

export interface FoundPassword {
  password: string;
  source: PasswordSourceName;
  /** Set when the user asked to keep a prompted password: call it once the pool accepted it. */
  remember?: (() => Promise<void>) | undefined;
}

export async function findPassword(sources: PasswordSources, target: { url: string; user: string }): Promise<FoundPassword> {
  const account = keychainAccount(target);
  const { trace } = sources;
  const tried: string[] = [];

  if (sources.passwordFile !== undefined) {
    const file = resolve(sources.cwd, sources.passwordFile);
    const decoded = await readPasswordFile(file);
    for (const note of decoded.notes) sources.note(note);
    trace(`password for ${account}: from --password-file ${sources.passwordFile}`);
    return { password: decoded.password, source: 'password-file' };
  }
  if (sources.givenPassword !== undefined) {
    trace(`password for ${account}: from the command line (VmBackup.py form)`);
    return { password: sources.givenPassword, source: 'command-line' };
  }
  trace('password: 1. --password-file: not given');

  const credential = await readSystemdCredential(sources.env, target.url);
  if (credential.kind === 'found') {
    trace(`password for ${account}: from the systemd credential ${credential.credential.name} ($CREDENTIALS_DIRECTORY)`);
    return { password: credential.credential.password, source: 'systemd-credential' };
  }
  const why = credential.kind === 'no-directory' ? '$CREDENTIALS_DIRECTORY is not set' : `no ${credential.names.join(' or ')} in ${credential.directory}`;
  trace(`password: 2. systemd credentials: ${why}`);
  tried.push(`systemd credentials (${why})`);

  let keychain: KeychainAccess | undefined;
  if (sources.keychain === undefined) {
    trace('password: 3. keychain: not used here');
  } else {
    keychain = sources.keychain();
    try {
      const stored = await keychain.get(account);
      if (stored !== null) {
        trace(`password for ${account}: from the ${keychain.label}`);
        return { password: stored, source: 'keychain' };
      }
      trace(`password: 3. ${keychain.label}: nothing stored for ${account}`);
      tried.push(`${keychain.label} (nothing stored for ${account}; store it with: vmbackup login)`);
    } catch (err) {
      if (!(err instanceof KeychainUnavailableError)) throw err;
      trace(`password: 3. ${keychain.label}: unavailable after ${err.elapsedMs} ms: ${err.reason}`);
      tried.push(`${keychain.label} (unavailable: ${err.reason})`);
      keychain = undefined;
    }
  }

  const fromEnv = sources.env.VMBACKUP_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') {
    sources.note(`warning: password for ${account} taken from VMBACKUP_PASSWORD; a password file (mode 0600), systemd credentials or the keychain are safer`);
    trace(`password for ${account}: from $VMBACKUP_PASSWORD`);
    return { password: fromEnv, source: 'environment' };
  }
  trace('password: 4. $VMBACKUP_PASSWORD: not set');
  tried.push('$VMBACKUP_PASSWORD (not set)');

  if (sources.prompt !== undefined) {
    trace(`password for ${account}: asking on the terminal`);
    const answer = await sources.prompt(account, keychain !== undefined);
    if (answer.password === '') throw new VmbackupError('NO_PASSWORD', `no password given for ${account}`, 'type the password at the prompt, or see vmbackup help for the other sources');
    const store = keychain;
    const remember =
      answer.remember && store !== undefined
        ? async () => {
            await store.set(account, answer.password);
            sources.note(`the password for ${account} is now stored in the ${store.label}`);
          }
        : undefined;
    return { password: answer.password, source: 'prompt', remember };
  }
  trace('password: 5. prompt: no terminal');
  tried.push('a prompt (no terminal)');

  throw new VmbackupError(
    'NO_PASSWORD',
    `no password for ${account}; tried ${tried.join(', ')}`,
    `store it with vmbackup login (needs a keychain), or ${KEYCHAIN_ALTERNATIVES.replace('$VMBACKUP_PASSWORD', 'set $VMBACKUP_PASSWORD')}`,
  );
}
