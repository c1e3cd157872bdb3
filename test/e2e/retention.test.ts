/**
 * Retention over six real runs: max_backups=3 for one VM, a per-VM ":2" for another, pool DB
 * dumps pruned to max_backups too; a stray file and a foreign folder in the VM folder are
 * neither counted nor touched; a failed run in the middle pushes no good backup out.
 */
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { backupFolderName } from '../../src/backup/layout.js';
import { vmbackupAsync } from '../helpers/cli.js';
import { backupFolders, e2eEnv, leftovers } from '../helpers/e2e.js';
import { stopAll, testSimulator } from '../helpers/sim.js';

afterEach(stopAll);

it('keeps the newest 3 (and 2 for ":2") over six runs, one of them failing', async () => {
  const env = await e2eEnv();
  env.cfg('r.cfg', ['max_backups=3', 'pool_db_backup=1', 'vm-export=web 01', 'vm-export=db.example.com:2']);
  const made: { web: string[]; db: string[] } = { web: [], db: [] };

  for (let run = 1; run <= 6; run++) {
    if (run === 2) {
      // Things a sysadmin leaves in a VM folder: neither counted nor deleted.
      writeFileSync(join(env.backupDir, 'web 01', 'NOTES.txt'), 'restored on 2016-12-01\n');
      mkdirSync(join(env.backupDir, 'web 01', 'backup-manual-copy'));
    }
    const failing = run === 4;
    if (failing) env.sim.faults.dropExportAfter(100_000, { vm: 'db.example.com', path: '/export', times: 1 });
    const before = { web: backupFolders(env.backupDir, 'web 01'), db: backupFolders(env.backupDir, 'db.example.com') };
    const r = await env.run('r.cfg');
    expect(r.status, r.stdout).toBe(failing ? 2 : 0);

    const web = backupFolders(env.backupDir, 'web 01').filter((n) => n !== 'backup-manual-copy');
    made.web.push(...web.filter((n) => !before.web.includes(n)));
    const db = backupFolders(env.backupDir, 'db.example.com');
    made.db.push(...db.filter((n) => !before.db.includes(n)));

    expect(web, `run ${run}`).toEqual(made.web.slice(-3));
    // The failed run made no folder for db; the two good ones before it are both still there.
    expect(db, `run ${run}`).toEqual(made.db.slice(-2));
    for (const folder of db) expect(readdirSync(join(env.backupDir, 'db.example.com', folder))).toContain('success');
  }
  expect(made.web).toHaveLength(6);
  expect(made.db).toHaveLength(5);
  expect(readFileSync(join(env.backupDir, 'web 01', 'NOTES.txt'), 'utf8')).toBe('restored on 2016-12-01\n');
  expect(readdirSync(join(env.backupDir, 'web 01'))).toContain('backup-manual-copy');

  const dumps = readdirSync(join(env.backupDir, 'METADATA_xcp1')).sort();
  expect(dumps).toHaveLength(3);
  expect(leftovers(env.sim)).toEqual([]);
}, 120_000);

it("a VM of the same name in another pool, backed up to the same backup_dir: its backups are neither counted nor deleted, and each run says so", async () => {
  const vm = { name: 'web-01', power: 'Running' as const, disks: [{ size: '2MiB', density: 1 }] };
  const env = await e2eEnv({ pool: { name: 'demo', hosts: [{ name: 'xcp1' }], vms: [vm] } });
  const other = await testSimulator({ pool: { name: 'other', hosts: [{ name: 'xen9' }], vms: [vm] } });
  writeFileSync(join(env.dir, 'other.b64'), Buffer.from(other.password).toString('base64'), { mode: 0o600 });
  const otherCfg = [`#vmbackup: pool=${other.url}`, ...(other.fingerprint ? [`#vmbackup: fingerprint=${other.fingerprint}`] : []), `backup_dir=${env.backupDir}`, `status_log=${env.statusLog}`, 'max_backups=2', 'vm-export=web-01', ''];
  writeFileSync(join(env.dir, 'other.cfg'), otherCfg.join('\n'));
  const runOther = () => vmbackupAsync(['--config', 'other.cfg', '--password-file', 'other.b64'], env.dir);
  const uuidIn = (folder: string) => /^orig_uuid=(.*)$/m.exec(readFileSync(join(env.backupDir, 'web-01', folder, 'vm.cfg'), 'utf8'))![1];
  const otherUuid = String(other.state.store.rows('VM').find((r) => r.record.name_label === 'web-01' && !r.record.is_a_snapshot)!.record.uuid);

  // The other pool first: two backups of its web-01.
  for (let run = 1; run <= 2; run++) expect((await runOther()).status).toBe(0);
  const theirs = backupFolders(env.backupDir, 'web-01');
  expect(theirs.map(uuidIn)).toEqual([otherUuid, otherUuid]);
  // Killed after its metadata, before its marker: the newest folder, failed, and theirs.
  const theirFailed = backupFolderName(new Date(Date.now() + 3_600_000), 'legacy');
  cpSync(join(env.backupDir, 'web-01', theirs[1]!), join(env.backupDir, 'web-01', theirFailed), { recursive: true });
  rmSync(join(env.backupDir, 'web-01', theirFailed, 'success'));

  // Then this pool, keeping 1, with pre_clean: three runs.
  env.cfg('demo.cfg', ['max_backups=1', '#vmbackup: pre_clean=true', 'vm-export=web-01']);
  const mine: string[] = [];
  for (let run = 1; run <= 3; run++) {
    const before = backupFolders(env.backupDir, 'web-01');
    const r = await env.run('demo.cfg', ['--json=demo.json']);
    expect(r.status, r.stdout).toBe(1);
    mine.push(...backupFolders(env.backupDir, 'web-01').filter((n) => !before.includes(n)));
    expect(r.stdout).toContain(`WARNING web-01: 3 backup folders in web-01/ belong to another VM named "web-01" (orig_uuid ${otherUuid}): neither counted nor deleted by retention.`);
    expect(r.stdout).toContain('give each pool its own backup_dir');
    const report = JSON.parse(readFileSync(join(env.dir, 'demo.json'), 'utf8'));
    expect(report.vms[0]).toMatchObject({ status: 'warning', deleted: run === 1 ? [] : [expect.stringContaining(mine[run - 2]!)] });
    // Theirs all still there, the failed one too; of ours, only the newest (max_backups=1).
    expect(backupFolders(env.backupDir, 'web-01').sort()).toEqual([...theirs, theirFailed, mine.at(-1)!].sort());
  }
  expect(mine).toHaveLength(3);

  // And the other pool's next run leaves ours alone in turn, and keeps its own 2.
  const r = await runOther();
  expect(r.status, r.stdout).toBe(1);
  expect(r.stdout).toContain('1 backup folder in web-01/ belongs to another VM named "web-01"');
  const after = backupFolders(env.backupDir, 'web-01');
  expect(after).toContain(mine.at(-1)!);
  // Its own failed folder was its to remove; of its good ones it keeps 2 (max_backups=2).
  expect(after).not.toContain(theirFailed);
  expect(after.filter((f) => uuidIn(f) === otherUuid)).toHaveLength(2);
  for (const f of after) expect(readdirSync(join(env.backupDir, 'web-01', f))).toContain('success');
  expect(leftovers(env.sim)).toEqual([]);
  expect(leftovers(other)).toEqual([]);
}, 120_000);
