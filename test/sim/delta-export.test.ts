/**
 * GET /export_raw_vdi?format=vhd&base=B as XAPI's vhd-tool answers it (delta-restore.md §B.1),
 * checked with qemu-img and by overlaying the delta on the base's bytes through the pool's own
 * PUT /import_raw_vdi; the disks change through a real PUT into a running VM's live VDI; every
 * refusal of a base is a 200 with an empty body and a failed task, as in XAPI.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseVhdFooter, parseVhdHeader, VhdParser, type VhdBlock } from '../../src/formats/index.js';
import { applyFaultSpec } from '../../src/sim/fault-spec.js';
import type { Simulator } from '../../src/sim/index.js';
import type { PoolFixture } from '../../src/sim/pool/fixture.js';
import { tempDir } from '../helpers/cli.js';
import { rawOf, writeBlocks } from '../helpers/disk-writes.js';
import { login, raw, rpc, taskOutcome } from '../helpers/sim-http.js';
import { stopAll, testSimulator } from '../helpers/sim.js';

let sim: Simulator;
afterEach(stopAll);

const MiB = 2 ** 20;
const POOL: PoolFixture = {
  srs: [{ name: 'Local storage', default: true }, { name: 'HBA LUNs', type: 'rawhba' }],
  vms: [
    { name: 'app', power: 'Running', disks: [{ size: '24MiB', density: 0.5 }] },
    { name: 'other', power: 'Running', disks: [{ size: '8MiB', density: 1 }] },
    { name: 'lun', power: 'Halted', disks: [{ size: '8MiB', sr: 'HBA LUNs' }] },
  ],
};

function diskOf(vm: string): { ref: string; uuid: string } {
  const store = sim.state.store;
  const vmRow = store.rows('VM').find((v) => v.record.name_label === vm && !v.record.is_a_snapshot)!;
  for (const vbd of vmRow.record.VBDs as string[]) {
    const r = store.get(vbd)!.record;
    if (r.type === 'Disk') return { ref: String(r.VDI), uuid: String(store.get(String(r.VDI))!.record.uuid) };
  }
  throw new Error(`no disk on ${vm}`);
}

const uuidOf = (ref: string) => String(sim.state.store.get(ref)!.record.uuid);
const uuidText = (b: Buffer) => b.toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

async function get(session: string, query: string): Promise<{ status: number; body: Buffer; task: { status: string; error_info: string[] } }> {
  const task = await rpc<string>(sim, 'task.create', session, 'test export', '');
  const res = await raw(sim, 'GET', `/export_raw_vdi?session_id=${session}&task_id=${task}&${query}`);
  return { status: res.status, body: res.body, task: await taskOutcome(sim, session, task) };
}

function blocksOf(vhd: Buffer): VhdBlock[] {
  const parser = new VhdParser();
  const events = [...parser.feed(vhd), ...parser.end()];
  return events.filter((e): e is { type: 'block' } & VhdBlock => e.type === 'block');
}

/** The base's raw bytes with the delta's marked sectors written over them. */
function overlay(base: Buffer, delta: Buffer): Buffer {
  const out = Buffer.from(base);
  for (const block of blocksOf(delta)) {
    expect(block.bitmap.every((b) => b === 0xff)).toBe(true);
    block.data.copy(out, block.offset, 0, block.length);
  }
  return out;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('GET /export_raw_vdi?format=vhd&base=', () => {
  it('is a differencing VHD shaped as XAPI sends it: type 4, a zero sector at 1536, the BAT at 2048, random uid, SM-level parent', async () => {
    sim = await testSimulator({ http: true, pool: POOL, uuidSeed: 'delta shape' });
    const session = await login(sim);
    const live = diskOf('app');
    const base = await rpc<string>(sim, 'VDI.snapshot', session, live.ref, {});
    await writeBlocks(sim, live.uuid, [1], 7);
    const tip = await rpc<string>(sim, 'VDI.snapshot', session, live.ref, {});
    const first = await get(session, `format=vhd&vdi=${tip}&base=${uuidOf(base)}`);
    const second = await get(session, `format=vhd&vdi=${uuidOf(tip)}&base=${base}`);
    expect([first.status, first.task.status, second.task.status]).toEqual([200, 'success', 'success']);
    expect(first.body.equals(second.body)).toBe(false); // only the uid differs...
    const footer = parseVhdFooter(first.body, 0);
    const header = parseVhdHeader(first.body.subarray(512, 1536), 512, footer);
    expect(footer.diskType).toBe(4);
    expect(footer.timestamp).toBe(0);
    expect(footer.currentSize).toBe(24 * MiB);
    expect(header.tableOffset).toBe(2048);
    expect(first.body.subarray(1536, 2048).every((b) => b === 0)).toBe(true);
    // ...a fresh random uuid per export, never the VDI's; the parent is the same SM-level uuid
    // each time, and not the base VDI's uuid either (XAPI writes the base VHD file's uid).
    const uid1 = uuidText(footer.uuid);
    const uid2 = uuidText(parseVhdFooter(second.body, 0).uuid);
    expect(uid1).not.toBe(uid2);
    expect([uid1, uid2]).not.toContain(uuidOf(tip));
    const parent = uuidText(header.parentUuid);
    expect(parent).toBe(uuidText(parseVhdHeader(second.body.subarray(512, 1536), 512, footer).parentUuid));
    expect([uuidOf(base), uuidOf(tip), live.uuid]).not.toContain(parent);
    expect(header.parentUnicodeName).toMatch(new RegExp(`^/var/run/sr-mount/[0-9a-f-]{36}/${uuidOf(base)}\\.vhd$`));
    // The trailing footer is the copy at 0; the blocks are whole, with every sector marked.
    expect(first.body.subarray(-512).equals(first.body.subarray(0, 512))).toBe(true);
    expect(blocksOf(first.body).map((b) => [b.index, b.data.length])).toEqual([[1, 2 * MiB]]);

    const dir = tempDir();
    writeFileSync(join(dir, 'delta.vhd'), first.body);
    const info = JSON.parse(execFileSync('qemu-img', ['info', '-f', 'vpc', '--output=json', 'delta.vhd'], { cwd: dir, encoding: 'utf8' })) as { format: string; 'virtual-size': number };
    expect(info.format).toBe('vpc');
    expect(info['virtual-size']).toBeGreaterThanOrEqual(24 * MiB);
    const converted = join(dir, 'delta.raw');
    execFileSync('qemu-img', ['convert', '--image-opts', 'driver=vpc,force_size_calc=current_size,file.filename=delta.vhd', '-O', 'raw', converted], { cwd: dir });
  });

  it('after blocks 3 and 7 of a running VM are written, the delta between two snapshots holds them, and base + delta = the new disk', async () => {
    sim = await testSimulator({ http: true, pool: POOL, uuidSeed: 'delta overlay' });
    const session = await login(sim);
    const live = diskOf('app');
    const vm = sim.state.store.rows('VM').find((v) => v.record.name_label === 'app')!;
    expect(vm.record.power_state).toBe('Running');
    const snapA = await rpc<string>(sim, 'VM.snapshot', session, vm.ref, 'before');
    const vdiA = sim.state.store.rows('VDI').find((v) => v.record.snapshot_of === live.ref)!;
    const shaA = await rawOf(sim, String(vdiA.record.uuid));
    const oldRaw = (await get(session, `format=raw&vdi=${vdiA.ref}`)).body;
    expect(sha(oldRaw)).toBe(shaA);

    const written = await writeBlocks(sim, live.uuid, [7, 3], 42);
    expect([...written.data.keys()]).toEqual([3, 7]);
    expect(await rawOf(sim, live.uuid)).not.toBe(shaA);
    expect(await rawOf(sim, String(vdiA.record.uuid))).toBe(shaA); // the old snapshot keeps its bytes
    await rpc(sim, 'VM.snapshot', session, vm.ref, 'after');
    const vdiB = sim.state.store.rows('VDI').find((v) => v.record.snapshot_of === live.ref && v.ref !== vdiA.ref)!;

    const delta = await get(session, `format=vhd&vdi=${vdiB.ref}&base=${vdiA.ref}`);
    expect(delta.task.status).toBe('success');
    const blocks = blocksOf(delta.body);
    const indexes = blocks.map((b) => b.index);
    expect(indexes).toEqual(expect.arrayContaining([3, 7])); // a superset is allowed, never less
    for (const b of blocks.filter((x) => written.data.has(x.index))) expect(b.data.equals(written.data.get(b.index)!)).toBe(true);
    const newSha = await rawOf(sim, String(vdiB.record.uuid));
    expect(sha(overlay(oldRaw, delta.body))).toBe(newSha);

    // The same overlay done by the pool: a fresh VDI, the old raw, then the delta VHD on top.
    const sr = String(vdiA.record.SR);
    const fresh = await rpc<string>(sim, 'VDI.create', session, { SR: sr, virtual_size: 24 * MiB, name_label: 'restore', type: 'user', sharable: false, read_only: false, other_config: {} });
    for (const [format, body] of [['raw', oldRaw], ['vhd', delta.body]] as const) {
      const task = await rpc<string>(sim, 'task.create', session, 'put', '');
      expect((await raw(sim, 'PUT', `/import_raw_vdi?session_id=${session}&task_id=${task}&format=${format}&vdi=${fresh}`, body)).status).toBe(200);
      expect((await taskOutcome(sim, session, task)).status).toBe('success');
    }
    expect(await rawOf(sim, uuidOf(fresh))).toBe(newSha);
    expect(snapA).toMatch(/^OpaqueRef:/);
  });

  it('against an unrelated disk holds every block that holds data on either side; against itself nothing', async () => {
    sim = await testSimulator({ http: true, pool: POOL, uuidSeed: 'delta unrelated' });
    const session = await login(sim);
    const app = diskOf('app');
    const other = diskOf('other');
    const self = await get(session, `format=vhd&vdi=${app.ref}&base=${app.ref}`);
    expect(blocksOf(self.body)).toEqual([]);
    const full = blocksOf((await get(session, `format=vhd&vdi=${app.ref}`)).body).map((b) => b.index);
    const against = blocksOf((await get(session, `format=vhd&vdi=${app.ref}&base=${other.ref}`)).body).map((b) => b.index);
    // other is 8 MiB and full: its 4 blocks, plus every block app holds.
    expect(against).toEqual([...new Set([0, 1, 2, 3, ...full])].sort((a, b) => a - b));
  });
});

describe('a base XAPI refuses: 200, no body, the task fails', () => {
  it.each([
    ['a cbt_metadata VDI (after data_destroy)', 'VDI_INCOMPATIBLE_TYPE'],
    ['a raw VDI (sm_config type=raw)', 'INTERNAL_ERROR'],
    ['a VDI on a raw SR (rawhba)', 'INTERNAL_ERROR'],
    ['a base that does not exist', 'UUID_INVALID'],
  ])('%s: %s', async (what, code) => {
    sim = await testSimulator({ http: true, pool: POOL, uuidSeed: 'delta refusals' });
    const session = await login(sim);
    const live = diskOf('app');
    if (what.startsWith('a cbt_metadata')) await rpc(sim, 'VDI.enable_cbt', session, live.ref);
    let base = await rpc<string>(sim, 'VDI.snapshot', session, live.ref, {});
    if (what.startsWith('a cbt_metadata')) await rpc(sim, 'VDI.data_destroy', session, base);
    if (what.startsWith('a raw VDI')) sim.state.store.update(base, { sm_config: { type: 'raw' } });
    if (what.startsWith('a VDI on a raw SR')) base = diskOf('lun').ref;
    if (what.startsWith('a base that does not exist')) await rpc(sim, 'VDI.destroy', session, base);
    const res = await get(session, `format=vhd&vdi=${live.ref}&base=${base}`);
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
    expect(res.task.status).toBe('failure');
    const expected: Record<string, string[]> = {
      VDI_INCOMPATIBLE_TYPE: ['VDI_INCOMPATIBLE_TYPE', base, 'cbt_metadata'],
      INTERNAL_ERROR: ['INTERNAL_ERROR', 'base VDI is not a vhd; cannot compute differences'],
      UUID_INVALID: ['UUID_INVALID', 'VDI', base],
    };
    expect(res.task.error_info).toEqual(expected[code]);
  });

  it('the refuse-base fault refuses the bases of one VM only, and only base= exports', async () => {
    sim = await testSimulator({ http: true, pool: POOL, uuidSeed: 'delta fault' });
    applyFaultSpec(sim.faults, 'refuse-base=app'); // as `vmbackup sim --fault refuse-base=app`
    const session = await login(sim);
    const app = diskOf('app');
    const other = diskOf('other');
    const appBase = await rpc<string>(sim, 'VDI.snapshot', session, app.ref, {});
    const otherBase = await rpc<string>(sim, 'VDI.snapshot', session, other.ref, {});
    expect((await get(session, `format=vhd&vdi=${other.ref}&base=${otherBase}`)).task.status).toBe('success');
    expect((await get(session, `format=vhd&vdi=${app.ref}`)).task.status).toBe('success');
    const refused = await get(session, `format=vhd&vdi=${app.ref}&base=${appBase}`);
    expect([refused.status, refused.body.length]).toEqual([200, 0]);
    expect(refused.task.error_info).toEqual(['INTERNAL_ERROR', 'base VDI is not a vhd; cannot compute differences']);
  });

  it('VDI.data_destroy needs a CBT-enabled snapshot', async () => {
    sim = await testSimulator({ http: true, pool: POOL });
    const session = await login(sim);
    const app = diskOf('app');
    const plain = await rpc<string>(sim, 'VDI.snapshot', session, app.ref, {});
    await expect(rpc(sim, 'VDI.data_destroy', session, plain)).rejects.toMatchObject({ code: 'VDI_NO_CBT_METADATA', params: [plain] });
    await expect(rpc(sim, 'VDI.enable_cbt', session, plain)).rejects.toMatchObject({ code: 'VDI_INCOMPATIBLE_TYPE' });
    await rpc(sim, 'VDI.enable_cbt', session, app.ref);
    const tracked = await rpc<string>(sim, 'VDI.snapshot', session, app.ref, {});
    await rpc(sim, 'VDI.data_destroy', session, tracked);
    expect(await rpc(sim, 'VDI.get_type', session, tracked)).toBe('cbt_metadata');
  });

  it('base= with format=raw is a 400 before any header', async () => {
    sim = await testSimulator({ http: true, pool: POOL });
    const session = await login(sim);
    const app = diskOf('app');
    const res = await get(session, `format=raw&vdi=${app.ref}&base=${app.ref}`);
    expect(res.status).toBe(400);
    expect(res.task.error_info[0]).toBe('INTERNAL_ERROR');
  });
});
