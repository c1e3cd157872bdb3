/**
 * A pool that stops sending, and a pool that dies, mid-export: the real executable, headless.
 * - stalled: "no data from the pool" is logged while it waits, the VM fails as STALLED at
 *   stall_timeout (the pool's task cancelled, the snapshot and the folder removed) and the run
 *   goes on with the next VM;
 * - killed (a simulator in a child process, SIGKILLed): the run says the connection was lost at
 *   once, the following VMs fail fast too, and xen-api's warnings are log lines, not stack traces.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { BIN, startVmbackup, tempDir } from '../helpers/cli.js';
import { e2eEnv, expectNoPartial, leftovers, messages, tree } from '../helpers/e2e.js';
import { stopAll } from '../helpers/sim.js';

afterEach(stopAll);

it('a stalled export is logged while it waits, fails as STALLED at stall_timeout, and the run goes on', async () => {
  const env = await e2eEnv();
  // Ten minutes of silence after 100 kB: without a limit of our own, the run would sit there.
  env.sim.faults.stall(10 * 60_000, 100_000, { vm: 'web 01', path: '/export' });
  env.cfg('s.cfg', ['#vmbackup: stall_timeout=2', 'vm-export=web 01', 'vm-export=db.example.com']);
  const r = await env.run('s.cfg', ['--json=r.json']);
  expect(r.status, r.stdout).toBe(2);
  const lines = messages(r.stdout);
  expect(lines.filter((l) => l.startsWith('no data from the pool'))).toEqual(['no data from the pool for 1 s (the export is given up after 2 s: stall_timeout)']);
  expect(lines).toContain('ERROR vm-export web 01: no data from the pool for 2 s: the export was given up (stall_timeout) [STALLED]');
  expect(lines).toContainEqual(expect.stringMatching(/^ {2}fix: the pool or its storage is hung or overloaded.*raise #vmbackup: stall_timeout=SECONDS$/));
  expect(lines).toContainEqual(expect.stringMatching(/^VmBackup vm-export db\.example\.com - \*\*\*Success\*\*\* /));
  const report = JSON.parse(readFileSync(join(env.dir, 'r.json'), 'utf8')) as { vms: { name: string; status: string; error?: { code: string } }[] };
  expect(report.vms.map((v) => [v.name, v.status, v.error?.code])).toEqual([
    ['web 01', 'failed', 'STALLED'],
    ['db.example.com', 'success', undefined],
  ]);
  // The pool's task was not left running, our snapshot and the unfinished folder are gone.
  const tasks = env.sim.state.store.rows('task').map((t) => t.record);
  expect(tasks.filter((t) => t.status === 'pending')).toEqual([]);
  expect(env.sim.calls.named('task.cancel')).toHaveLength(1);
  expect(leftovers(env.sim)).toEqual([]);
  expect(tree(env.backupDir).filter((p) => p.startsWith('web 01/backup-'))).toEqual([]);
  expectNoPartial(env.backupDir);
}, 60_000);

let simChild: ChildProcess | undefined;
afterEach(() => {
  if (simChild && simChild.exitCode === null && simChild.signalCode === null) simChild.kill('SIGKILL');
  simChild = undefined;
});

interface SimInfo {
  url: string;
  password: string;
  fingerprint: string;
}

/** `vmbackup sim` as a child process (so that it can be SIGKILLed); resolves with its JSON line. */
function simInChild(dir: string, args: string[]): Promise<SimInfo> {
  simChild = spawn(process.execPath, [BIN, 'sim', '--port', '0', '--json', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const child = simChild;
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!) as SimInfo);
    });
    child.on('exit', (code) => reject(new Error(`the simulator exited (${code}) before it printed its address`)));
  });
}

/** Resolves once `dir` holds a file ending in .partial: the export is being written. */
async function exportWriting(dir: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (existsSync(dir) && tree(dir).some((p) => p.endsWith('.partial'))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the export never started writing');
}

it('the pool dies mid-export: CONNECTION_LOST at once, the next VMs fail fast, no stack traces, exit 2', async () => {
  const dir = tempDir();
  const backupDir = join(dir, 'backups');
  mkdirSync(backupDir);
  writeFileSync(
    join(dir, 'pool.json'),
    JSON.stringify({ name: 'doomed pool', vms: [{ name: 'big', disks: [{ size: '64MiB', density: 1 }] }, { name: 'small', disks: [{ size: '2MiB' }] }, { name: 'tiny', disks: [{ size: '1MiB' }] }] }),
  );
  // 64 MiB at 2 MiB/s: the export of "big" is surely running when the pool dies.
  const sim = await simInChild(dir, ['--pool', 'pool.json', '--fault', 'throttle=2M']);
  writeFileSync(join(dir, 'pw.b64'), Buffer.from(sim.password).toString('base64'));
  writeFileSync(join(dir, 'k.cfg'), [`#vmbackup: pool=${sim.url}`, `#vmbackup: fingerprint=${sim.fingerprint}`, `backup_dir=${backupDir}`, `status_log=${join(dir, 'status.log')}`, 'vm-export=big', 'vm-export=small', 'vm-export=tiny', ''].join('\n'));
  const run = startVmbackup(['--config', 'k.cfg', '--password-file', 'pw.b64', '--json=r.json'], dir);
  await exportWriting(join(backupDir, 'big'));
  simChild!.kill('SIGKILL');

  // Before the fix this took 125 s (TASK_TIMEOUT) and the test's limit ends it first.
  const r = await run.done;
  expect(r.status, r.stdout + r.stderr).toBe(2);
  const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { vms: { name: string; error?: { code: string; message: string } }[] };
  expect(report.vms.map((v) => [v.name, v.error?.code])).toEqual([
    ['big', 'CONNECTION_LOST'],
    ['small', 'CONNECTION_LOST'],
    ['tiny', 'CONNECTION_LOST'],
  ]);
  expect(report.vms[0]!.error!.message).toContain(`the connection to the pool doomed pool (${sim.url}) was lost`);
  const lines = messages(r.stdout);
  expect(lines).toContainEqual(expect.stringMatching(/^WARNING big: the snapshot [0-9a-f-]{36} is left on the pool \(the pool cannot be reached\); it is tagged as ours, and the next run removes it$/));
  expect(lines).toContainEqual(expect.stringMatching(/^ {2}fix: check that the pool master is up and reachable from this host; snapshots left on the pool are tagged and the next run removes them$/));
  // The later VMs fail before anything is made for them.
  expect(lines.filter((l) => l.startsWith('new backup_dir:'))).toHaveLength(1);

  // xen-api's warnings: log lines, each said once; nothing raw on stderr.
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toMatch(/_watchEvents/);
  const clientLines = lines.filter((l) => l.startsWith('xen-api: '));
  expect(new Set(clientLines).size).toBe(clientLines.length);
  expect(lines.filter((l) => l.startsWith('lost the connection to the pool'))).toHaveLength(1);
}, 60_000);
