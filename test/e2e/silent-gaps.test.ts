/**
 * Gaps that used to pass in silence: a selector that matches no VM (a renamed VM is no longer
 * backed up) is a warning of the run in every report; a VM whose name is our status log's
 * backs up like any other.
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2E_POOL, backupFolders, e2eEnv, leftovers } from '../helpers/e2e.js';
import { stopAll } from '../helpers/sim.js';

afterEach(stopAll);

const statusLines = (path: string) => readFileSync(path, 'utf8').trimEnd().split('\n');

describe('a selector that matches no VM, in a run', () => {
  it('an exact name: W:1, exit 1, in the log, the JSON report and the status log', async () => {
    const env = await e2eEnv();
    const r = await env.run(env.cfg('n.cfg', ['vm-export=db.example.com', 'vdi-export=dns-1']), ['--json=report.json']);
    expect(r.status, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/ - WARNING n\.cfg:\d+: vdi-export=dns-1 matches no VM: no VM is backed up by this line \[NO_MATCH\]\n.* - {3}fix: a renamed VM\?/);
    expect(r.stdout).toMatch(/VmBackup ended - \*\*WARNING\(s\)\*\* - S:1 W:1 E:0\n$/);
    const report = JSON.parse(readFileSync(join(env.dir, 'report.json'), 'utf8'));
    expect(report).toMatchObject({ status: 'WARNING', exitCode: 1, counts: { success: 1, warning: 1, error: 0 }, problems: [] });
    expect(report.warnings).toEqual([{ code: 'NO_MATCH', message: expect.stringMatching(/^n\.cfg:\d+: vdi-export=dns-1 matches no VM: no VM is backed up by this line$/), hint: expect.any(String) }]);
    expect(statusLines(env.statusLog).at(-1)).toMatch(/,vmbackup\.py,[^,]+,end,WARNING,S:1 W:1 E:0$/);
  }, 60_000);

  it('a regex: a warning too', async () => {
    const env = await e2eEnv();
    const r = await env.run(env.cfg('r.cfg', ['vm-export=db.example.com', 'vm-export=dns-.*']), ['--json=report.json']);
    expect(r.status, r.stdout).toBe(1);
    expect(r.stdout).toContain('WARNING r.cfg:6: vm-export=dns-.* matches no VM (a regex)');
    const report = JSON.parse(readFileSync(join(env.dir, 'report.json'), 'utf8'));
    expect(report.counts).toEqual({ success: 1, warning: 1, error: 0 });
    expect(report.warnings.map((w: { code: string }) => w.code)).toEqual(['NO_MATCH']);
  }, 60_000);

  it('an exclude that matches nothing loses no backup: logged, not counted', async () => {
    const env = await e2eEnv();
    const r = await env.run(env.cfg('x.cfg', ['vm-export=db.example.com', 'exclude=old-vm']));
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toContain('WARNING x.cfg:6: exclude=old-vm matches no VM');
    expect(r.stdout).toMatch(/VmBackup ended - Success - S:1 W:0 E:0\n$/);
  }, 60_000);
});

describe('a VM named like our own files in backup_dir', () => {
  it('a VM named status.log backs up twice with status_log inside backup_dir (the README example)', async () => {
    const env = await e2eEnv({ pool: { ...E2E_POOL, vms: [...E2E_POOL.vms!, { name: 'status.log', power: 'Halted', disks: [{ size: '2MiB' }] }] } });
    const statusLog = join(env.backupDir, 'status.log');
    const cfg = [`#vmbackup: pool=${env.sim.url}`, ...(env.sim.fingerprint ? [`#vmbackup: fingerprint=${env.sim.fingerprint}`] : []), `backup_dir=${env.backupDir}`, `status_log=${statusLog}`, 'vm-export=status.log', 'vm-export=db.example.com', ''];
    writeFileSync(join(env.dir, 'own.cfg'), cfg.join('\n'));
    for (let run = 1; run <= 2; run++) {
      const r = await env.run('own.cfg');
      expect(r.status, r.stdout).toBe(0);
      expect(r.stdout).toMatch(/VmBackup ended - Success - S:2 W:0 E:0\n$/);
    }
    expect(statSync(statusLog).isFile()).toBe(true);
    expect(statusLines(statusLog).filter((l) => l.includes(',end,SUCCESS status.log,'))).toHaveLength(2);
    expect(backupFolders(env.backupDir, '%status.log')).toHaveLength(2);
    for (const folder of backupFolders(env.backupDir, '%status.log')) {
      expect(readdirSync(join(env.backupDir, '%status.log', folder)).sort()).toEqual(['%status.log.xva', 'DISK-xvda', 'VIFs', 'success', 'vm.cfg', 'vmbackup-sums.json']);
    }
    expect(leftovers(env.sim)).toEqual([]);
  }, 60_000);
});
