/**
 * `vmbackup restore` of a delta point, the real executable against the simulator. The chains are
 * written by the test (test/restore/delta-fixture.ts: a full and diffs with known blocks, records,
 * sums, success markers) with the ova.xml the simulator exports for the VM. Each restored disk is
 * read back with the pool's own raw export (curl) and its sha256sum compared with the point's
 * image (newest block wins). Refusals (a flipped byte in a middle link, a missing parent folder)
 * leave the pool as it was.
 */
import { closeSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildOvaXml } from '../../src/sim/http/ova-xml.js';
import { e2eEnv, type E2eEnv } from '../helpers/e2e.js';
import { stopAll } from '../helpers/sim.js';
import { diskRefs, diskSha256, lastJson, poolCounts, restore, vmByName, vmByUuid } from '../restore/e2e-helpers.js';
import { BLOCK, sha256, writeDeltaChain, type FixturePoint } from '../restore/delta-fixture.js';

afterEach(stopAll);

/** Four points of 'web 01' (6 MiB xvda, 2 MiB xvdb): a full, then three diffs. */
async function deltaChain(env: E2eEnv): Promise<FixturePoint[]> {
  const vm = vmByName(env.sim, 'web 01');
  const store = env.sim.state.store;
  const disks = (vm.record.VBDs as string[])
    .map((ref) => store.get(ref)!.record)
    .filter((b) => b.type === 'Disk')
    .map((b) => {
      const vdi = store.get(String(b.VDI))!.record;
      return { key: String(b.device), userdevice: String(b.userdevice), vdi: String(vdi.uuid), size: Number(vdi.virtual_size) };
    });
  expect(disks.map((d) => [d.key, d.size])).toEqual([['xvda', 3 * BLOCK], ['xvdb', BLOCK]]);
  const { xml } = buildOvaXml(store, vm.ref, { preservePowerState: false });
  return writeDeltaChain({
    vmDir: join(env.backupDir, 'web 01'),
    vm: { uuid: String(vm.record.uuid), name: 'web 01' },
    disks,
    changes: [{ xvda: [0, 1, 2], xvdb: [0] }, { xvda: [1] }, { xvda: [2, 0], xvdb: [0] }, { xvda: [1] }],
    ovaXml: xml,
  });
}

function flipByte(path: string, at: number): void {
  const fd = openSync(path, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, at);
  b[0] = b[0]! ^ 0x80;
  writeSync(fd, b, 0, 1, at);
  closeSync(fd);
}

describe('restore of a delta point', () => {
  it('one disk of a point (FOLDER/FILE.vhd): a new VDI holding that point\'s disk', async () => {
    const env = await e2eEnv();
    const points = await deltaChain(env);
    // Every point's bytes are checked without a pool in test/restore/delta-chain.test.ts; here a diff and the deepest one.
    for (const point of [points[1]!, points[3]!]) {
      const r = await restore(env, [join(point.path, 'web 01.xvda.vhd'), '--json']);
      expect(r.status, r.stderr).toBe(0);
      const json = lastJson(r.stdout) as { vdis: { uuid: string }[]; verified: boolean };
      expect(json.verified).toBe(true);
      const vdi = env.sim.state.store.byUuid('VDI', json.vdis[0]!.uuid)!;
      expect(Number(vdi.record.virtual_size)).toBe(3 * BLOCK);
      expect(await diskSha256(env.sim, vdi.ref, env.dir)).toBe(sha256(point.images.get('xvda')!));
    }
  }, 120_000);

  it('a whole point: a new VM from ova.xml, its disks in their devices with the point\'s bytes, networks matched, new MACs', async () => {
    const env = await e2eEnv();
    const points = await deltaChain(env);
    const source = vmByName(env.sim, 'web 01');
    const point = points[2]!;
    const r = await restore(env, [point.path, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const json = lastJson(r.stdout) as { vm: { uuid: string; name: string }; networks: { created: boolean; network: { name: string } }[]; warnings: string[] };
    expect(json.warnings).toEqual([]);
    expect(json.vm.name).toMatch(/^web 01 \(restored 2026-12-03 10:00:00\)$/);
    const restored = vmByUuid(env.sim, json.vm.uuid);
    for (const f of ['VCPUs_max', 'VCPUs_at_startup', 'memory_static_max', 'memory_dynamic_max', 'HVM_boot_policy', 'PV_bootloader', 'platform', 'HVM_boot_params']) {
      expect(restored.record[f], f).toEqual(source.record[f]);
    }
    expect(restored.record.tags).toContain('restored from backup');
    expect((restored.record.other_config as Record<string, string>)['vmbackup:restored-from']).toBe(point.path);
    const [a, b] = diskRefs(env.sim, restored.ref);
    expect(await diskSha256(env.sim, a!, env.dir)).toBe(sha256(point.images.get('xvda')!));
    expect(await diskSha256(env.sim, b!, env.dir)).toBe(sha256(point.images.get('xvdb')!));
    expect(json.networks.every((n) => !n.created)).toBe(true);
    const macs = (vm: { record: Record<string, unknown> }) => (vm.record.VIFs as string[]).map((v) => String(env.sim.state.store.get(v)!.record.MAC));
    expect(macs(restored)).toHaveLength(macs(source).length);
    expect(macs(restored)).not.toEqual(macs(source));
  }, 60_000);

  it('refusals before anything is created: a flipped byte in a middle link (VERIFY_FAILED naming it), a missing parent folder (CHAIN_BROKEN)', async () => {
    const env = await e2eEnv();
    const points = await deltaChain(env);
    const before = poolCounts(env.sim);
    const middle = points[1]!.disks.find((d) => d.key === 'xvda')!;
    flipByte(middle.path, 4096 + 512 + 100);
    let r = await restore(env, [points[3]!.path, '--json']);
    expect(r.status).toBe(2);
    expect(lastJson(r.stdout).error).toMatchObject({ code: 'VERIFY_FAILED', message: expect.stringContaining(middle.path) });
    expect(poolCounts(env.sim)).toEqual(before);

    renameSync(points[0]!.path, `${points[0]!.path}.moved`);
    r = await restore(env, [points[2]!.path, '--json']);
    expect(r.status).toBe(2);
    expect(lastJson(r.stdout).error).toMatchObject({ code: 'CHAIN_BROKEN', message: expect.stringContaining(`${points[0]!.path}, the parent of`) });
    expect(poolCounts(env.sim)).toEqual(before);
  }, 60_000);
});
