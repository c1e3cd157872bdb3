/**
 * One vmbackup run per backup_dir (the old script had no lock, nau-spec §10.1: two runs
 * collided on snapshots, dated folders and retention). The lock is the file
 * `<backup_dir>/.vmbackup.lock` holding `{"pid":…,"host":…,"started":…}`: it lives with the
 * backups, so two hosts writing to the same NFS/SMB share see each other's lock.
 *
 * Creation uses O_EXCL on the lock file itself, not temp + link(): SMB shares often have no
 * hard links. A reader can therefore catch the file between create and write; an unreadable
 * lock is read again once before it is reported.
 *
 * A stale lock (same host, PID gone) is taken over by renaming it aside, checking that the file
 * moved is the very one we judged stale (same inode, same text), then creating ours with O_EXCL.
 * Renaming *our* file over the old one could not tell what it replaced: two runs taking over at
 * once would both believe they won. With the rename aside only one of them moves the stale file;
 * the other finds the winner's lock.
 */
import { randomBytes } from 'node:crypto';
import { link, lstat, open, readFile, rename, unlink } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { VmbackupError } from '../errors.js';

export const LOCK_FILE = '.vmbackup.lock';

export interface LockInfo {
  pid: number;
  host: string;
  /** ISO 8601. */
  started: string;
}

export interface Lock {
  /** Removes the lock file if it is still ours. Safe to call more than once. */
  release(): Promise<void>;
  /** Set when a stale lock (same host, dead PID) was replaced. */
  tookOverFrom?: LockInfo;
}

export interface LockOptions {
  now?: Date;
  /** Default os.hostname(). */
  hostname?: string;
}

/** How often a lock that vanishes or is replaced under us is tried again before giving up. */
const ATTEMPTS = 5;
/** Time for a run that has just created its lock file to write its content. */
const UNREADABLE_GRACE_MS = 200;

interface HeldLock {
  text: string;
  dev: number;
  ino: number;
  info: LockInfo | null;
}

export async function acquireLock(backupDir: string, options: LockOptions = {}): Promise<Lock> {
  const path = join(backupDir, LOCK_FILE);
  const host = options.hostname ?? osHostname();
  const mine: LockInfo = { pid: process.pid, host, started: (options.now ?? new Date()).toISOString() };
  const text = JSON.stringify(mine) + '\n';
  let tookOverFrom: LockInfo | undefined;
  let graceUsed = false;

  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (await createExclusive(path, text)) return ownLock(path, text, tookOverFrom);
    const held = await readHeld(path);
    if (!held) continue; // released between our create and our read
    if (!held.info) {
      if (!graceUsed) {
        graceUsed = true;
        attempt--;
        await sleep(UNREADABLE_GRACE_MS);
        continue;
      }
      throw corruptLock(backupDir, path);
    }
    if (held.info.host !== host) throw lockedElsewhere(backupDir, path, held.info);
    if (pidAlive(held.info.pid)) throw lockedHere(backupDir, path, held.info);
    if (await moveAsideIfSame(path, held)) tookOverFrom = held.info;
  }
  throw new VmbackupError(
    'LOCKED',
    `Could not take the lock ${path}: it kept changing while vmbackup tried (another run is starting at the same time).`,
    'Start vmbackup again in a moment; only one run per backup directory can proceed.',
  );
}

function ownLock(path: string, text: string, tookOverFrom: LockInfo | undefined): Lock {
  let released = false;
  const lock: Lock = {
    async release() {
      if (released) return;
      released = true;
      const current = await readFile(path, 'utf8').catch(() => null);
      // Not ours any more (removed by hand and taken by another run): leave it to its owner.
      if (current === text) await unlink(path).catch(ignoreMissing);
    },
  };
  if (tookOverFrom) lock.tookOverFrom = tookOverFrom;
  return lock;
}

/** True when we created the lock file; false when one exists. */
async function createExclusive(path: string, text: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw lockFailed(path, err);
  }
  try {
    await handle.writeFile(text);
    await handle.sync();
    await handle.close();
  } catch (err) {
    await handle.close().catch(() => undefined);
    // A half-written lock would block every later run: take it away again.
    await unlink(path).catch(() => undefined);
    throw lockFailed(path, err);
  }
  return true;
}

/** The lock file as it is now, or null when there is none. Content and inode come from one open file. */
async function readHeld(path: string): Promise<HeldLock | null> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw lockFailed(path, err);
  }
  try {
    const st = await handle.stat();
    const text = await handle.readFile('utf8');
    return { text, dev: st.dev, ino: st.ino, info: parseLock(text) };
  } finally {
    await handle.close();
  }
}

export function parseLock(text: string): LockInfo | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { pid, host, started } = value as Record<string, unknown>;
  // pid must be a real process id: process.kill(0 or -n, 0) would probe process groups.
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return null;
  if (typeof host !== 'string' || host === '' || typeof started !== 'string') return null;
  return { pid, host, started };
}

/** Signal 0 checks existence only. EPERM means the process exists but belongs to someone else. */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Moves the stale lock aside if the lock file is still exactly `held`. If another run replaced
 * it in between, its lock is put back (link: never over a newer one; rename where the file
 * system has no hard links) and false is returned, so the caller reads it again.
 */
async function moveAsideIfSame(path: string, held: HeldLock): Promise<boolean> {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw lockFailed(path, err);
  }
  const st = await lstat(aside);
  const text = await readFile(aside, 'utf8');
  if (st.dev === held.dev && st.ino === held.ino && text === held.text) {
    await unlink(aside);
    return true;
  }
  try {
    await link(aside, path);
    await unlink(aside);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') await unlink(aside);
    else await rename(aside, path);
  }
  return false;
}

function ignoreMissing(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
}

function lockFailed(path: string, err: unknown): VmbackupError {
  return new VmbackupError(
    'LOCK_FAILED',
    `Cannot use the lock file ${path}: ${(err as Error).message}`,
    'Check that backup_dir exists, is mounted and is writable by the user running vmbackup.',
  );
}

function lockedHere(backupDir: string, path: string, info: LockInfo): VmbackupError {
  return new VmbackupError(
    'LOCKED',
    `The backup directory ${backupDir} is in use by another vmbackup run: PID ${info.pid}, started ${info.started}.`,
    `Check it with "ps -o pid,lstart,args -p ${info.pid}". If it is a vmbackup run, let it finish. ` +
      `If it is not (vmbackup crashed and the PID was reused), it is safe to remove ${path}.`,
  );
}

function lockedElsewhere(backupDir: string, path: string, info: LockInfo): VmbackupError {
  return new VmbackupError(
    'LOCKED',
    `The backup directory ${backupDir} is in use by vmbackup on host ${JSON.stringify(info.host)}: PID ${info.pid}, started ${info.started}.`,
    `A process on another machine cannot be checked from here. Check on ${info.host} (e.g. "ssh ${info.host} ps -o pid,lstart,args -p ${info.pid}"); ` +
      `once no vmbackup runs there, it is safe to remove ${path}.`,
  );
}

function corruptLock(backupDir: string, path: string): VmbackupError {
  return new VmbackupError(
    'LOCKED',
    `The lock file ${path} is not one vmbackup can read (expected JSON with pid, host and started), so ${backupDir} may be in use.`,
    `If no vmbackup is running on any host that writes to ${backupDir}, remove ${path} and start again.`,
  );
}
