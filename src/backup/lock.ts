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
 * A stale lock (same host, PID gone) is taken over under a mutex (removeIfStillStale): it is
 * removed only if it is still the very file judged stale (same inode, same text), then ours is
 * created with O_EXCL like any other. Moving the stale file aside without a mutex was not
 * enough: a second run could move aside the fresh lock the first had just created, and a third
 * then take the empty place; two runs held the lock (a test with eight racing acquires caught
 * it about one time in five).
 */
import { mkdir, open, readFile, rmdir, stat, unlink } from 'node:fs/promises';
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
    if (await removeIfStillStale(path, held)) tookOverFrom = held.info;
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

/** A takeover that has held its mutex this long died during it (it takes milliseconds). */
const TAKEOVER_STALE_MS = 60_000;

/**
 * Removes the stale lock if the lock file is still exactly `held`, under a mutex (a folder made
 * with mkdir, which only one process can create). Without it, two runs that both judged the
 * same lock stale could each remove it, the second one removing the fresh lock the first had
 * just taken. Under the mutex nobody else removes a lock, so one still equal to `held` (same
 * inode, same text) is the stale one. False when another takeover is under way or the lock
 * changed: the caller looks again.
 */
async function removeIfStillStale(path: string, held: HeldLock): Promise<boolean> {
  const mutex = `${path}.takeover`;
  try {
    await mkdir(mutex);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw lockFailed(path, err);
    const since = await stat(mutex).then((st) => Date.now() - st.mtimeMs, () => 0);
    if (since > TAKEOVER_STALE_MS) await rmdir(mutex).catch(() => undefined);
    await sleep(20 + Math.random() * 30);
    return false;
  }
  try {
    const now = await readHeld(path);
    if (!now || now.dev !== held.dev || now.ino !== held.ino || now.text !== held.text) return false;
    await unlink(path).catch(ignoreMissing);
    return true;
  } finally {
    await rmdir(mutex).catch(() => undefined);
  }
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
