/**
 * The settings file: what vmbackup remembers between runs that is not a secret. Known pools
 * (URL and user), certificate pins per host:port, the last backup_dir and cfg path, TUI
 * preferences, and the keychain store choice. Passwords live in the keychain, never here; the
 * schema (schema.ts) has no place for one.
 *
 * The file is conf's JSON, mode 0600 in a 0700 folder: $VMBACKUP_SETTINGS_DIR, else
 * $XDG_CONFIG_HOME/vmbackup, else ~/.config/vmbackup. Every change is one small read-modify-write
 * under a lock (lock.ts), so runs and logins that update it at once keep each other's changes.
 */
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import Conf, { type Schema } from 'conf';
import { VmbackupError } from '../errors.js';
import { type Fingerprint, hostPortOf, parseFingerprint } from '../xapi/fingerprint.js';
import { withFileLock } from './lock.js';
import { HOST_PORT_PATTERN, type KeyringStore, type KnownPool, SETTINGS_SCHEMA, type SettingsData, type UiPrefs } from './schema.js';

export type { KeyringStore, KnownPool, UiPrefs } from './schema.js';

const MAX_POOLS = 100;

/** The folder of the settings file for this environment (tests set VMBACKUP_SETTINGS_DIR). */
export function settingsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VMBACKUP_SETTINGS_DIR) return resolve(env.VMBACKUP_SETTINGS_DIR);
  const base = env.XDG_CONFIG_HOME ? resolve(env.XDG_CONFIG_HOME) : join(env.HOME || homedir(), '.config');
  return join(base, 'vmbackup');
}

export class SettingsStore {
  readonly path: string;
  readonly #conf: Conf<SettingsData>;
  readonly #lockDir: string;

  private constructor(dir: string) {
    // conf would create the folder with the umask's mode; pins and pool names are not secrets,
    // but they are nobody else's business either.
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.#lockDir = join(dir, 'settings.lock');
    this.#conf = guarded(join(dir, 'settings.json'), () =>
      new Conf<SettingsData>({
        cwd: dir,
        configName: 'settings',
        // conf's Schema type wants a mutable JSONSchema per key; ours is a frozen literal.
        schema: SETTINGS_SCHEMA as unknown as Schema<SettingsData>,
        rootSchema: { additionalProperties: false },
        configFileMode: 0o600,
        // Keys such as "10.0.0.5:443" contain dots: no dot-paths.
        accessPropertiesByDotNotation: false,
        // A damaged file is reported, never silently emptied: emptying it would forget the pins.
        clearInvalidConfig: false,
      }),
    );
    this.path = this.#conf.path;
  }

  static open(env: NodeJS.ProcessEnv = process.env): SettingsStore {
    return new SettingsStore(settingsDir(env));
  }

  pinFor(hostPort: string): Fingerprint | undefined {
    const pin = this.#read().pins?.[hostPort];
    return pin === undefined ? undefined : (parseFingerprint(pin) ?? undefined);
  }

  /** Every pin, for the trust rules of a run (a redirect may lead to any pinned host). */
  allPins(): Record<string, Fingerprint> {
    const pins: Record<string, Fingerprint> = {};
    for (const [hostPort, pin] of Object.entries(this.#read().pins ?? {})) {
      const fp = parseFingerprint(pin);
      if (fp !== null) pins[hostPort] = fp;
    }
    return pins;
  }

  savePin(hostPort: string, fingerprint: Fingerprint): void {
    if (!new RegExp(HOST_PORT_PATTERN).test(hostPort)) throw new VmbackupError('SETTINGS_INVALID', `cannot pin "${hostPort}": expected host:port`, 'this is a bug in vmbackup; please report it');
    const fp = parseFingerprint(fingerprint);
    if (fp === null) throw new VmbackupError('SETTINGS_INVALID', `cannot pin ${hostPort}: not a SHA-256 fingerprint`, 'write it as SHA256: and 64 hex digits');
    this.#update((s) => {
      s.pins = { ...s.pins, [hostPort]: fp };
    });
  }

  forgetPin(hostPort: string): void {
    this.#update((s) => {
      if (s.pins === undefined) return;
      const { [hostPort]: _gone, ...rest } = s.pins;
      s.pins = rest;
    });
  }

  /** Puts the pool first in the list of known pools (one entry per URL and user). */
  rememberPool(pool: KnownPool): void {
    const entry = { url: new URL(pool.url).origin, user: pool.user };
    this.#update((s) => {
      const others = (s.pools ?? []).filter((p) => p.url !== entry.url || p.user !== entry.user);
      s.pools = [entry, ...others].slice(0, MAX_POOLS);
    });
  }

  forgetPool(pool: KnownPool): void {
    const url = new URL(pool.url).origin;
    this.#update((s) => {
      s.pools = (s.pools ?? []).filter((p) => p.url !== url || p.user !== pool.user);
    });
  }

  /** Most recent first, each with the pin of its host:port if there is one. */
  knownPools(): Array<{ url: string; user: string; fingerprint?: Fingerprint }> {
    const data = this.#read();
    return (data.pools ?? []).map((p) => {
      const pin = data.pins?.[hostPortOf(p.url)];
      const fingerprint = pin === undefined ? null : parseFingerprint(pin);
      return fingerprint === null ? { url: p.url, user: p.user } : { url: p.url, user: p.user, fingerprint };
    });
  }

  get lastBackupDir(): string | undefined {
    return this.#read().lastBackupDir;
  }

  setLastBackupDir(dir: string): void {
    this.#update((s) => {
      s.lastBackupDir = dir;
    });
  }

  get lastConfigPath(): string | undefined {
    return this.#read().lastConfigPath;
  }

  setLastConfigPath(path: string): void {
    this.#update((s) => {
      s.lastConfigPath = path;
    });
  }

  get ui(): UiPrefs {
    return { ...this.#read().ui };
  }

  setUiPref<K extends keyof UiPrefs>(key: K, value: UiPrefs[K]): void {
    this.#update((s) => {
      s.ui = { ...s.ui, [key]: value };
    });
  }

  /** The keychain store chosen in settings; undefined means the default (Secret Service). */
  get keyringStore(): KeyringStore | undefined {
    return this.#read().keyring;
  }

  setKeyringStore(store: KeyringStore | undefined): void {
    this.#update((s) => {
      if (store === undefined) delete s.keyring;
      else s.keyring = store;
    });
  }

  #read(): SettingsData {
    return guarded(this.path, () => this.#conf.store);
  }

  /** One locked read-modify-write: conf's `store` getter re-reads the file each time. */
  #update(change: (data: SettingsData) => void): void {
    withFileLock(this.#lockDir, () =>
      guarded(this.path, () => {
        const data = this.#conf.store;
        change(data);
        this.#conf.store = data;
      }),
    );
  }
}

/** conf throws plain Errors (bad JSON, schema violations, EACCES); ours name the file. */
function guarded<T>(path: string, work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof VmbackupError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS') {
      throw new VmbackupError('SETTINGS_UNWRITABLE', `cannot use the settings file ${path}: ${e.code}`, 'check its permissions, or set VMBACKUP_SETTINGS_DIR to a folder you own');
    }
    const what = e.name === 'SyntaxError' ? 'is not valid JSON' : `is not valid (${e.message.replace(/^Config schema violation: /, '')})`;
    throw new VmbackupError('SETTINGS_INVALID', `the settings file ${path} ${what}`, `fix it by hand, or move it away (pinned certificates in it will have to be confirmed again)`);
  }
}
