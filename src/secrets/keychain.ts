/**
 * The OS keychain: service "vmbackup", account "<user>@<host[:port]>". On Linux the Secret
 * Service (gnome-keyring, KeePassXC, KWallet) and nothing else, unless the kernel keyutils
 * keyring is asked for explicitly (VMBACKUP_KEYRING=keyutils, or keyring="keyutils" in the
 * settings): keyutils forgets everything at reboot and is denied to cron jobs and services, so a
 * silent fallback to it would store passwords that vanish. macOS and Windows use their own store.
 *
 * A keychain that cannot answer (no D-Bus session, no Secret Service, locked) is an error with
 * the alternatives in its hint, never a hang: the usual cases answer by themselves in well under
 * 100 ms, a missing D-Bus session is seen before anything is started, and a wedged bus is cut off
 * by a timeout (keychain-child.ts).
 */
import { existsSync } from 'node:fs';
import { VmbackupError } from '../errors.js';
import { type ChildAnswer, type ChildRequest, runKeychainChild } from './keychain-child.js';

export const KEYCHAIN_SERVICE = 'vmbackup';

export type KeychainStore = 'secret-service' | 'keyutils';

/** What to use when the keychain cannot be: named in every "keychain unavailable" error. */
export const KEYCHAIN_ALTERNATIVES =
  'use a password file (vmbackup password-file FILE, then --password-file FILE), ' +
  'systemd credentials (LoadCredentialEncrypted=vmbackup:..., see assets/vmbackup@.service), ' +
  'or $VMBACKUP_PASSWORD';

/**
 * How long a keychain operation may take. Real ones take 1-40 ms; headless, anything beyond half
 * a second is a wedged bus or daemon. At a terminal a locked desktop keyring may be showing its
 * unlock dialog, which a person needs time to answer.
 */
const HEADLESS_TIMEOUT_MS = 500;
const INTERACTIVE_TIMEOUT_MS = 60_000;

export class KeychainUnavailableError extends VmbackupError {
  readonly reason: string;
  readonly elapsedMs: number;

  constructor(label: string, reason: string, elapsedMs: number) {
    super('KEYCHAIN_UNAVAILABLE', `the ${label} is not available: ${reason}`, KEYCHAIN_ALTERNATIVES);
    this.reason = reason;
    this.elapsedMs = elapsedMs;
  }
}

/** "root@10.0.0.5" or "backup@xen1.example.com:8443": the port only when it is not the default. */
export function keychainAccount(target: { url: string; user: string }): string {
  return `${target.user}@${new URL(target.url).host}`;
}

export interface KeychainOptions {
  env: NodeJS.ProcessEnv;
  /** The store chosen in the settings file, if any; VMBACKUP_KEYRING wins over it. */
  configured?: KeychainStore | undefined;
  platform?: NodeJS.Platform;
  /** A person is at a terminal: wait for a desktop unlock dialog (see the timeouts above). */
  interactive?: boolean | undefined;
}

export class Keychain {
  readonly store: KeychainStore;
  /** How messages name it: "keychain (Secret Service)". */
  readonly label: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #platform: NodeJS.Platform;
  readonly #timeoutMs: number;

  constructor(options: KeychainOptions) {
    this.#env = options.env;
    this.#platform = options.platform ?? process.platform;
    this.store = chooseStore(options.env.VMBACKUP_KEYRING, options.configured);
    this.#timeoutMs = timeoutFrom(options.env.VMBACKUP_KEYCHAIN_TIMEOUT_MS, options.interactive ? INTERACTIVE_TIMEOUT_MS : HEADLESS_TIMEOUT_MS);
    this.label = this.#platform !== 'linux' ? 'keychain' : this.store === 'keyutils' ? 'keychain (kernel keyutils)' : 'keychain (Secret Service)';
  }

  /** The stored password, or null when there is none. */
  async get(account: string): Promise<string | null> {
    const value = await this.#run({ op: 'get', service: KEYCHAIN_SERVICE, account, store: this.store });
    return typeof value === 'string' ? value : null;
  }

  async set(account: string, password: string): Promise<void> {
    await this.#run({ op: 'set', service: KEYCHAIN_SERVICE, account, store: this.store, password });
  }

  /** True when a password was removed, false when there was none. */
  async delete(account: string): Promise<boolean> {
    return (await this.#run({ op: 'delete', service: KEYCHAIN_SERVICE, account, store: this.store })) === true;
  }

  async #run(request: ChildRequest): Promise<string | boolean | null> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const missing = this.#missingBus();
    if (missing !== null) throw new KeychainUnavailableError(this.label, missing, elapsed());
    const answer: ChildAnswer = await runKeychainChild(request, this.#env, this.#timeoutMs);
    if (answer.ok) return answer.value;
    if ('timedOut' in answer) throw new KeychainUnavailableError(this.label, `it did not answer within ${this.#timeoutMs} ms (is the D-Bus session or the keyring daemon hung?)`, elapsed());
    throw new KeychainUnavailableError(this.label, explain(answer.message), elapsed());
  }

  /** Why the Secret Service cannot be reached, told without starting anything; null if it may be. */
  #missingBus(): string | null {
    if (this.#platform !== 'linux' || this.store !== 'secret-service') return null;
    const address = this.#env.DBUS_SESSION_BUS_ADDRESS;
    if (!address) return 'no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set, as under cron, ssh without a desktop, or a system service)';
    // "unix:path=/run/user/0/bus,guid=..;tcp:..": only when every address is a socket path
    // that is not there can we tell for sure.
    const paths = address.split(';').map((a) => /^unix:(?:.*,)?path=([^,]+)/.exec(a)?.[1]);
    if (paths.every((p) => p !== undefined && !existsSync(decodeURIComponent(p)))) {
      return `no D-Bus session (its socket ${paths.join(', ')} does not exist)`;
    }
    return null;
  }
}

function chooseStore(fromEnv: string | undefined, configured: KeychainStore | undefined): KeychainStore {
  if (fromEnv === undefined || fromEnv === '') return configured ?? 'secret-service';
  if (fromEnv === 'secret-service' || fromEnv === 'keyutils') return fromEnv;
  throw new VmbackupError('USAGE', `VMBACKUP_KEYRING=${fromEnv}: expected secret-service or keyutils`, 'unset it to use the Secret Service');
}

/** VMBACKUP_KEYCHAIN_TIMEOUT_MS (50 to 600000) over the default. */
function timeoutFrom(text: string | undefined, fallback: number): number {
  const n = Number(text);
  return text !== undefined && /^[0-9]+$/.test(text) && n >= 50 && n <= 600_000 ? n : fallback;
}

/** The library's first line, in words that say what to do (messages seen: stack-probe §2). */
function explain(message: string): string {
  if (/autolaunch|DBUS_SESSION_BUS_ADDRESS|Failed to connect to address/i.test(message)) return `no D-Bus session (${message})`;
  if (/not provided by any \.service files|ServiceUnknown|org\.freedesktop\.secrets/i.test(message)) {
    return 'no Secret Service on the D-Bus session (gnome-keyring, KeePassXC or KWallet provide one)';
  }
  if (/no result found/i.test(message)) return 'the Secret Service has no unlocked default keyring (locked, or never created)';
  if (/prompt was dismissed|is locked/i.test(message)) return 'the keyring is locked';
  if (/AccessDenied/i.test(message)) return 'the kernel keyring denied access (cron jobs and services have no session keyring)';
  return message;
}
