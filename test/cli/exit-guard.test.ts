/**
 * The exit guard (src/cli/exit-guard.ts): a process still alive a few seconds after a run's
 * reports is a bug; the guard names what is open and exits with the run's code. It never keeps
 * a process alive itself.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { armExitGuard, LEAVE_HANDLE_ENV } from '../../src/cli/exit-guard.js';
import { e2eEnv } from '../helpers/e2e.js';
import { stopAll } from '../helpers/sim.js';

afterEach(stopAll);

const GUARD_JS = fileURLToPath(new URL('../../dist/src/cli/exit-guard.js', import.meta.url));

describe('armExitGuard', () => {
  it('fires after its delay: one line naming the open handles (a server, a child process), then exit with the run code', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const child = spawn('sleep', ['30']);
    try {
      const lines: string[] = [];
      const exited = new Promise<number>((resolve) => armExitGuard({ code: 2, afterMs: 20, stderr: (t) => lines.push(t), exit: resolve }));
      expect(await exited).toBe(2);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^vmbackup: bug: still running 0 s after the reports were written; open handles: .*; exiting with code 2\n$/);
      expect(lines[0]).toContain(`ChildProcess sleep (pid ${child.pid})`);
      expect(lines[0]).toMatch(/Server \{"address":"127\.0\.0\.1"/);
    } finally {
      child.kill();
      server.close();
    }
  });

  it('disarmed, it never fires', async () => {
    let fired = false;
    const disarm = armExitGuard({ code: 1, afterMs: 10, stderr: () => undefined, exit: () => (fired = true) });
    disarm();
    // A second guard armed later fires after the first one's time: the first stayed quiet.
    await new Promise<number>((resolve) => armExitGuard({ code: 0, afterMs: 40, stderr: () => undefined, exit: resolve, handles: () => [] }));
    expect(fired).toBe(false);
  });

  it('in a real process: an unref\'d timer (exits at once, code untouched, no line), but a handle left open is cut at the guard', () => {
    const script = (leave: boolean) =>
      `const { armExitGuard } = await import(${JSON.stringify(GUARD_JS)}); process.exitCode = 4; armExitGuard({ code: 3, afterMs: 300 }); ${leave ? 'setInterval(() => {}, 60000);' : ''}`;
    const clean = spawnSync(process.execPath, ['--input-type=module', '-e', script(false)], { encoding: 'utf8', timeout: 20_000 });
    expect(clean.status).toBe(4);
    expect(clean.stderr).toBe('');
    const stuck = spawnSync(process.execPath, ['--input-type=module', '-e', script(true)], { encoding: 'utf8', timeout: 20_000 });
    expect(stuck.signal).toBeNull();
    expect(stuck.status).toBe(3);
    expect(stuck.stderr).toMatch(/^vmbackup: bug: still running 0\.3 s after the reports were written; open handles: Timeout ×1 \(unref'd ones included\); exiting with code 3\n$/);
  });
});

describe('wired after a --config run\'s reports', () => {
  it(`a normal run ends by itself with no guard line; with ${LEAVE_HANDLE_ENV}=1 (a timer left running) the guard ends it with the run's code`, async () => {
    const env = await e2eEnv();
    env.cfg('g.cfg', ['vm-export=db.example.com']);
    const normal = await env.run('g.cfg', ['--json=r.json']);
    expect(normal.signal).toBeNull();
    expect(normal.status).toBe(0);
    expect(normal.stderr).not.toMatch(/bug:/);

    const held = await env.run('g.cfg', [], { [LEAVE_HANDLE_ENV]: '1' });
    expect(held.signal).toBeNull();
    expect(held.status).toBe(0);
    expect(held.stdout).toMatch(/VmBackup ended - Success/);
    expect(held.stderr).toMatch(/^vmbackup: bug: still running 5 s after the reports were written; open handles: .*Timeout.*; exiting with code 0\n$/m);
  }, 60_000);
});
