/**
 * Names and paths under backup_dir (nau-spec §5.1, §5.6). Pure functions: the engine builds
 * every path it writes or deletes through `insideBackupDir`, so that no VM name, however odd,
 * can make it write outside backup_dir.
 *
 * ## VM folder names
 *
 * The folder of a VM is `<backup_dir>/<folder>`, where `<folder>` is:
 *
 * - the VM name as it is, for ordinary names: spaces, non-ASCII letters and punctuation are
 *   kept, so the folders VmBackup.py made are found again;
 * - otherwise `%` followed by the name in which every `/`, `\`, NUL, control character (C0
 *   U+0000–U+001F, DEL U+007F, C1 U+0080–U+009F) and every `%` is written as `%XX` per UTF-8
 *   byte, upper-case hex. A name is "otherwise" when it contains one of those characters, is
 *   empty, starts with `%` or `.` (`.`, `..`, and our `.vmbackup.lock`), starts with
 *   `METADATA_` (the pool database folders), is `00VMbackupWriteTest` (the write probe), is
 *   `vmbackup-….log` or `vmbackup-….json` (the logs and reports a TUI run writes next to the
 *   status log), or is one of the run's own names (`ownNamesIn`: the first component of the
 *   status log's path when it lies inside backup_dir, so a VM named `status.log` does not
 *   collide with the README's `status_log=<backup_dir>/status.log`). Own names and
 *   `vmbackup-` names are compared without case: SMB shares are case-insensitive.
 *
 *   | VM name     | folder          |
 *   |-------------|-----------------|
 *   | `web 01`    | `web 01`        |
 *   | `a/b`       | `%a%2Fb`        |
 *   | `..`        | `%..`           |
 *   | `METADATA_x`| `%METADATA_x`   |
 *   | `%20 off`   | `%%2520 off`    |
 *   | `tab<TAB>x` | `%tab%09x`      |
 *
 * Ordinary folders never start with `%` and encoded ones always do, so two VMs never share a
 * folder and the VM name can be read back from the folder (`vmNameOfFolder`). A folder longer
 * than 247 bytes (Linux NAME_MAX 255, less the longest file suffix `.xva.zst`, as the backup file
 * inside is named after the folder) cannot be used: such a VM fails with VM_NAME_TOO_LONG instead
 * of being written under a shortened, possibly shared, name. The old script put names with
 * control characters in verbatim folders; those old folders are left alone, not adopted.
 *
 * A name reserved by the `vmbackup-` rule was an ordinary name before it: a folder of such a
 * VM written verbatim by VmBackup.py or an older vmbackup is still that VM's folder
 * (`vmFolderSpellings` lists it, the engine uses it when it exists). A verbatim folder named
 * like our status log is not adopted: the status log needs the name.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { VmbackupError } from '../errors.js';

/** Linux NAME_MAX: the longest single path component, in bytes. */
export const NAME_MAX = 255;

/**
 * The last `vmbackup verify` of a backup, in its dated folder (written by verify/record.ts,
 * read by the catalog, and by retention: a backup that failed it is neither counted nor deleted).
 */
export const VERIFY_RECORD_FILE = 'vmbackup-verify.json';

export type BackupFolderStyle = 'legacy' | 'nas';

/** Characters that may not appear verbatim in a folder name (see the block above). */
function isUnsafeChar(code: number): boolean {
  return code === 0x2f || code === 0x5c || code <= 0x1f || (code >= 0x7f && code <= 0x9f);
}

/**
 * Names of a run's own files in backup_dir that depend on its settings (the status log), lower
 * case. Empty when none of them lies inside backup_dir.
 */
export type OwnNames = ReadonlySet<string>;

export const NO_OWN_NAMES: OwnNames = new Set();

/**
 * The own names of a run whose backup_dir is `backupDir`: for each of `paths` (absolute) inside
 * it, its first component below backup_dir (the file itself, or the folder holding it).
 */
export function ownNamesIn(backupDir: string, paths: readonly string[]): OwnNames {
  const names = new Set<string>();
  for (const path of paths) {
    const rel = relative(resolve(backupDir), resolve(path));
    if (rel === '' || rel === '..' || rel.startsWith('..' + sep) || isAbsolute(rel)) continue;
    names.add(rel.split(sep)[0]!.toLowerCase());
  }
  return names;
}

/** The logs and JSON reports a TUI run writes next to the status log: `vmbackup-<date>.log`, `.json`. */
const OUR_LOG_FILE = /^vmbackup-.*\.(log|json)$/i;

/** Names of our own entries in backup_dir, which no VM folder may take. */
function isReserved(name: string, own: OwnNames): boolean {
  return name.startsWith('.') || name.startsWith('METADATA_') || name === '00VMbackupWriteTest' || OUR_LOG_FILE.test(name) || own.has(name.toLowerCase());
}

/** Names the old rules (before the `vmbackup-` and own-name reservations) kept verbatim. */
function isPlainBefore(name: string): boolean {
  if (name === '' || name.startsWith('%') || name.startsWith('.') || name.startsWith('METADATA_') || name === '00VMbackupWriteTest') return false;
  for (let i = 0; i < name.length; i++) if (isUnsafeChar(name.charCodeAt(i))) return false;
  return true;
}

function needsEncoding(name: string, own: OwnNames): boolean {
  return !isPlainBefore(name) || isReserved(name, own);
}

function percentEncode(ch: string): string {
  let out = '';
  for (const byte of Buffer.from(ch, 'utf8')) out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  return out;
}

/** Folder component for `name`; `what` names the thing in error messages ("VM", "host"). */
function encodeComponent(name: string, what: string, code: string, maxBytes = NAME_MAX, own: OwnNames = NO_OWN_NAMES): string {
  // A lone UTF-16 surrogate has no UTF-8 form: Node would write U+FFFD, and two names would
  // share a folder. XAPI only sends valid UTF-8, so this is a refusal, not a feature.
  if (/\p{Surrogate}/u.test(name)) {
    throw new VmbackupError('VM_NAME_INVALID', `The ${what} name ${JSON.stringify(name)} is not valid Unicode and cannot be a folder name.`, `Rename the ${what} in XenServer/XCP-ng.`);
  }
  let folder = name;
  if (needsEncoding(name, own)) {
    folder = '%';
    for (const ch of name) {
      const code = ch.codePointAt(0) ?? 0;
      folder += code === 0x25 || isUnsafeChar(code) ? percentEncode(ch) : ch;
    }
  }
  const bytes = Buffer.byteLength(folder, 'utf8');
  if (bytes > maxBytes) {
    throw new VmbackupError(
      code,
      `The ${what} name ${JSON.stringify(name)} gives a folder name of ${bytes} bytes; at most ${maxBytes} fit (Linux allows ${NAME_MAX} per name).`,
      `Give the ${what} a shorter name (name-label) in XenServer/XCP-ng, or leave it out of the backup.`,
    );
  }
  return folder;
}

/** The longest suffix of a backup file, which is named after its VM folder. */
const LONGEST_FILE_SUFFIX = '.xva.zst';
export const VM_FOLDER_MAX = NAME_MAX - LONGEST_FILE_SUFFIX.length;

/**
 * The VM's folder under backup_dir (one path component), for a run whose own names are `own`.
 * Throws VM_NAME_TOO_LONG.
 */
export function vmFolderName(vmName: string, own: OwnNames = NO_OWN_NAMES): string {
  return encodeComponent(vmName, 'VM', 'VM_NAME_TOO_LONG', VM_FOLDER_MAX, own);
}

/**
 * Where the VM's backups may already be, in the order to look: vmFolderName's folder, then the
 * verbatim name when only the `vmbackup-` rule makes vmFolderName escape it (VmBackup.py and
 * older vmbackup versions wrote it verbatim). Never the verbatim form of an own name.
 */
export function vmFolderSpellings(vmName: string, own: OwnNames = NO_OWN_NAMES): string[] {
  const folder = vmFolderName(vmName, own);
  const legacy = folder !== vmName && isPlainBefore(vmName) && !own.has(vmName.toLowerCase()) && Buffer.byteLength(vmName, 'utf8') <= VM_FOLDER_MAX;
  return legacy ? [folder, vmName] : [folder];
}

/**
 * The VM name a folder belongs to: the inverse of vmFolderName (with the same own names), which
 * also reads the verbatim spellings vmFolderSpellings accepts. A folder that is no spelling of
 * any name (bad `%` escape, lower-case hex, a raw control character...) is not any VM's folder
 * and throws FOLDER_NAME_INVALID: one folder never stands for two names.
 */
export function vmNameOfFolder(folder: string, own: OwnNames = NO_OWN_NAMES): string {
  let name = folder;
  if (folder.startsWith('%')) {
    const bytes: number[] = [];
    const body = folder.slice(1);
    for (let i = 0; i < body.length; ) {
      if (body[i] === '%') {
        const hex = body.slice(i + 1, i + 3);
        if (!/^[0-9A-F]{2}$/.test(hex)) throw invalidFolder(folder);
        bytes.push(parseInt(hex, 16));
        i += 3;
      } else {
        const ch = String.fromCodePoint(body.codePointAt(i) ?? 0);
        bytes.push(...Buffer.from(ch, 'utf8'));
        i += ch.length;
      }
    }
    try {
      name = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Uint8Array.from(bytes));
    } catch {
      throw invalidFolder(folder);
    }
  }
  let spellings: string[];
  try {
    spellings = vmFolderSpellings(name, own);
  } catch {
    throw invalidFolder(folder);
  }
  if (!spellings.includes(folder)) throw invalidFolder(folder);
  return name;
}

function invalidFolder(folder: string): VmbackupError {
  return new VmbackupError(
    'FOLDER_NAME_INVALID',
    `The folder ${JSON.stringify(folder)} is not a folder name vmbackup gives to a VM.`,
    'vmbackup leaves such folders alone; move it out of backup_dir if it is not needed.',
  );
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function assertValidDate(date: Date): void {
  if (Number.isNaN(date.getTime())) throw new VmbackupError('INVALID_DATE', 'An invalid date was given for a backup name.', 'This is a bug in vmbackup; please report it.');
}

/**
 * The dated backup folder, in local time like the old script: `backup-2016-11-30-(14:45:18)`
 * (legacy) or `backup-2016-11-30-(14-45-18)` (nas: SMB shares refuse `:`, NAU issue #56).
 */
export function backupFolderName(date: Date, style: BackupFolderStyle): string {
  assertValidDate(date);
  const s = style === 'legacy' ? ':' : '-';
  const day = `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  return `backup-${day}-(${pad(date.getHours())}${s}${pad(date.getMinutes())}${s}${pad(date.getSeconds())})`;
}

const BACKUP_FOLDER = /^backup-(\d{4})-(\d{2})-(\d{2})-\((\d{2})([:-])(\d{2})\5(\d{2})\)$/;

/**
 * The timestamp of a backup folder name as `YYYYMMDDhhmmss` (sorts chronologically whatever
 * the style), or null when the name is not one backupFolderName could have produced. Only such
 * names are ever counted or deleted by retention.
 */
export function backupFolderSortKey(name: string): string | null {
  const m = BACKUP_FOLDER.exec(name);
  if (!m) return null;
  const [, y, mo, d, h, , mi, s] = m;
  const ranges: [string | undefined, number, number][] = [[mo, 1, 12], [d, 1, 31], [h, 0, 23], [mi, 0, 59], [s, 0, 59]];
  for (const [v, lo, hi] of ranges) {
    const n = Number(v);
    if (!(n >= lo && n <= hi)) return null;
  }
  return `${y}${mo}${d}${h}${mi}${s}`;
}

export function isBackupFolderName(name: string): boolean {
  return backupFolderSortKey(name) !== null;
}

/**
 * `backupDir` joined with `parts` (resolved, so an absolute part starts over), as an absolute
 * path. Throws PATH_OUTSIDE_BACKUP_DIR unless the result is strictly below backupDir. The check
 * is on the path text: backup_dir itself may well be a symlink or a mount, which is the user's
 * choice, but no name we build may climb out of it.
 */
export function insideBackupDir(backupDir: string, ...parts: string[]): string {
  const base = resolve(backupDir);
  const outside = (detail: string) =>
    new VmbackupError('PATH_OUTSIDE_BACKUP_DIR', `Refusing to use ${JSON.stringify(detail)}: it is not inside the backup directory ${base}.`, 'This is a bug in vmbackup (it should never build such a path); please report it.');
  if (parts.some((p) => p.includes('\0'))) throw outside(parts.join('/'));
  const result = resolve(base, ...parts);
  const rel = relative(base, result);
  if (rel === '' || rel === '..' || rel.startsWith('..' + sep) || isAbsolute(rel)) throw outside(result);
  return result;
}

/** `METADATA_<short host name>`, the pool DB dump folder (§5.6); unsafe names encoded as VM names. */
export function poolDbFolderName(masterShortName: string): string {
  const folder = 'METADATA_' + encodeComponent(masterShortName, 'host', 'HOST_NAME_TOO_LONG');
  if (Buffer.byteLength(folder, 'utf8') > NAME_MAX) {
    throw new VmbackupError('HOST_NAME_TOO_LONG', `The host name ${JSON.stringify(masterShortName)} gives a folder name longer than ${NAME_MAX} bytes.`, 'Give the pool master a shorter host name, or set pool_db_backup=0.');
  }
  return folder;
}

/** `pool_db_%Y%m%d-%H%M%S.dump`, local time (§5.6). */
export function poolDbFileName(date: Date): string {
  assertValidDate(date);
  const day = `${pad(date.getFullYear(), 4)}${pad(date.getMonth() + 1)}${pad(date.getDate())}`;
  return `pool_db_${day}-${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}.dump`;
}

const POOL_DB_FILE = /^pool_db_\d{8}-\d{6}\.dump$/;

export function isPoolDbFileName(name: string): boolean {
  return POOL_DB_FILE.test(name);
}
