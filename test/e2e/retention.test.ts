/**
 * Retention over six real runs: max_backups=3 for one VM, a per-VM ":2" for another, pool DB
 * dumps pruned to max_backups too; a stray file and a foreign folder in the VM folder are
 * neither counted nor touched; a failed run in the middle pushes no good backup out.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { backupFolders, e2eEnv, leftovers } from '../helpers/e2e.js';
import { stopAll } from '../helpers/sim.js';

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
