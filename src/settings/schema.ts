/**
 * The shape of the settings file, as a JSON schema conf validates on every read and write. Every
 * object is closed (`additionalProperties: false`) and no property can hold a password: a value
 * that is not in this list is refused, so a secret cannot end up in the file by accident.
 */
export type UiColor = 'auto' | 'always' | 'never';
export type KeyringStore = 'secret-service' | 'keyutils';

export interface KnownPool {
  url: string;
  user: string;
}

export interface UiPrefs {
  /** Colours in the TUI: follow the terminal, or force them on or off. */
  color?: UiColor;
  /** Ask before a run that deletes old backups (retention). */
  confirmDeletes?: boolean;
}

export interface SettingsData extends Record<string, unknown> {
  /** Pools logged in to, most recent first. */
  pools?: KnownPool[];
  /** Certificate pins, keyed "host:port" (a pool member reached by a redirect has its own). */
  pins?: Record<string, string>;
  lastBackupDir?: string;
  lastConfigPath?: string;
  ui?: UiPrefs;
  /**
   * Where the keychain lives on Linux. Only an explicit "keyutils" here (or VMBACKUP_KEYRING)
   * selects the kernel keyring: it is lost at reboot and denied under cron.
   */
  keyring?: KeyringStore;
}

export const FINGERPRINT_PATTERN = '^SHA256:[0-9a-f]{64}$';
/** host:port as hostPortOf writes it: a name, an IPv4 address or a bracketed IPv6 address. */
export const HOST_PORT_PATTERN = '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+):[0-9]{1,5}$';

const pathString = { type: 'string', minLength: 1, maxLength: 4096 } as const;

export const SETTINGS_SCHEMA = {
  pools: {
    type: 'array',
    maxItems: 100,
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['url', 'user'],
      properties: {
        url: { type: 'string', pattern: '^https?://[^/@\\s]+$', maxLength: 300 },
        user: { type: 'string', minLength: 1, maxLength: 256 },
      },
    },
  },
  pins: {
    type: 'object',
    propertyNames: { pattern: HOST_PORT_PATTERN },
    additionalProperties: { type: 'string', pattern: FINGERPRINT_PATTERN },
  },
  lastBackupDir: pathString,
  lastConfigPath: pathString,
  ui: {
    type: 'object',
    additionalProperties: false,
    properties: {
      color: { enum: ['auto', 'always', 'never'] },
      confirmDeletes: { type: 'boolean' },
    },
  },
  keyring: { enum: ['secret-service', 'keyutils'] },
} as const;
