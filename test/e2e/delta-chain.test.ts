/**
 * The proof of delta backups, with the real executable against the simulator and the
 * bytes checked by outside tools: a full, then five deltas with known blocks written between
 * them through the pool's own API (PUT /import_raw_vdi of a small VHD into the running VM's
 * disks); every one of the six points restored and each restored disk compared (sha256 of the
 * pool's raw export) with the source disk as it was when that point was taken; every VHD file
 * accepted by `qemu-img check`, each full converted by qemu-img equal to its raw; then retention
 * merges the chain down to 3 points and the same holds.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeltaRecord } from '../../src/chain/record.js';
import type { PoolFixture } from '../../src/sim/pool/fixture.js';
import { rawOf, writeBlocks } from '../helpers/disk-writes.js';
import { e2eEnv, type E2eEnv } from '../helpers/e2e.js';
import { stopAll } from '../helpers/sim.js';
import { diskRefs, lastJson, restore, vmByName } from '../restore/e2e-helpers.js';

afterEach(stopAll);
const run = promisify(execFile);

export const DELTA_POOL: PoolFixture = {
  name: 'delta pool',
  hosts: [{ name: 'xcp1.example.com' }],
  srs: [{ name: 'Local storage', size: '1TiB', default: true }],
  vms: [{ name: 'app', power: 'Running', disks: [{ size: '40MiB', density: 0.5 }, { size: '8MiB', density: 1 }] }],
};

export function dated(env: E2eEnv, vm: string): string[] {
  return readdirSync(join(env.backupDir, vm)).filter((n) => n.startsWith('backup-')).sort();
}

export function recordOf(env: E2eEnv, vm: string, folder: string): DeltaRecord {
  return JSON.parse(readFileSync(join(env.backupDir, vm, folder, 'vmbackup-delta.json'), 'utf8')) as DeltaRecord;
}

/** The source disks' uuids, in userdevice order. */
export function sourceDisks(env: E2eEnv, vm: string): string[] {
  return diskRefs(env.sim, vmByName(env.sim, vm).ref).map((ref) => String(env.sim.state.store.get(ref)!.record.uuid));
}

/** Everything on the pool that a backup tagged (restored VMs carry vmbackup:restored-from: not counted), by class and the base tag's value. */
function ours(env: E2eEnv): string[] {
  const tagged: string[] = [];
  for (const cls of ['VM', 'VDI'] as const) {
    for (const row of env.sim.state.store.rows(cls)) {
      const oc = (row.record.other_config ?? {}) as Record<string, string>;
      if (Object.keys(oc).some((k) => k.startsWith('vmbackup:') && k !== 'vmbackup:restored-from')) tagged.push(`${cls} ${oc['vmbackup:delta-base'] ?? Object.keys(oc).join(',')}`);
    }
  }
  return tagged.sort();
}

/** qemu-img opens it as a VHD of the disk's size (qemu has no `check` for vpc: "does not support checks"). */
async function qemuCheck(path: string, size?: number): Promise<void> {
  const { stdout, stderr } = await run('qemu-img', ['info', '--output=json', '--image-opts', `driver=vpc,force_size_calc=current_size,file.filename=${path}`]);
  expect(stderr).toBe('');
  const info = JSON.parse(stdout) as { format: string; 'virtual-size': number };
  expect(info.format).toBe('vpc');
  if (size !== undefined) expect(info['virtual-size']).toBe(size);
}

/** qemu-img's own reading of a full VHD as raw, hashed. */
async function qemuRawSha(path: string, dir: string): Promise<string> {
  const out = join(dir, `qemu-${Date.now()}.raw`);
  await run('qemu-img', ['convert', '-O', 'raw', '--image-opts', `driver=vpc,force_size_calc=current_size,file.filename=${path}`, out]);
  return createHash('sha256').update(readFileSync(out)).digest('hex');
}

/** Restores the point in `folder`; the restored VM's disks hashed by the pool's raw export, in userdevice order. */
async function restoredShas(env: E2eEnv, vm: string, folder: string): Promise<string[]> {
  const r = await restore(env, [join(env.backupDir, vm, folder), '--json']);
  expect(r.status, r.stdout + r.stderr).toBe(0);
  const json = lastJson(r.stdout) as { vm: { uuid: string } };
  const row = env.sim.state.store.byUuid('VM', json.vm.uuid)!;
  const shas: string[] = [];
  for (const ref of diskRefs(env.sim, row.ref)) shas.push(await rawOf(env.sim, String(env.sim.state.store.get(ref)!.record.uuid)));
  return shas;
}

describe('delta backups: a chain on disk that restores every point to its bytes', () => {
  it('full + 5 deltas: each point restores to the source as it was; qemu-img opens every file; retention merges to 3 points and they still restore', async () => {
    const env = await e2eEnv({ pool: DELTA_POOL });
    const disks = sourceDisks(env, 'app');
    const lines = (max: number) => [`max_backups=${max}`, 'vm-export=app', '#vmbackup: delta=app'];
    const expected: string[][] = [];
    // Blocks written before each delta: some repeated, one at the last block, none on disk 2 once.
    const writes: [number[], number[]][] = [[[], []], [[1, 5], [0]], [[5, 19], []], [[0, 7, 8], [3]], [[12], [1, 2]], [[2, 19], [0]]];
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
