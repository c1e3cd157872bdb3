/**
 * What the catalog reads out of names and small files, as pure functions: the date of a dated
 * folder or a pool dump, the format of an export file, a backup's format and mode from its
 * export files, vm.cfg, the VM uuid of a VmBackup.py 3.22+ vm-metadata.xml, and the verify record.
 */
import { backupFolderSortKey, VERIFY_RECORD_FILE } from '../backup/layout.js';
import type { BackupFormat, CatalogMode, VerificationRecord } from './types.js';

/**
 * The last `vmbackup verify` of a backup, written by verify/record.ts into the dated folder:
 * `<dated folder>/vmbackup-verify.json` = `{"at": ISO 8601, "result": "ok"|"failed", "detail"?: text}`.
 */
export const VERIFY_FILE = VERIFY_RECORD_FILE;

/** The local time a dated folder name says, or null when it is not one backupFolderName makes. */
export function backupFolderDate(name: string): Date | null {
  const key = backupFolderSortKey(name);
  return key === null ? null : dateOfKey(key);
}

/** `YYYYMMDDhhmmss` → local Date. */
function dateOfKey(key: string): Date {
  const n = (from: number, to: number) => Number(key.slice(from, to));
  return new Date(n(0, 4), n(4, 6) - 1, n(6, 8), n(8, 10), n(10, 12), n(12, 14));
}

const POOL_DB = /^pool_db_(\d{8})-(\d{6})\.dump$/;

/** The local time of `pool_db_YYYYMMDD-hhmmss.dump`, or null. */
export function poolDbDate(file: string): Date | null {
  const m = POOL_DB.exec(file);
  if (!m) return null;
  const date = dateOfKey(m[1]! + m[2]!);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Export suffixes, longest first so `.xva.gz` is not read as something ending in `.gz`. */
const EXPORT_SUFFIXES: readonly [string, Exclude<BackupFormat, 'unknown'>][] = [
  ['.xva.zst', 'xva.zst'],
  ['.xva.gz', 'xva.gz'],
  ['.xva', 'xva'],
  ['.raw', 'raw'],
  ['.vhd', 'vhd'],
];

/**
 * The format of an export file from its name alone, or null when it is none of ours. Hidden
 * names (`.web.xva.partial` is a temporary file, and so is anything starting with a dot) are not
 * exports, nor is a bare suffix.
 */
export function exportFormatOf(fileName: string): Exclude<BackupFormat, 'unknown'> | null {
  if (fileName.startsWith('.')) return null;
  for (const [suffix, format] of EXPORT_SUFFIXES) if (fileName.endsWith(suffix) && fileName.length > suffix.length) return format;
  return null;
}

export function modeOfFormat(format: BackupFormat): CatalogMode {
  if (format === 'unknown') return 'unknown';
  return format === 'raw' || format === 'vhd' ? 'vdi-export' : 'vm-export';
}

/**
 * Format and mode of a backup from its export files: the one format they share, or unknown
 * when there are none or they disagree (an xva next to a raw is no backup vmbackup made: say so
 * rather than guess which one counts).
 */
export function formatOfExports(exportFiles: readonly string[]): { format: BackupFormat; mode: CatalogMode } {
  const formats = new Set(exportFiles.map((f) => exportFormatOf(f)));
  if (formats.size !== 1) return { format: 'unknown', mode: 'unknown' };
  const format = [...formats][0] ?? 'unknown';
  return { format, mode: modeOfFormat(format) };
}

/**
 * The export files of a dated folder in the order a restore sends them: the boot disk's
 * `<vm folder>.<ext>` first (vdi-disks.ts vdiFileName), then the others by name.
 */
export function orderExports(exportFiles: readonly string[], vmFolder: string): string[] {
  const boot = (f: string) => (f.slice(0, f.length - suffixOf(f).length) === vmFolder ? 0 : 1);
  return [...exportFiles].sort((a, b) => boot(a) - boot(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function suffixOf(file: string): string {
  return EXPORT_SUFFIXES.find(([s]) => file.endsWith(s))?.[0] ?? '';
}

/** `key=value` lines of a vm.cfg (the first value of each key), values untrimmed but for a CR. */
export function parseVmCfg(text: string): { origUuid: string | null; vmName: string | null } {
  let origUuid: string | null = null;
  let vmName: string | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (origUuid === null && line.startsWith('orig_uuid=')) origUuid = line.slice('orig_uuid='.length).trim() || null;
    else if (vmName === null && line.startsWith('name_label=')) vmName = line.slice('name_label='.length);
  }
  return { origUuid, vmName };
}

/**
 * The VM's uuid in a VmBackup.py 3.22+ vm-metadata.xml (the ova.xml of a metadata export,
 * pretty-printed by xmllint): the exported VM is the first object of class VM, and its record
 * (`snapshot`) starts with its uuid. Null when the text has no such object.
 */
export function vmUuidOfMetadataXml(xml: string): string | null {
  const vm = /<name>\s*class\s*<\/name>\s*<value>\s*VM\s*<\/value>/.exec(xml);
  if (!vm) return null;
  const rest = xml.slice(vm.index + vm[0].length);
  const next = rest.search(/<name>\s*class\s*<\/name>/);
  const record = next < 0 ? rest : rest.slice(0, next);
  const uuid = /<name>\s*uuid\s*<\/name>\s*<value>\s*([0-9A-Fa-f-]{36})\s*<\/value>/.exec(record);
  return uuid ? uuid[1]! : null;
}

/** The verify record, or the reason it is not one. */
export function parseVerifyRecord(text: string): VerificationRecord | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { problem: `not JSON (${(err as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: 'not a JSON object' };
  const v = value as Record<string, unknown>;
  if (typeof v.at !== 'string' || Number.isNaN(Date.parse(v.at))) return { problem: '"at" is not a date' };
  if (v.result !== 'ok' && v.result !== 'failed') return { problem: '"result" is neither "ok" nor "failed"' };
  if (v.detail !== undefined && typeof v.detail !== 'string') return { problem: '"detail" is not text' };
  return v.detail === undefined ? { at: v.at, result: v.result } : { at: v.at, result: v.result, detail: v.detail };
}

/** `2026-12-07T14:45:18+01:00`: ISO 8601 in the local time zone with its offset (never `Z`). */
export function isoLocal(date: Date): string {
  const p = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
  const off = -date.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  return `${p(date.getFullYear(), 4)}-${p(date.getMonth() + 1)}-${p(date.getDate())}T${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}${sign}${p(Math.trunc(off / 60))}:${p(off % 60)}`;
}

/** `2026-12-07 14:45:18`, local time: what the screen shows. */
export function localDateTime(date: Date): string {
  return isoLocal(date).slice(0, 19).replace('T', ' ');
}
