/**
 * Stopping a run mid-export, the two ways it happens: SIGTERM (systemd stop, Ctrl-C) cleans up
 * and exits 130; SIGKILL cannot clean up, so the next run must.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { type E2eEnv, e2eEnv, expectKept, expectNoPartial, fileSizes, leftovers, messages, tree } from '../helpers/e2e.js';
import { stopAll } from '../helpers/sim.js';
import { relayFiles, SMTP_USER, startRelay } from '../helpers/smtp.js';

afterEach(stopAll);

const CFG = ['max_backups=3', 'vm-export=web 01', 'vm-export=db.example.com'];

/** Resolves once the export of web 01 is writing its temporary file. */
async function exporting(env: E2eEnv): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (tree(env.backupDir).some((p) => p.startsWith('web 01/') && p.endsWith('.partial'))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the export of web 01 never started writing');
}

let env: E2eEnv;
let before: Map<string, number>;
beforeEach(async () => {
  env = await e2eEnv();
  env.cfg('f.cfg', CFG);
  expect((await env.run('f.cfg')).status).toBe(0);
  before = fileSizes(env.backupDir);
  // 8 MiB at 1 MiB/s: the export is surely running when the signal comes.
  env.sim.faults.throttle(2 ** 20, { vm: 'web 01' });
});

it('SIGTERM mid-export: transfer stopped, snapshot removed, unfinished folder removed, exit 130', async () => {
  const run = env.start('f.cfg');
  await exporting(env);
  run.child.kill('SIGTERM');
  const r = await run.done;
  expect(r.status).toBe(130);
  const lines = messages(r.stdout);
  expect(lines).toContain('interrupted: stopping transfers, removing our snapshots and unfinished files (this takes a few seconds)');
  expect(lines).toContain('VmBackup vm-export web 01 - ***CANCELLED*** t:0');
  expect(lines).toContain('VmBackup interrupted: VMs not finished were cleaned up and reported as cancelled');
  expect(lines).toContain('VmBackup ended - **ERRORS DETECTED** - S:0 W:0 E:2');
  expect(readFileSync(env.statusLog, 'utf8')).toMatch(/,vm-export,[^,]+,end,CANCELLED web 01\n[^\n]+,vmbackup\.py,[^,]+,end,ERROR,S:0 W:0 E:2\n$/);

  expect(leftovers(env.sim)).toEqual([]);
  // The pool's export task was cancelled, not left running.
  const tasks = env.sim.state.store.rows('task').map((t) => t.record);
  expect(tasks.filter((t) => t.status === 'pending')).toEqual([]);
  expect(fileSizes(env.backupDir)).toEqual(before);
  expect(existsSync(join(env.backupDir, '.vmbackup.lock'))).toBe(false);
  expect(env.sim.state.sessions.size).toBe(0);
}, 60_000);

it('SIGKILL mid-export leaves a snapshot and a partial folder; the next run removes both and succeeds', async () => {
  const run = env.start('f.cfg');
  await exporting(env);
  run.child.kill('SIGKILL');
  expect((await run.done).signal).toBe('SIGKILL');

  // What a killed run leaves: ours by tag, a folder without its marker, a stale lock.
  expect(leftovers(env.sim).length).toBeGreaterThan(0);
  const webFolders = readdirSync(join(env.backupDir, 'web 01')).sort();
  const unfinished = webFolders.at(-1)!;
  expect(readdirSync(join(env.backupDir, 'web 01', unfinished))).not.toContain('success');
  expect(existsSync(join(env.backupDir, '.vmbackup.lock'))).toBe(true);

  env.sim.faults.clear();
  const rerun = await env.run('f.cfg');
  expect(rerun.status).toBe(0);
  const lines = messages(rerun.stdout);
  expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^WARNING took over a stale lock of PID ${run.child.pid} `)));
  expect(lines).toContain(`Delete last **unsuccessful** backup ${join(env.backupDir, 'web 01', unfinished)}`);
  expect(lines).toContainEqual(expect.stringMatching(/^cleanup of a leftover from an earlier run: snapshot RESTORE_web 01 \(.+\) from run /));
  expect(lines).toContain('VmBackup ended - Success - S:2 W:0 E:0');

  expect(leftovers(env.sim)).toEqual([]);
  // The unfinished folder went; a rerun within the same second may use its name again, for a
  // finished backup: so what must hold is that every folder left is a finished one.
  for (const folder of readdirSync(join(env.backupDir, 'web 01'))) expect(readdirSync(join(env.backupDir, 'web 01', folder))).toContain('success');
  expectKept(before, env.backupDir);
  expectNoPartial(env.backupDir);
}, 60_000);

it('two quick SIGINTs, then a third while the report is being mailed: the process still ends with 130 and its JSON report', async () => {
  const files = await relayFiles(tempDir());
  // The relay holds the run in its mail step (after the run's own interrupt handling is over)
  // until the third signal has been sent.
  let reached!: () => void;
  const mailing = new Promise<void>((resolve) => (reached = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const relay = await startRelay(files, {
    onConnect(_session, callback) {
      reached();
      void released.then(() => callback());
    },
  });
  env.cfg('m.cfg', [
    ...CFG,
    '#vmbackup: mail_to=ops@example.com',
    `#vmbackup: smtp_server=127.0.0.1:${relay.port}`,
    `#vmbackup: smtp_user=${SMTP_USER}`,
    `#vmbackup: smtp_password_file=${files.passwordFile}`,
    `#vmbackup: smtp_ca_file=${files.caFile}`,
  ]);
  const run = env.start('m.cfg', ['--json=r.json']);
  await exporting(env);
  run.child.kill('SIGINT');
  run.child.kill('SIGINT');
  await mailing;
  run.child.kill('SIGINT');
  release();
  const r = await run.done;
  expect(r.signal).toBeNull();
  expect(r.status).toBe(130);
  expect(JSON.parse(readFileSync(join(env.dir, 'r.json'), 'utf8'))).toMatchObject({ exitCode: 130, interrupted: true });
  expect(relay.received).toHaveLength(1);
  expect(leftovers(env.sim)).toEqual([]);
}, 60_000);
