/**
 * The README's "Try it without a XenServer" path with the real executable: `vmbackup sim`, a
 * run that trusts its certificate once (the pin is kept), the simulator stopped and started
 * again on the same state folder and port, and a second run with no flag. Before the state
 * folder, the restarted simulator had a new certificate and the second run met CERT_CHANGED.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startVmbackup, tempDir, vmbackupAsync, type RunningCli } from '../helpers/cli.js';

let sim: RunningCli | undefined;
afterEach(async () => {
  if (sim && sim.child.exitCode === null && sim.child.signalCode === null) {
    sim.child.kill('SIGKILL');
    await sim.done;
  }
  sim = undefined;
});

interface SimInfo {
  url: string;
  fingerprint: string;
  passwordFile: string;
}

async function startSim(dir: string, state: string, port: number): Promise<SimInfo> {
  sim = startVmbackup(['sim', '--port', String(port), '--json', '--pool', join(dir, 'pool.json')], dir, { VMBACKUP_SIM_STATE_DIR: state });
  await sim.waitFor(/\n/);
  return JSON.parse(sim.output().stdout.split('\n')[0]!) as SimInfo;
}

async function stopSim(): Promise<void> {
  sim!.child.kill('SIGTERM');
  expect((await sim!.done).status).toBe(0);
}

it('sim, --trust once, stop, start again: the next run needs no flag', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const state = join(dir, 'sim-state');
  const settings = join(dir, 'settings');
  writeFileSync(join(dir, 'pool.json'), JSON.stringify({ vms: [{ name: 'small', disks: [{ size: '4MiB' }] }] }));
  const first = await startSim(dir, state, 0);
  writeFileSync(join(dir, 'sim.cfg'), `#vmbackup: pool=${first.url}\nbackup_dir=${dir}\nstatus_log=${join(dir, 'status.log')}\nvm-export=.*\n`);
  const run = (...extra: string[]) => vmbackupAsync(['--config', 'sim.cfg', '--password-file', first.passwordFile, ...extra], dir, { VMBACKUP_SETTINGS_DIR: settings });

  // No terminal to ask: the refusal says how to trust it, and says the pin is kept only once.
  const refused = await run();
  expect(refused.status).toBe(2);
  const log = refused.stdout + refused.stderr;
  expect(log).toContain('[CERT_UNKNOWN]');
  expect(log).toContain(`--trust ${first.fingerprint}`);
  expect(log.match(/later runs|no flag/g)).toEqual(['later runs']);

  const trusted = await run('--trust', first.fingerprint);
  expect(trusted.stderr).toContain(`pinned ${new URL(first.url).host} to ${first.fingerprint}`);
  expect(trusted.status).toBe(0);
  await stopSim();

  const second = await startSim(dir, state, Number(new URL(first.url).port));
  expect(second.url).toBe(first.url);
  const again = await run();
  expect(again.stdout + again.stderr).not.toContain('CERT_');
  expect(again.stdout).toMatch(/VmBackup ended - Success - S:1 W:0 E:0/);
  expect(again.status).toBe(0);
  expect(second.fingerprint).toBe(first.fingerprint);
  await stopSim();
});
