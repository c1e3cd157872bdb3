/**
 * `#vmbackup: key=value` lines: our settings that the original script does not know. They start
 * with `#` in column 1, so the original reads them as comments and the file stays
 * legacy-compatible. Each key is validated here; the engine, reports and credentials code read
 * the typed values.
 */
import type { Compression, Directives, FolderNames, MailWhen, SmtpStartTls, VdiDisks } from './model.js';
import { HOST_FINGERPRINT_COMMAND, parseFingerprint } from '../util/fingerprint.js';
import { parsePythonInt } from './python-text.js';
import { excerpt } from './excerpt.js';

export const DIRECTIVE_PREFIX = '#vmbackup:';

type Read<T> = (value: string) => { ok: true; value: T } | { ok: false; message: string; hint: string };

/**
 * Directives with one value each. `delta=` is the exception: a repeatable selector line, read by
 * parse.ts and written by format.ts as selection lines are (delta-lines.ts).
 */
export type ScalarDirective = Exclude<keyof Directives, 'delta'>;

interface DirectiveDef<K extends ScalarDirective> {
  key: string;
  prop: K;
  /** One line for `vmbackup config` and the README. */
  doc: string;
  read: Read<NonNullable<Directives[K]>>;
  write(value: NonNullable<Directives[K]>): string;
}

const ok = <T>(value: T) => ({ ok: true as const, value });
const bad = (message: string, hint: string) => ({ ok: false as const, message, hint });

function readBool(key: string): Read<boolean> {
  return (value) => {
    const v = value.toLowerCase();
    if (v === 'true') return ok(true);
    if (v === 'false') return ok(false);
    return bad(`${key}=${excerpt(value)} is not true or false`, `write #vmbackup: ${key}=true or ${key}=false`);
  };
}

const EMAIL = /^[^\s@,<>]+@[^\s@,<>]+$/;
const HOST_PORT = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::([0-9]{1,5}))?$/;

function readPool(value: string) {
  const hint = 'write the pool master as https://host or https://host:port, e.g. #vmbackup: pool=https://xen1.example.com';
  const withScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value) ? value : `https://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return bad(`pool=${excerpt(value)} is not a URL`, hint);
  }
  if (url.username || url.password) {
    return bad('pool= must not carry a user or password', 'put the user in #vmbackup: user=NAME and store the password with `vmbackup login`');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return bad(`pool=${excerpt(value)} must use https:// (or http://)`, hint);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) return bad(`pool=${excerpt(value)} must not have a path`, hint);
  return ok(url.origin);
}

function readPositiveInt(key: string, max: number): Read<number> {
  return (value) => {
    const n = parsePythonInt(value);
    if (n !== null && n >= 1 && n <= max) return ok(n);
    return bad(`${key}=${excerpt(value)} is not a whole number from 1 to ${max}`, `write e.g. #vmbackup: ${key}=2`);
  };
}

function readCompression(value: string) {
  const v = value.toLowerCase();
  const map: Record<string, Compression> = { none: 'none', false: 'none', off: 'none', gzip: 'gzip', true: 'gzip', zstd: 'zstd' };
  const c = map[v];
  return c ? ok(c) : bad(`compress=${excerpt(value)} is not none, gzip or zstd`, 'write #vmbackup: compress=zstd (or gzip, or none)');
}

function readChoice<T extends string>(key: string, choices: readonly T[], example: T): Read<T> {
  return (value) => {
    const v = value.toLowerCase();
    const found = choices.find((c) => c === v);
    if (found !== undefined) return ok(found);
    return bad(`${key}=${excerpt(value)} is not ${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}`, `write e.g. #vmbackup: ${key}=${example}`);
  };
}

/**
 * Files named in directives must be absolute: cron and systemd start us in / or $HOME, so a
 * relative path would name a different file depending on who runs the backup.
 */
function readAbsolutePath(key: string, example: string): Read<string> {
  return (value) => {
    if (value === '' || /[\x00-\x1f\x7f]/.test(value)) return bad(`${key}= is empty or has control characters`, `write e.g. #vmbackup: ${key}=${example}`);
    if (!value.startsWith('/')) return bad(`${key}=${excerpt(value)} is not an absolute path`, `write the full path, e.g. #vmbackup: ${key}=${example}`);
    return ok(value);
  };
}

const STARTTLS_MODES: readonly SmtpStartTls[] = ['required', 'opportunistic', 'off'];
const MAIL_WHEN: readonly MailWhen[] = ['always', 'failure', 'never'];
const FOLDER_STYLES: readonly FolderNames[] = ['legacy', 'nas'];
const VDI_DISKS: readonly VdiDisks[] = ['boot', 'all'];

/** A delta chain longer than this is surely a typo: restoring it reads that many files per disk. */
export const FULL_EVERY_MAX = 1000;
export const DEFAULT_FULL_EVERY = 7;

export const DIRECTIVES: { [K in ScalarDirective]: DirectiveDef<K> } = {
  pool: { key: 'pool', prop: 'pool', doc: 'pool master URL, https://host[:port]', read: readPool, write: (v) => v },
  user: {
    key: 'user',
    prop: 'user',
    doc: 'XAPI user name (default root)',
    read: (v) => (v && !/[\x00-\x1f]/.test(v) ? ok(v) : bad('user= is empty', 'write e.g. #vmbackup: user=root')),
    write: (v) => v,
  },
  fingerprint: {
    key: 'fingerprint',
    prop: 'fingerprint',
    doc: "the pool certificate's SHA-256 fingerprint, trusted without a prompt (as --trust): SHA256:ab12... (colons allowed)",
    read: (value) => {
      const fp = parseFingerprint(value);
      return fp ? ok(fp) : bad(`fingerprint=${excerpt(value)} is not a SHA-256 fingerprint`, `write SHA256: and 64 hex digits, as \`${HOST_FINGERPRINT_COMMAND}\` prints them on the host`);
    },
    write: (v) => v,
  },
  caFile: {
    key: 'ca_file',
    prop: 'caFile',
    doc: "absolute path of a PEM bundle of CAs that sign the pool's certificate (as --ca)",
    read: readAbsolutePath('ca_file', '/etc/vmbackup/pool-ca.pem'),
    write: (v) => v,
  },
  compress: {
    key: 'compress',
    prop: 'compress',
    doc: 'compress vm-export files: none, gzip (.xva.gz, like compress=true) or zstd (.xva.zst)',
    read: readCompression,
    write: (v) => v,
  },
  concurrency: {
    key: 'concurrency',
    prop: 'concurrency',
    doc: 'how many VMs to back up at the same time, 1 to 16 (default 1)',
    read: readPositiveInt('concurrency', 16),
    write: (v) => String(v),
  },
  preClean: {
    key: 'pre_clean',
    prop: 'preClean',
    doc: 'true: delete the oldest backups before a new one starts, as the pre_clean=true option does',
    read: readBool('pre_clean'),
    write: (v) => String(v),
  },
  ignoreExtraKeys: {
    key: 'ignore_extra_keys',
    prop: 'ignoreExtraKeys',
    doc: 'true: unknown keys are warnings, not errors, as the ignore_extra_keys=true option does',
    read: readBool('ignore_extra_keys'),
    write: (v) => String(v),
  },
  folderNames: {
    key: 'folder_names',
    prop: 'folderNames',
    doc: 'dated folder names: legacy backup-2016-11-30-(14:45:18) (default) or nas backup-2016-11-30-(14-45-18), for SMB/CIFS shares that refuse ":"',
    read: readChoice('folder_names', FOLDER_STYLES, 'nas'),
    write: (v) => v,
  },
  vdiDisks: {
    key: 'vdi_disks',
    prop: 'vdiDisks',
    doc: 'vdi-export takes the boot disk only (boot, default, as VmBackup.py) or every disk of the VM (all), each to its own file in the same folder',
    read: readChoice('vdi_disks', VDI_DISKS, 'all'),
    write: (v) => v,
  },
  stallTimeout: {
    key: 'stall_timeout',
    prop: 'stallTimeout',
    doc: 'seconds without data from the pool before an export fails as STALLED and the run goes on with the next VM (default 300)',
    read: readPositiveInt('stall_timeout', 86_400),
    write: (v) => String(v),
  },
  verifyAfter: {
    key: 'verify_after',
    prop: 'verifyAfter',
    doc: 'true: re-read each new backup from the disk after its success marker and check it as `vmbackup verify` does (catches a write that went wrong; costs one more read of each file)',
    read: readBool('verify_after'),
    write: (v) => String(v),
  },
  fullEvery: {
    key: 'full_every',
    prop: 'fullEvery',
    doc: `delta VMs: a full every N backups of a VM, the others are deltas against the one before (default ${DEFAULT_FULL_EVERY}; 1: always full)`,
    read: readPositiveInt('full_every', FULL_EVERY_MAX),
    write: (v) => String(v),
  },
  mailTo: {
    key: 'mail_to',
    prop: 'mailTo',
    doc: 'report recipients, comma-separated',
    read: (value) => {
      const list = value.split(',').map((s) => s.trim());
      const badOne = list.find((a) => !EMAIL.test(a));
      if (badOne !== undefined) return bad(`mail_to: "${badOne}" is not an e-mail address`, 'write e.g. #vmbackup: mail_to=ops@example.com,backup@example.com');
      return ok(list);
    },
    write: (v) => v.join(','),
  },
  mailFrom: {
    key: 'mail_from',
    prop: 'mailFrom',
    doc: 'report sender address (default vmbackup@<this host>)',
    read: (v) => (EMAIL.test(v) ? ok(v) : bad(`mail_from=${v} is not an e-mail address`, 'write e.g. #vmbackup: mail_from=vmbackup@example.com')),
    write: (v) => v,
  },
  mailWhen: {
    key: 'mail_when',
    prop: 'mailWhen',
    doc: 'when to mail the report: always (default), failure (WARNING or ERROR runs) or never',
    read: readChoice('mail_when', MAIL_WHEN, 'failure'),
    write: (v) => v,
  },
  smtpServer: {
    key: 'smtp_server',
    prop: 'smtpServer',
    doc: 'SMTP relay, host or host:port (default localhost, port 25)',
    read: (v) => {
      const m = HOST_PORT.exec(v);
      if (m && (m[1] === undefined || (Number(m[1]) >= 1 && Number(m[1]) <= 65535))) return ok(v);
      return bad(`smtp_server=${v} is not host or host:port`, 'write e.g. #vmbackup: smtp_server=mail.example.com:25');
    },
    write: (v) => v,
  },
  smtpStartTls: {
    key: 'smtp_starttls',
    prop: 'smtpStartTls',
    doc: 'STARTTLS: opportunistic (default: when the relay offers it), required (never in clear) or off',
    read: readChoice('smtp_starttls', STARTTLS_MODES, 'required'),
    write: (v) => v,
  },
  smtpUser: {
    key: 'smtp_user',
    prop: 'smtpUser',
    doc: 'SMTP login name; the password comes from smtp_password_file or VMBACKUP_SMTP_PASSWORD',
    read: (v) => (v && !/[\x00-\x1f\x7f]/.test(v) ? ok(v) : bad('smtp_user= is empty or has control characters', 'write e.g. #vmbackup: smtp_user=vmbackup')),
    write: (v) => v,
  },
  smtpPasswordFile: {
    key: 'smtp_password_file',
    prop: 'smtpPasswordFile',
    doc: 'absolute path of the SMTP password, base64 as create-password-file writes it',
    read: readAbsolutePath('smtp_password_file', '/etc/vmbackup/smtp.pass'),
    write: (v) => v,
  },
  smtpCaFile: {
    key: 'smtp_ca_file',
    prop: 'smtpCaFile',
    doc: 'absolute path of a PEM bundle of CAs to trust for STARTTLS (relays with a private CA)',
    read: readAbsolutePath('smtp_ca_file', '/etc/vmbackup/mail-ca.pem'),
    write: (v) => v,
  },
};

/** Directive keys in the order the writer emits them (delta= lines come after them all). */
export const DIRECTIVE_ORDER = Object.keys(DIRECTIVES) as ScalarDirective[];

export const DIRECTIVE_BY_KEY = new Map<string, ScalarDirective>(DIRECTIVE_ORDER.map((prop) => [DIRECTIVES[prop].key, prop]));

/** The repeatable `delta=` directive, documented beside the others. */
export const DELTA_DIRECTIVE = {
  key: 'delta',
  doc: 'back up the vm-export VMs this selector matches (exact name or re.match regex, as vm-export=, no :N) as delta chains: a VHD per disk holding only the blocks changed since the backup before; may be repeated. VmBackup.py reads it as a comment and exports a full XVA',
} as const;

/** Every directive key, for "did you mean" and the list of known keys. */
export const DIRECTIVE_KEYS: readonly string[] = [...DIRECTIVE_BY_KEY.keys(), DELTA_DIRECTIVE.key];
