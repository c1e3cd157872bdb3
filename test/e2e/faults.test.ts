/**
 * Faults, end to end: for each, the exit code, the line a sysadmin greps for, nothing of ours
 * left on the pool, no unfinished file or folder left looking like a backup, and the backups
 * made before still whole.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type E2eEnv, e2eEnv, expectKept, expectNoPartial, fileSizes, leftovers, messages } from '../helpers/e2e.js';
import { stopAll } from '../helpers/sim.js';

afterEach(stopAll);

const CFG = ['max_backups=3', 'vm-export=web 01', 'vm-export=db.example.com'];

let env: E2eEnv;
let before: Map<string, number>;
beforeEach(async () => {
  env = await e2eEnv();
  env.cfg('f.cfg', CFG);
  const first = await env.run('f.cfg');
  expect(first.status).toBe(0);
  before = fileSizes(env.backupDir);
});

describe('a VM that fails does not stop the others, and leaves nothing behind', () => {
  it('a stream cut after 300 kB (status 200 already sent): exit 2, VM-EXPORT-FAIL', async () => {
    env.sim.faults.dropExportAfter(300_000, { vm: 'web 01', path: '/export' });
    const r = await env.run('f.cfg');
    expect(r.status).toBe(2);
    const lines = messages(r.stdout);
    // The pool's task says why the stream ended early; the verifier alone could only say "truncated".
    expect(lines).toContain('ERROR vm-export web 01: export of web 01 failed: VDI_IO_ERROR (Device I/O errors) [VDI_IO_ERROR]');
    expect(lines).toContain('VmBackup vm-export web 01 - ***ERROR*** t:0');
    expect(lines).toContain('VmBackup ended - **ERRORS DETECTED** - S:1 W:0 E:1');
    expect(readFileSync(env.statusLog, 'utf8')).toMatch(/,vm-export,[^,]+,end,VM-EXPORT-FAIL web 01\n/);
    expect(leftovers(env.sim)).toEqual([]);
    expectNoPartial(env.backupDir);
    expectKept(before, env.backupDir);
  }, 60_000);

  it('an HTTP 500 on /export: exit 2, the error named', async () => {
    env.sim.faults.http500({ vm: 'web 01', path: '/export' });
    const r = await env.run('f.cfg');
    expect(r.status).toBe(2);
    expect(messages(r.stdout)).toContain('ERROR vm-export web 01: export of web 01 failed: INTERNAL_ERROR (injected fault: HTTP 500) [INTERNAL_ERROR]');
    expect(leftovers(env.sim)).toEqual([]);
    expectNoPartial(env.backupDir);
    expectKept(before, env.backupDir);
  }, 60_000);

  it('SR_FULL on the snapshot: exit 2, SNAPSHOT-FAIL, the fix', async () => {
    env.sim.faults.srFullOnSnapshot({ vm: 'web 01' });
    const r = await env.run('f.cfg');
    expect(r.status).toBe(2);
    const lines = messages(r.stdout);
    expect(lines).toContainEqual(expect.stringMatching(/^ERROR vm-export web 01: snapshot of web 01 failed: SR_FULL .* \[SR_FULL\]$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}fix: free space on the storage repository/));
    expect(readFileSync(env.statusLog, 'utf8')).toMatch(/,vm-export,[^,]+,end,SNAPSHOT-FAIL web 01\n/);
    // The tag put on the source for the snapshot is taken off again.
    expect(leftovers(env.sim)).toEqual([]);
    expectNoPartial(env.backupDir);
    expectKept(before, env.backupDir);
  }, 60_000);
});

describe('faults the run recovers from', () => {
  it('VDI_IN_USE twice on the snapshot disk: retried with backoff, then removed; exit 0', async () => {
    env.sim.faults.vdiInUseOnDestroy(2);
    const r = await env.run('f.cfg');
    expect(r.status).toBe(0);
    const lines = messages(r.stdout);
    expect(lines).toContainEqual(expect.stringMatching(/^VDI_IN_USE destroying disk snapshot OpaqueRef:\S+: retry 1\/5 in 2 s$/));
    expect(lines).toContainEqual(expect.stringMatching(/^VDI_IN_USE destroying disk snapshot OpaqueRef:\S+: retry 2\/5 in 4 s$/));
    expect(lines).toContain('VmBackup ended - Success - S:2 W:0 E:0');
    expect(leftovers(env.sim)).toEqual([]);
    expectKept(before, env.backupDir);
  }, 60_000);

  it('SESSION_INVALID mid-run (a toolstack restart): logged in again, exit 0', async () => {
    env.sim.faults.sessionInvalidAfter(30);
    const r = await env.run('f.cfg');
    expect(r.status).toBe(0);
    expect(messages(r.stdout)).toContain('the pool ended our session (SESSION_INVALID, e.g. a toolstack restart): logged in again, the run goes on');
    expect(messages(r.stdout)).toContain('VmBackup ended - Success - S:2 W:0 E:0');
    expect(leftovers(env.sim)).toEqual([]);
    expectKept(before, env.backupDir);
  }, 60_000);

  it('a pool member given as pool= (HOST_IS_SLAVE): redirected to the master, told so, exit 0', async () => {
    const member = env.sim.hostAddresses[1]!;
    const port = new URL(env.sim.url).port;
    env.cfg('member.cfg', CFG);
    const text = readFileSync(join(env.dir, 'member.cfg'), 'utf8').replace(/^#vmbackup: pool=.*$/m, `#vmbackup: pool=https://${member}:${port}`);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(env.dir, 'member.cfg'), text);
    // The member's certificate is checked before the password goes to it; the cfg pins the master's.
    const r = await env.run('member.cfg', ['--trust', env.sim.hostFingerprints[1]!]);
    expect(r.status).toBe(0);
    expect(messages(r.stdout)).toContain(
      `${member} is a pool member, not the master (HOST_IS_SLAVE): connected to the master 127.0.0.1; set #vmbackup: pool=https://127.0.0.1:${port} to skip the detour`,
    );
    expect(leftovers(env.sim)).toEqual([]);
  }, 60_000);
});

describe('two runs at once', () => {
  it('a second cfg with its own backup_dir leaves the first run\'s snapshot alone; both succeed', async () => {
    env.sim.faults.throttle(2 * 2 ** 20, { vm: 'web 01' });
    const first = env.start('f.cfg');
    await first.waitFor(/snap-uuid: /);
    const otherDir = join(env.dir, 'other');
    mkdirSync(otherDir);
    const second = await env.run(env.cfg('other.cfg', ['vm-export=web 01'], otherDir));
    expect(second.status, second.stdout).toBe(0);
    expect(messages(second.stdout)).toContainEqual(
      expect.stringMatching(new RegExp(`^left alone: snapshot RESTORE_web 01 \\(.+\\) belongs to a vmbackup run still running on this host \\(.+:${first.child.pid}\\)$`)),
    );
    const r = await first.done;
    expect(r.status, r.stdout).toBe(0);
    expect(leftovers(env.sim)).toEqual([]);
  }, 60_000);
});

describe('one run per backup_dir', () => {
  it('a second run while one is running exits 2 naming the PID; the first is not disturbed', async () => {
    env.sim.faults.throttle(2 * 2 ** 20, { vm: 'web 01' });
    const first = env.start('f.cfg');
    await first.waitFor(/vm-export begin web 01/);
    const second = await env.run('f.cfg');
    expect(second.status).toBe(2);
    expect(second.stdout).toMatch(new RegExp(`ERROR The backup directory .* is in use by another vmbackup run: PID ${first.child.pid},.* \\[LOCKED\\]`));
    const r = await first.done;
    expect(r.status).toBe(0);
    expect(leftovers(env.sim)).toEqual([]);
  }, 60_000);
});
