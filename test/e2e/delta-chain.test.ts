/**
 * The proof of delta backups, with the real executable against the simulator and the
 * bytes checked by outside tools: a full, then five deltas with known blocks written between
 * them through the pool's own API (PUT /import_raw_vdi of a small VHD into the running VM's
 * disks); every one of the six points restored and each restored disk compared (sha256 of the
 * pool's raw export) with the source disk as it was when that point was taken; every VHD file
 * accepted by `qemu-img check`, each full converted by qemu-img equal to its raw; then retention
 * merges the chain down to 3 points and the same holds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DELTA_POOL, dated, ours, qemuCheck, qemuRawSha, recordOf, restoredShas, sourceDisks } from '../helpers/delta.js';
import { rawOf, writeBlocks } from '../helpers/disk-writes.js';
import { e2eEnv } from '../helpers/e2e.js';
import { stopAll } from '../helpers/sim.js';

afterEach(stopAll);

describe('delta backups: a chain on disk that restores every point to its bytes', () => {
  it('full + 5 deltas: each point restores to the source as it was; qemu-img opens every file; retention merges to 3 points and they still restore', async () => {
    const env = await e2eEnv({ pool: DELTA_POOL });
    const disks = sourceDisks(env, 'app');
    const lines = (max: number) => [`max_backups=${max}`, 'vm-export=app', '#vmbackup: delta=app'];
    const expected: string[][] = [];
    // Blocks written before each delta: some repeated, one at the last block, none on disk 2 once.
    const writes: [number[], number[]][] = [[[], []], [[1, 5], [0]], [[5, 11], []], [[0, 7, 8], [3]], [[10], [1, 2]], [[2, 11], [0]]];
    for (const [k, [a, b]] of writes.entries()) {
      if (a.length) await writeBlocks(env.sim, disks[0]!, a, 100 + k);
      if (b.length) await writeBlocks(env.sim, disks[1]!, b, 200 + k);
      expected.push([await rawOf(env.sim, disks[0]!), await rawOf(env.sim, disks[1]!)]);
      const r = await env.run(env.cfg('d.cfg', lines(10)));
      expect(r.status, r.stdout + r.stderr).toBe(0);
    }
    // The sources did change between points.
    expect(new Set(expected.map((e) => e.join())).size).toBe(6);

    const folders = dated(env, 'app');
    expect(folders).toHaveLength(6);
    for (const [k, folder] of folders.entries()) {
      const record = recordOf(env, 'app', folder);
      expect(record.parent).toBe(k === 0 ? null : folders[k - 1]);
      expect(record.disks.map((d) => d.kind)).toEqual(k === 0 ? ['full', 'full'] : ['diff', 'diff']);
      for (const d of record.disks) await qemuCheck(join(env.backupDir, 'app', folder, d.file), d.virtualSize);
    }
    const full = recordOf(env, 'app', folders[0]!);
    for (const [i, d] of full.disks.entries()) expect(await qemuRawSha(join(env.backupDir, 'app', folders[0]!, d.file), env.dir)).toBe(expected[0]![i]);
    // A delta holds about what changed, not the disk: 2 MiB blocks written + headers.
    const size = (folder: string, file: string) => readFileSync(join(env.backupDir, 'app', folder, file)).length;
    expect(size(folders[3]!, recordOf(env, 'app', folders[3]!).disks[0]!.file)).toBeLessThan(4 * 2 ** 20 * 2);

    for (const [k, folder] of folders.entries()) expect(await restoredShas(env, 'app', folder), `point ${k}`).toEqual(expected[k]);
    // One base snapshot stays on the pool, the last backup's.
    const snaps = env.sim.state.store.rows('VM').filter((r) => r.record.is_a_snapshot && (r.record.other_config as Record<string, string>)['vmbackup:delta-base']);
    expect(snaps.map((s) => (s.record.other_config as Record<string, string>)['vmbackup:delta-base'])).toEqual([folders[5]]);

    // Retention down to 3 points: the oldest three are merged forward.
    await writeBlocks(env.sim, disks[0]!, [3], 999);
    expected.push([await rawOf(env.sim, disks[0]!), await rawOf(env.sim, disks[1]!)]);
    const r = await env.run(env.cfg('d3.cfg', lines(3)));
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/merged backup-\S+ into backup-/);
    const after = dated(env, 'app');
    expect(after).toHaveLength(3);
    expect(after.slice(0, 2)).toEqual(folders.slice(4));
    const oldest = recordOf(env, 'app', after[0]!);
    expect(oldest.parent).toBeNull();
    expect(oldest.disks.map((d) => d.kind)).toEqual(['full', 'full']);
    for (const folder of after) for (const d of recordOf(env, 'app', folder).disks) await qemuCheck(join(env.backupDir, 'app', folder, d.file), d.virtualSize);
    for (const [i, d] of oldest.disks.entries()) expect(await qemuRawSha(join(env.backupDir, 'app', after[0]!, d.file), env.dir)).toBe(expected[4]![i]);
    for (const [k, folder] of after.entries()) expect(await restoredShas(env, 'app', folder), `point ${k + 4}`).toEqual(expected[k + 4]);
    // Of ours on the pool: the one base (its VM and two disks), nothing else.
    expect(ours(env)).toEqual([`VDI ${after[2]}`, `VDI ${after[2]}`, `VM ${after[2]}`]);
  }, 180_000);
});
