/**
 * A leftover snapshot disk the pool will not let go of (VDI_IN_USE on every VDI.destroy): one
 * warning with its uuid per run, the new backup still made (exit 1), no line said twice; once the
 * disk is free, the next run removes it (exit 0).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { takeVmSnapshot } from '../../src/backup/snapshots.js';
import { PoolConnection } from '../../src/xapi/connection.js';
import { backupFolders, e2eEnv, leftovers, messages } from '../helpers/e2e.js';
import { stopAll } from '../helpers/sim.js';
import { trustSim } from '../helpers/trust.js';

afterEach(stopAll);

/** WARNING and ERROR lines said more than once (the legacy progress lines repeat per VM by design). */
function repeated(lines: string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const l of lines) {
    if (!/^(WARNING|ERROR) /.test(l)) continue;
    if (seen.has(l)) twice.add(l);
    seen.add(l);
  }
  return [...twice];
}

it('a stuck leftover disk is a warning with its uuid each run; the backup is still made; removed once free', async () => {
  const env = await e2eEnv();
  env.cfg('l.cfg', ['vm-export=web 01', 'vm-export=db.example.com']);

  // What an earlier run on another host left: our tagged snapshot of web 01 and its two disks.
  const conn = await PoolConnection.open({ target: { url: env.sim.url, user: env.sim.user }, credentials: async (t) => ({ user: t.user, password: env.sim.password }), tls: trustSim(env.sim) });
  const vm = conn.vms().find((v) => v.name === 'web 01')!;
  const tag = 'earlier-run@elsewhere.example.com:4242';
  await takeVmSnapshot(conn, vm, tag);
  await conn.close();
  const disks = env.sim.state.store.rows('VDI').filter((r) => (r.record.other_config as Record<string, string>)['vmbackup:run'] === tag && r.record.is_a_snapshot === true);
  expect(disks).toHaveLength(2);
  const stuck = String(disks[0]!.record.uuid);
  env.sim.faults.vdiInUseOnDestroy(1_000, { vm: stuck });

  // The snapshot goes, one of its disks does not: said once, with its uuid; web 01 is backed up.
  const second = await env.run('l.cfg');
  expect(second.status, second.stdout).toBe(1);
  let lines = messages(second.stdout);
  expect(lines.filter((l) => l.includes(stuck))).toEqual([
    expect.stringMatching(new RegExp(`^WARNING web 01: could not remove snapshot RESTORE_web 01 \\([0-9a-f-]{36}\\), left by an earlier run: the disk snapshot ${stuck} could not be removed: .*VDI_IN_USE.*; the backup goes on, and the next run tries again$`)),
  ]);
  expect(lines).toContainEqual(expect.stringMatching(/^VmBackup vm-export web 01 - \*\*\*WARNING\*\*\* /));
  expect(lines).toContainEqual(expect.stringMatching(/^VmBackup vm-export db\.example\.com - \*\*\*Success\*\*\* /));
  expect(repeated(lines)).toEqual([]);
  expect(backupFolders(env.backupDir, 'web 01')).toHaveLength(1);
  expect(readdirSync(join(env.backupDir, 'web 01', backupFolders(env.backupDir, 'web 01')[0]!))).toContain('success');

  // Still stuck: the disk alone is left now, found by its tag; again one warning, again a backup.
  const third = await env.run('l.cfg');
  expect(third.status, third.stdout).toBe(1);
  lines = messages(third.stdout);
  expect(lines.filter((l) => l.includes(stuck))).toEqual([
    expect.stringMatching(new RegExp(`^WARNING web 01: could not remove disk snapshot .* \\(${stuck}\\), left by an earlier run: .*VDI_IN_USE.*; the backup goes on, and the next run tries again$`)),
  ]);
  expect(repeated(lines)).toEqual([]);
  expect(backupFolders(env.backupDir, 'web 01')).toHaveLength(2);

  // Free again: removed, and the run is clean.
  env.sim.faults.clear();
  const fourth = await env.run('l.cfg');
  expect(fourth.status, fourth.stdout).toBe(0);
  expect(messages(fourth.stdout)).toContainEqual(expect.stringMatching(new RegExp(`^cleanup of a leftover from an earlier run: disk snapshot .* \\(${stuck}\\) from run ${tag}$`)));
  expect(leftovers(env.sim)).toEqual([]);
}, 90_000);
