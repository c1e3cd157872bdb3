/**
 * `vmbackup list`, the real executable: on a tree a real backup run against the simulator wrote
 * (the --json contract, the screen text, --config, --vm), and its command line (which folder,
 * usage errors, exit codes).
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SettingsStore } from '../../src/settings/store.js';
import { tempDir, vmbackupAsync } from '../helpers/cli.js';
import { e2eEnv } from '../helpers/e2e.js';
import { stopAll } from '../helpers/sim.js';
import { tempDirForTest } from '../helpers/temp.js';

afterEach(stopAll);

const CFG = ['pool_db_backup=1', 'vdi_export_format=raw', 'vdi-export=win/2019', 'vm-export=web.*', 'vm-export=[ds].*', 'exclude=scratch'];

function uuidOf(env: Awaited<ReturnType<typeof e2eEnv>>, name: string): string {
  return String(env.sim.state.store.rows('VM').find((r) => r.record.name_label === name && !r.record.is_a_snapshot)!.record.uuid);
}

describe('vmbackup list on a real backup tree', () => {
  // A backup run and three list processes: room for a loaded machine.
  it('--json has the contract keys for each VM, backup and pool dump; the screen has a block per VM and a line per backup', { timeout: 90_000 }, async () => {
    const env = await e2eEnv();
    const run = await env.run(env.cfg('main.cfg', CFG));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    // An unfinished backup of web 01 (a run that died before its marker) and a stray file.
    const [webBackup] = readdirSync(join(env.backupDir, 'web 01'));
    mkdirSync(join(env.backupDir, 'web 01', 'backup-2000-01-01-(00:00:00)'));
    writeFileSync(join(env.backupDir, 'notes.txt'), 'not a backup');

    const r = await vmbackupAsync(['list', '--backup-dir', env.backupDir, '--json'], env.dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.backupDir).toBe(env.backupDir);
    expect(json.vms.map((v: { name: string; folder: string }) => [v.name, v.folder])).toEqual([
      ['db.example.com', 'db.example.com'],
      ['web 01', 'web 01'],
      ['win/2019', '%win%2F2019'],
    ]);
    for (const vm of json.vms) {
      for (const b of vm.backups) for (const key of ['folder', 'date', 'status', 'mode', 'format', 'files', 'bytes', 'origUuid']) expect(b, `${vm.name} ${b.folder}`).toHaveProperty(key);
    }
    const [db, web, win] = json.vms;
    expect(db.backups).toEqual([expect.objectContaining({ status: 'success', mode: 'vm-export', format: 'xva', origUuid: uuidOf(env, 'db.example.com'), exportFiles: ['db.example.com.xva'] })]);
    expect(web.backups.map((b: { folder: string; status: string }) => [b.folder, b.status])).toEqual([
      [webBackup, 'success'],
      ['backup-2000-01-01-(00:00:00)', 'unfinished'],
    ]);
    expect(web.backups[0]).toMatchObject({ mode: 'vm-export', format: 'xva', origUuid: uuidOf(env, 'web 01'), vmName: 'web 01', verification: null, date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/) });
    expect(web.backups[0].files).toEqual(expect.arrayContaining(['web 01.xva', 'vm.cfg', 'success', 'DISK-xvda/vbd.cfg', 'DISK-xvdb/vdi.cfg', 'VIFs/vif-0.cfg']));
    // The raw disk of win/2019 is written sparse: less on disk than its size.
    expect(win.backups[0]).toMatchObject({ status: 'success', mode: 'vdi-export', format: 'raw', origUuid: uuidOf(env, 'win/2019'), exportFiles: ['%win%2F2019.raw'] });
    expect(win.backups[0].bytes).toBeGreaterThanOrEqual(32 * 2 ** 20);
    expect(win.backups[0].diskBytes).toBeLessThan(win.backups[0].bytes);
    expect(json.poolDb).toEqual([expect.objectContaining({ folder: 'METADATA_xcp1', file: expect.stringMatching(/^pool_db_\d{8}-\d{6}\.dump$/), bytes: expect.any(Number) })]);
    expect(json.strays).toEqual([{ path: 'notes.txt', kind: 'file', reason: 'not a VM folder' }]);

    const text = await vmbackupAsync(['list', '--backup-dir', env.backupDir], env.dir);
    expect(text.status).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toBe(`${env.backupDir}: 3 VMs, 4 backups (3 successful, 1 unfinished), ${lines[0]!.split(', ').slice(-1)[0]}`);
    expect(lines).toContain('win/2019  (folder %win%2F2019)');
    expect(lines).toContain('web 01');
    expect(text.stdout).toMatch(new RegExp(`^  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  success     vdi-export  raw      32\\.0 MiB \\([\\d.]+ [KM]iB on disk\\) +uuid ${uuidOf(env, 'win/2019')}  not verified  backup-`, 'm'));
    expect(text.stdout).toMatch(/^ {2}2000-01-01 00:00:00 {2}unfinished {2}unknown .*backup-2000-01-01-\(00:00:00\)$/m);
    expect(text.stdout).toMatch(/^Pool database dumps\n {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}METADATA_xcp1\/pool_db_\d{8}-\d{6}\.dump {2}/m);
    expect(text.stdout).toMatch(/^Strays \(not backups; vmbackup leaves them alone\)\n {2}notes\.txt {2}\(file: not a VM folder\)$/m);

    // --config: the cfg's backup_dir; --vm: that VM only.
    const byCfg = await vmbackupAsync(['list', '--config', 'main.cfg', '--vm', 'win/2019', '--json'], env.dir);
    expect(byCfg.status).toBe(0);
    expect(JSON.parse(byCfg.stdout)).toMatchObject({ backupDir: env.backupDir, vms: [{ name: 'win/2019' }], poolDb: [], strays: [] });
  });
});

describe('vmbackup list: which folder, and its errors', () => {
  function smallTree(): string {
    const dir = join(tempDir(), 'backups');
    mkdirSync(join(dir, 'vm', 'backup-2026-12-07-(14:45:18)'), { recursive: true });
    writeFileSync(join(dir, 'vm', 'backup-2026-12-07-(14:45:18)', 'vm.xva'), 'x');
    writeFileSync(join(dir, 'vm', 'backup-2026-12-07-(14:45:18)', 'success'), '');
    return dir;
  }

  it('without a flag, the backup_dir the TUI used last; with none remembered, a usage error naming the flags', async () => {
    const dir = smallTree();
    const settings = tempDirForTest('settings');
    const none = await vmbackupAsync(['list'], dir, { VMBACKUP_SETTINGS_DIR: settings });
    expect(none.status).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/^vmbackup: error: which backup_dir\? Give --backup-dir DIR or --config FILE\.cfg/);
    SettingsStore.open({ VMBACKUP_SETTINGS_DIR: settings }).setLastBackupDir(dir);
    const last = await vmbackupAsync(['list', '--json'], tempDir(), { VMBACKUP_SETTINGS_DIR: settings });
    expect(last.status).toBe(0);
    expect(JSON.parse(last.stdout)).toMatchObject({ backupDir: dir, vms: [{ name: 'vm', backups: [{ format: 'xva', status: 'success' }] }] });
  });

  it('exit 2 for both flags, an unknown flag or a missing backup_dir; exit 1 when --vm names no VM folder', async () => {
    const dir = smallTree();
    const both = await vmbackupAsync(['list', '--backup-dir', dir, '--config', 'x.cfg'], dir);
    expect([both.status, both.stderr]).toEqual([2, expect.stringMatching(/not both\nvmbackup: fix: vmbackup list \[--backup-dir DIR \| --config FILE\.cfg\]/)]);
    const unknown = await vmbackupAsync(['list', '--backupdir', dir], dir);
    expect(unknown.status).toBe(2);
    const missing = await vmbackupAsync(['list', '--backup-dir', join(dir, 'gone')], dir);
    expect([missing.status, missing.stderr]).toEqual([2, `vmbackup: error: The backup directory ${join(dir, 'gone')} does not exist.\nvmbackup: fix: Check the path (a typo, or a backup share that is not mounted).\n`]);
    const noVm = await vmbackupAsync(['list', '--backup-dir', '.', '--vm', 'other', '--json'], dir);
    expect(noVm.status).toBe(1);
    expect(JSON.parse(noVm.stdout)).toMatchObject({ backupDir: dir, vms: [] });
    expect(noVm.stderr).toBe(`vmbackup: no folder of a VM named "other" in ${dir}\n`);
  });
});
