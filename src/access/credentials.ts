/**
 * The password for a pool, as commands get it: the sources of secrets/sources.ts in their order,
 * wired to this process (the terminal, the settings' keychain choice, --verbose). engine-run.ts
 * and login use it.
 */
import { Keychain, type KeychainStore } from '../secrets/keychain.js';
import { findPassword, type PromptAnswer } from '../secrets/sources.js';
import { SettingsStore } from '../settings/store.js';
import type { CredentialSource } from '../xapi/target.js';
import type { PasswordOrigin } from './auth-hint.js';
import type { CliIo } from './io.js';

export interface PasswordFlags {
  passwordFile?: string | undefined;
  /** The legacy form's password, from its file or argv (warned about already). */
  givenPassword?: string | undefined;
  /** --verbose: name every password source tried. */
  verbose?: boolean | undefined;
}

/** Prompted passwords the user asked to keep, per command, stored once the pool accepted them. */
const pendingRemember = new WeakMap<CliIo, () => Promise<void>>();

export function credentialSourceFor(io: CliIo, flags: PasswordFlags): CredentialSource {
  const note = (message: string) => io.stderr(`vmbackup: ${message}\n`);
  const trace = flags.verbose ? note : () => undefined;
  const source: CredentialSource = async (t) => {
    const found = await findPassword(
      {
        cwd: io.cwd,
        env: io.env,
        passwordFile: flags.passwordFile,
        givenPassword: flags.givenPassword,
        keychain: () => keychainFor(io, note),
        prompt: io.tty ? promptOn(io) : undefined,
        note,
        trace,
      },
      t,
    );
    if (found.remember) pendingRemember.set(io, found.remember);
    origins.set(source, { source: found.source, file: flags.passwordFile });
    return { user: t.user, password: found.password };
  };
  return source;
}

/** Where each source's last password came from, for the fix of a refused login (auth-hint.ts). */
const origins = new WeakMap<CredentialSource, PasswordOrigin>();

export function passwordOrigin(source: CredentialSource): PasswordOrigin | undefined {
  return origins.get(source);
}

/**
 * Call once the pool accepted the password a credentialSourceFor(io, ...) gave (in connect(),
 * right after openPool): stores a prompted password the user asked to remember. Storing it
 * before would keep a mistyped one. A keychain that fails now only costs a warning: the run has
 * its password.
 */
export async function credentialsAccepted(io: CliIo): Promise<void> {
  const remember = pendingRemember.get(io);
  if (!remember) return;
  pendingRemember.delete(io);
  try {
    await remember();
  } catch (err) {
    io.stderr(`vmbackup: warning: the password was not stored: ${(err as Error).message}\n`);
  }
}

/** The keychain with the store chosen in the settings file (VMBACKUP_KEYRING wins over it). */
export function keychainFor(io: CliIo, note: (message: string) => void = () => undefined): Keychain {
  return new Keychain({ env: io.env, configured: configuredStore(io, note), interactive: io.tty !== undefined });
}

function configuredStore(io: CliIo, note: (message: string) => void): KeychainStore | undefined {
  if (io.env.VMBACKUP_KEYRING) return undefined;
  try {
    return SettingsStore.open(io.env).keyringStore;
  } catch (err) {
    note(`warning: ${(err as Error).message}; using the Secret Service`);
    return undefined;
  }
}

function promptOn(io: CliIo): (account: string, canRemember: boolean) => Promise<PromptAnswer> {
  return async (account, canRemember) => {
    const tty = io.tty!;
    const password = await tty.ask(`Password for ${account}: `, { masked: true });
    if (!canRemember || password === '') return { password, remember: false };
    const answer = await tty.ask('Remember it in the keychain? [y/N] ');
    return { password, remember: /^y(es)?$/i.test(answer.trim()) };
  };
}
