/**
 * The console line format of the original script, kept byte-for-byte so that sysadmins' greps
 * and log watchers keep working: `2016-11-30-(14:45:18) - message`, local time.
 */
import type { EffectiveSettings } from '../config/index.js';
import type { Scope, ScopeEntry } from '../selection/index.js';
import { printable } from './printable.js';

const pad = (n: number) => String(n).padStart(2, '0');

export function legacyTimestamp(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}-(${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())})`;
}

/**
 * Every console-log line goes through here, so this is where control characters are escaped
 * (printable.ts): a newline in a VM name or an XAPI message cannot start a line without a
 * timestamp, whichever event or call site the text came from.
 */
export function legacyLine(d: Date, message: string): string {
  return `${legacyTimestamp(d)} - ${printable(message)}`;
}

/** Python 2 sorts byte strings byte-wise; JS sorts UTF-16 units. Compare the UTF-8 bytes. */
function byteWiseCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** An entry as the original stores and prints it: `name` or `name:N`. */
export function entryText(entry: ScopeEntry): string {
  const name = entry.vm.name;
  return entry.maxBackups === undefined ? name : `${name}:${entry.maxBackups}`;
}

function listLines(key: string, items: string[]): string[] {
  const sorted = [...items].sort(byteWiseCompare);
  return [`  ${key} (cnt)= ${sorted.length}`, `  ${key}: ${sorted.join(', ')}`];
}

/**
 * The one compress line: True/False as the original prints them (greps for `compress = True`
 * keep working), and zstd, which the original cannot do, by name. The block of our own settings
 * does not repeat it.
 */
function compressText(c: EffectiveSettings['compress']): string {
  return c === 'none' ? 'False' : c === 'gzip' ? 'True' : c;
}

/**
 * The settings block the original logs before a run or a preview (spec §9), message parts only
 * (legacyLine stamps them and escapes control characters in names):
 * lists sorted byte-wise as 3.2+ does, and an empty list printed as "  exclude: " with the space.
 */
export function settingsBlock(settings: EffectiveSettings, scope: Scope): string[] {
  return [
    'VmBackup.py running with these settings:',
    `  backup_dir        = ${settings.backupDir}`,
    `  status_log        = ${settings.statusLog}`,
    `  compress          = ${compressText(settings.compress)}`,
    `  max_backups       = ${settings.maxBackups}`,
    `  vdi_export_format = ${settings.vdiExportFormat}`,
    `  pool_db_backup    = ${settings.poolDbBackup}`,
    ...listLines('exclude', scope.exclude.map((e) => e.vm.name)),
    ...listLines('vdi-export', scope.vdiExport.map(entryText)),
    ...listLines('vm-export', scope.vmExport.map(entryText)),
  ];
}

/**
 * Our settings that the original has no line for, in the same layout. With the scope, the
 * vm-export VMs taken as delta chains (`#vmbackup: delta=`) and full_every, when there are any.
 */
export function extensionSettingsBlock(settings: EffectiveSettings, scope?: Scope): string[] {
  const py = (b: boolean) => (b ? 'True' : 'False');
  const delta = scope?.vmExport.filter((e) => e.delta).map((e) => e.vm.name) ?? [];
  return [
    'vmbackup settings beyond VmBackup.py:',
    `  pool              = ${settings.pool ?? '(not set)'}`,
    `  user              = ${settings.user}`,
    `  pre_clean         = ${py(settings.preClean)}`,
    `  concurrency       = ${settings.concurrency}`,
    `  folder_names      = ${settings.folderNames}`,
    ...(delta.length > 0 ? [...listLines('delta', delta), `  full_every        = ${settings.fullEvery}`] : []),
    `  mail_to           = ${settings.mailTo.join(',') || '(not set)'}`,
    ...(settings.mailTo.length > 0
      ? [
          `  mail_when         = ${settings.mailWhen}`,
          `  mail_from         = ${settings.mailFrom ?? '(vmbackup@this host)'}`,
          `  smtp_server       = ${settings.smtpServer ?? 'localhost:25'}`,
          `  smtp_starttls     = ${settings.smtpStartTls}`,
          ...(settings.smtpUser ? [`  smtp_user         = ${settings.smtpUser}`] : []),
        ]
      : []),
  ];
}
