/**
 * The file side of the save screen: the path a person typed (`~` is theirs, not a folder named
 * "~"), what is missing on the way to it, the write itself (never over a file unasked), and the
 * crontab file offered next to the cfg. Every failure comes back as a sentence that says what
 * to do, never a bare errno.
 */
import { mkdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.js';

/** A path as a shell command argument: as it is when safe, else in single quotes. */
export function shellQuote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

/** `~` and `~/...` are the home folder, as a shell would read them; other paths are unchanged. */
export function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return path;
}

/** The absolute path a typed path stands for. */
export function savePath(typed: string, cwd: string, home: string): string {
  return resolve(cwd, expandHome(typed.trim(), home));
}

export type SaveOutcome =
  | { kind: 'saved'; path: string }
  | { kind: 'exists'; path: string }
  /** `folder` (the file's) does not exist; `topMissing` is the highest folder that is missing. */
  | { kind: 'missing-folder'; path: string; folder: string; topMissing: string }
  | { kind: 'failed'; message: string };

async function kindOf(path: string): Promise<'file' | 'folder' | 'missing' | 'other'> {
  try {
    return (await stat(path)).isDirectory() ? 'folder' : 'file';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'other';
  }
}

/** The highest missing folder above `path`, or null when its folder exists. */
async function topMissingFolder(path: string): Promise<string | null> {
  let top: string | null = null;
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    const kind = await kindOf(dir);
    if (kind !== 'missing') break;
    top = dir;
  }
  return top;
}

function failure(path: string, err: unknown): SaveOutcome {
  const code = (err as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    EACCES: `permission denied: ${dirname(path)} is not writable for you`,
    EPERM: `permission denied: ${dirname(path)} is not writable for you`,
    ENOTDIR: 'a part of the path is a file, not a folder',
    EROFS: 'the file system is read-only',
    ENOSPC: 'the disk is full',
  };
  return { kind: 'failed', message: `cannot write ${path}: ${(code && why[code]) ?? code ?? String(err)}` };
}

/**
 * Writes `text` to `path` (absolute). An existing file is replaced only with `overwrite`; a
 * missing folder is made (mode 0700, with its missing parents) only with `createFolders`.
 */
export async function saveCfgFile(path: string, text: string, options: { overwrite: boolean; createFolders: boolean }): Promise<SaveOutcome> {
  if ((await kindOf(path)) === 'folder') return { kind: 'failed', message: `${path} is a folder: give a file name in it` };
  const top = await topMissingFolder(path);
  if (top !== null) {
    if (!options.createFolders) return { kind: 'missing-folder', path, folder: dirname(path), topMissing: top };
    try {
      // New folders only: mkdir leaves existing ones as they are. 0700: a cfg names the pool.
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    } catch (err) {
      return failure(dirname(path), err);
    }
  }
  try {
    await writeFileAtomic(path, text, { overwrite: options.overwrite });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { kind: 'exists', path };
    return failure(path, err);
  }
  return { kind: 'saved', path };
}

/** Where the crontab file for a cfg goes: beside it, `.cfg` replaced by `.crontab`. */
export function crontabPathFor(cfgPath: string): string {
  return join(dirname(cfgPath), `${basename(cfgPath).replace(/\.cfg$/, '')}.crontab`);
}

/** A name /etc/cron.d accepts for it: run-parts skips names with dots. */
export function cronDName(cfgPath: string): string {
  return `vmbackup-${basename(cfgPath).replace(/\.cfg$/, '').replace(/[^A-Za-z0-9_-]/g, '_') || 'cfg'}`;
}

/** The /etc/cron.d file: comments saying how to install it, then the line. */
export function crontabText(cfgPath: string, line: string): string {
  return [
    `# Runs ${cfgPath} every night at 02:00. Install it as root:`,
    `#   cp ${shellQuote(crontabPathFor(cfgPath))} /etc/cron.d/${cronDName(cfgPath)}`,
    '# cron has no keychain: the password comes from the password file named below',
    '# (make it with: vmbackup password-file /root/VmBackup.pass), and the log folder must',
    '# exist (mkdir -p /var/log/vmbackup).',
    line,
    '',
  ].join('\n');
}

export interface CrontabResult {
  ok: boolean;
  message: string;
  /** The command that installs it, shown whole on its own line. */
  install?: string;
}

/** Writes the crontab file (never over an existing one); what to tell the user. */
export async function writeCrontabFile(cfgPath: string, line: string): Promise<CrontabResult> {
  const path = crontabPathFor(cfgPath);
  try {
    await writeFileAtomic(path, crontabText(cfgPath, line), { overwrite: false });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { ok: false, message: `${path} exists; not replaced (delete it to write it again)` };
    const outcome = failure(path, err);
    return { ok: false, message: outcome.kind === 'failed' ? outcome.message : String(err) };
  }
  return { ok: true, message: `Wrote ${path}. Install it as root:`, install: `cp ${shellQuote(path)} /etc/cron.d/${cronDName(cfgPath)}` };
}
