import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VmbackupError } from '../../src/errors.js';
import { acquireLock, LOCK_FILE, parseLock } from '../../src/backup/lock.js';
import { tempDirForTest } from '../helpers/temp.js';

async function lockError(dir: string, options: { hostname?: string } = {}): Promise<VmbackupError> {
  const err = await acquireLock(dir, options).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VmbackupError);
  return err as VmbackupError;
}

/** The PID of a process that has exited (and was reaped), so nothing answers to it. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid;
  if (pid === undefined) throw new Error('spawn failed');
  await new Promise((resolve) => child.on('exit', resolve));
  return pid;
}

describe('acquireLock', () => {
  it('lets one run in; a second acquire is LOCKED and names the PID and start time', async () => {
    const dir = tempDirForTest('lock');
    const now = new Date('2024-05-06T07:08:09.000Z');
    const lock = await acquireLock(dir, { now });
    expect(lock.tookOverFrom).toBeUndefined();
    const content = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as unknown;
    expect(content).toEqual({ pid: process.pid, host: hostname(), started: now.toISOString() });

    const err = await lockError(dir);
    expect(err.code).toBe('LOCKED');
    expect(err.message).toContain(`PID ${process.pid}`);
    expect(err.message).toContain(now.toISOString());
    expect(err.hint).toContain(`ps -o pid,lstart,args -p ${process.pid}`);
    expect(err.hint).toContain(join(dir, LOCK_FILE));

    await lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    await lock.release(); // twice is fine
    const again = await acquireLock(dir);
    await again.release();
  });

  it('takes over a lock whose PID is dead on this host, and says so', async () => {
    const dir = tempDirForTest('lock-stale');
    const pid = await deadPid();
    const stale = { pid, host: hostname(), started: '2020-01-01T00:00:00.000Z' };
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(stale));
    const lock = await acquireLock(dir);
    expect(lock.tookOverFrom).toEqual(stale);
    expect(parseLock(readFileSync(join(dir, LOCK_FILE), 'utf8'))?.pid).toBe(process.pid);
    // Nothing left beside it (no temp or aside files).
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    await lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a live PID this user may not signal (EPERM) still holds the lock', async () => {
    // PID 1 always exists; unless we run as root, signalling it fails with EPERM, not ESRCH.
    const dir = tempDirForTest('lock-eperm');
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: hostname(), started: '2024-01-01T00:00:00.000Z' }));
    const err = await lockError(dir);
    expect(err.code).toBe('LOCKED');
    expect(err.message).toContain('PID 1,');
  });

  it('is LOCKED by another host, whatever the PID, with that host in the hint', async () => {
    const dir = tempDirForTest('lock-host');
    const pid = await deadPid();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: 'xs-other', started: '2024-01-01T00:00:00.000Z' }));
    const err = await lockError(dir, { hostname: 'xs-here' });
    expect(err.code).toBe('LOCKED');
    expect(err.message).toContain('xs-other');
    expect(err.message).toContain(`PID ${pid}`);
    expect(err.hint).toContain('ssh xs-other');
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
  });

  it('release removes only our own lock', async () => {
    const dir = tempDirForTest('lock-release');
    const lock = await acquireLock(dir);
    // Someone removed ours by hand and another run took the directory.
    const theirs = JSON.stringify({ pid: 1, host: 'xs-other', started: '2024-01-01T00:00:00.000Z' });
    writeFileSync(join(dir, LOCK_FILE), theirs);
    await lock.release();
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(theirs);
  });

  it.each([
    ['not JSON', 'garbage'],
    ['empty', ''],
    ['no pid', JSON.stringify({ host: 'h', started: 's' })],
    ['pid 0 (would probe a process group)', JSON.stringify({ pid: 0, host: hostname(), started: 's' })],
    ['negative pid', JSON.stringify({ pid: -1, host: hostname(), started: 's' })],
    ['pid as text', JSON.stringify({ pid: '12', host: hostname(), started: 's' })],
    ['an array', '[1,2]'],
  ])('a corrupt lock file (%s) is LOCKED with a clear message, and kept', async (_what, text) => {
    const dir = tempDirForTest('lock-corrupt');
    writeFileSync(join(dir, LOCK_FILE), text);
    const err = await lockError(dir);
    expect(err.code).toBe('LOCKED');
    expect(err.message).toMatch(/not one vmbackup can read/);
    expect(err.hint).toContain(`remove ${join(dir, LOCK_FILE)}`);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(text);
  });

  it('a missing backup directory is LOCK_FAILED, not a crash', async () => {
    const dir = join(tempDirForTest('lock-missing'), 'nope');
    const err = await lockError(dir);
    expect(err.code).toBe('LOCK_FAILED');
  });

  it('of many concurrent acquires in one process, exactly one wins (20 races)', async () => {
    const pid = await deadPid();
    // One race rarely hits the bad interleaving; twenty made the old rename-aside takeover fail.
    for (let round = 0; round < 20; round++) {
      const dir = tempDirForTest('lock-race');
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: hostname(), started: 'x' }));
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => acquireLock(dir)));
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won, `round ${round}`).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect((r.reason as VmbackupError).code).toBe('LOCKED');
      expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    }
  });
});
