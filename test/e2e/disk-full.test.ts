/**
 * A backup file system that is too small, for real: a tmpfs of a few MiB as backup_dir. Needs
 * root (mount); CI runs as root.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statfsSync, statSync, watch } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { type E2eEnv, e2eEnv, expectKept, expectNoPartial, fileSizes, leftovers, messages, tree } from '../helpers/e2e.js';
import { stopAll } from '../helpers/sim.js';

afterEach(stopAll);

const isRoot = process.getuid?.() === 0;

/** backup_dir on a fresh tmpfs of `size`; unmounted when the test ends. */
function smallBackupDir(env: E2eEnv, size: string): string {
  const dir = join(env.dir, 'small');
  mkdirSync(dir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  onTestFinished(() => {
    execFileSync('umount', ['-l', dir]);
  });
  return dir;
}

function cfgOn(env: E2eEnv, dir: string, name: string, lines: string[]): string {
  return env.cfg(name, lines, dir);
}

describe.skipIf(!isRoot)('disk full (tmpfs backup_dir)', () => {
  it('a VM whose estimate does not fit is refused before any snapshot; the others run; exit 2', async () => {
    const env = await e2eEnv();
    const dir = smallBackupDir(env, '7m');
    const r = await env.run(cfgOn(env, dir, 'a.cfg', ['vm-export=web 01', 'vm-export=db.example.com']));
    expect(r.status).toBe(2);
    const lines = messages(r.stdout);
    expect(lines).toContainEqual(expect.stringMatching(/^ERROR vm-export web 01: Not enough space for vm-export of web 01: it may need up to 9\.0 MiB .* \[NO_SPACE\]$/));
    expect(lines).toContainEqual(expect.stringMatching(/^VmBackup vm-export db\.example\.com - \*\*\*Success\*\*\*/));
    expect(lines.some((l) => l.startsWith('snap-uuid') && lines.indexOf(l) < lines.findIndex((x) => x.includes('begin db.example.com')))).toBe(false);
    expect(leftovers(env.sim)).toEqual([]);
    expect(readdirSync(join(dir, 'web 01')).filter((n) => n.startsWith('backup-'))).toEqual([]);
  }, 60_000);

  it('the file system fills up mid-export (two VMs at once): that VM fails, its partial file goes, older backups stay', async () => {
    const env = await e2eEnv();
    const dir = smallBackupDir(env, '16m');
    expect((await env.run(cfgOn(env, dir, 'db.cfg', ['vm-export=db.example.com']))).status).toBe(0);
    const before = fileSizes(dir);
    // Leave 5.5 MiB free: each estimate (db ~5.0 MiB, scratch ~3 MiB) fits on its own, but the
    // two exports (4 + 2 MiB of data, both disks fully allocated) do not fit together.
    const free = statfsSync(dir).bavail * statfsSync(dir).bsize;
    execFileSync('fallocate', ['-l', String(free - 5.5 * 2 ** 20), join(dir, 'filler')]);
    const r = await env.run(cfgOn(env, dir, 'both.cfg', ['vm-export=db.example.com', 'vm-export=scratch']), ['--concurrency', '2']);
    expect(r.status).toBe(2);
    const lines = messages(r.stdout);
    const failures = lines.filter((l) => /^ERROR vm-export (scratch|db\.example\.com): vm-export of \S+: backup_dir filled up \(ENOSPC\)( writing .*)? \[NO_SPACE\]$/.test(l));
    expect(failures.length, r.stdout).toBeGreaterThanOrEqual(1);
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}fix: free space on the backup file system/));
    expect(leftovers(env.sim)).toEqual([]);
    expectKept(before, dir);
    expectNoPartial(dir);
  }, 60_000);

  it('the file system fills up while the pool is still sending: NO_SPACE, not the pool\'s reaction to our close (CLIENT_ERROR)', async () => {
    const env = await e2eEnv();
    const dir = smallBackupDir(env, '16m');
    // The estimate (~5 MiB) fits at the start; the pool sends slowly, so it is still sending
    // when the disk fills: the task then fails only because we closed the connection.
    env.sim.faults.throttle(2 ** 20, { vm: 'db.example.com' });
    // How the export's task ended, seen as it happens (finished tasks are destroyed later).
    const outcomes = new Map<string, string>();
    const off = env.sim.state.store.onChange(() => {
      for (const t of env.sim.state.store.rows('task')) {
        const r = t.record;
        if (String(r.name_label).startsWith('vmbackup: export') && r.status !== 'pending') outcomes.set(t.ref, `${String(r.status)} ${(r.error_info as string[])[0] ?? ''}`.trim());
      }
    });
    onTestFinished(off);
    const run = env.start(cfgOn(env, dir, 'db.cfg', ['vm-export=db.example.com']), ['--json=r.json']);
    // Something else takes the rest of the disk once our export has begun writing.
    const partial = await firstPartial(dir);
    // Written until the disk is full (dd then fails with ENOSPC, as it should): our export
    // keeps writing meanwhile, so no size measured before would be exact.
    const filled = spawnSync('dd', ['if=/dev/zero', `of=${join(dir, 'filler')}`, 'bs=64k'], { encoding: 'utf8' });
    expect(filled.stderr).toMatch(/No space left on device/);
    const r = await run.done;
    expect(r.signal).toBeNull();
    expect(r.status, r.stdout + r.stderr).toBe(2);
    const lines = messages(r.stdout);
    expect(lines, r.stdout).toContainEqual(expect.stringMatching(/^ERROR vm-export db\.example\.com: vm-export of db\.example\.com: backup_dir filled up \(ENOSPC\)( writing .*)? \[NO_SPACE\]$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}fix: free space on the backup file system/));
    expect(r.stdout).not.toMatch(/CLIENT_ERROR|ECONNRESET|INTERNAL_ERROR/);
    // The pool was still sending: its transfer task did not complete; it failed in reaction to
    // our close (CLIENT_ERROR, what the run used to report) or took our cancel.
    expect(outcomes.size).toBe(1);
    expect(['failure CLIENT_ERROR', 'cancelled']).toContain([...outcomes.values()][0]);
    expect(tree(dir).some((p) => p.endsWith(partial.split('/').pop()!))).toBe(false);
    expect(leftovers(env.sim)).toEqual([]);
    expectNoPartial(dir);
    expect(readdirSync(join(dir, 'db.example.com')).filter((n) => n.startsWith('backup-'))).toEqual([]);
  }, 60_000);
});

/**
 * Resolves with the first unfinished export file under `dir` once it holds bytes: checked at
 * once, then at each change the file system reports under `dir` (inotify, recursive), never on
 * a timer.
 */
function firstPartial(dir: string, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const find = () => tree(dir).find((p) => p.endsWith('.partial') && statSync(join(dir, p), { throwIfNoEntry: false })?.size);
    const finish = (found?: string) => {
      watcher.close();
      clearTimeout(timer);
      if (found) resolve(found);
      else reject(new Error(`no .partial file with data under ${dir} within ${timeoutMs} ms:\n${tree(dir).join('\n')}`));
    };
    const watcher = watch(dir, { recursive: true }, () => {
      const found = find();
      if (found) finish(found);
    });
    const timer = setTimeout(() => finish(), timeoutMs);
    const now = find();
    if (now) finish(now);
  });
}
