/**
 * PUT /import and PUT /import_raw_vdi: the real XenServer 5.6 XVA, our own exports (plain, gzip,
 * zstd) with export → import → export byte checks, checksum failures, and xen-api's probe and
 * 1 PiB upload modes.
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { Xapi } from 'xen-api';
import type { Simulator } from '../../src/sim/index.js';
import { login, raw, rpc, taskOutcome, vmRef } from '../helpers/sim-http.js';
import { clientFor, stopAll, testSimulator } from '../helpers/sim.js';

let sim: Simulator | undefined;
let xapi: Xapi | undefined;
afterEach(stopAll);

const REAL_XVA = readFileSync(new URL('../fixtures/xva/vmexport.bin', import.meta.url));

function vmsNamed(name: string): string[] {
  return sim!.state.store.rows('VM').filter((v) => v.record.name_label === name).map((v) => v.ref);
}

/** Each disk of a VM as raw bytes, in VBD order. */
async function disksOf(session: string, vm: string): Promise<Buffer[]> {
  const store = sim!.state.store;
  const vdis = (store.get(vm)!.record.VBDs as string[])
    .map((vbd) => store.get(vbd)!.record)
    .filter((vbd) => vbd.type === 'Disk')
    .sort((a, b) => Number(a.userdevice) - Number(b.userdevice))
    .map((vbd) => String(vbd.VDI));
  return Promise.all(vdis.map(async (vdi) => (await raw(sim!, 'GET', `/export_raw_vdi?session_id=${session}&vdi=${vdi}`)).body));
}

describe('PUT /import with the xen-api client', () => {
  it.each([
    ['a Buffer (no probe)', () => REAL_XVA],
    ['a stream with .length (probe, then upload)', () => Object.assign(Readable.from([REAL_XVA]), { length: REAL_XVA.length })],
    ['a stream of unknown length (1 PiB probe and upload)', () => Readable.from([REAL_XVA])],
  ])('imports the real XenServer 5.6 export from %s', async (_how, body) => {
    sim = await testSimulator({ http: true });
    xapi = clientFor(sim);
    await xapi.connect();
    await xapi.objectsFetched;
    const result = await xapi.putResource(body(), '/import/', {});
    expect(result).toEqual([expect.stringMatching(/^OpaqueRef:/)]);
    const vm = sim.state.store.get((result as string[])[0]!)!;
    expect(vm.record.name_label).toBe('VM export');
    expect(vm.record.power_state).toBe('Halted');
    expect(vm.record.current_operations).toEqual({});
    const vbds = (vm.record.VBDs as string[]).map((r) => sim!.state.store.get(r)!.record);
    expect(vbds.map((v) => v.type).sort()).toEqual(['CD', 'Disk']);
    const disk = sim.state.store.get(String(vbds.find((v) => v.type === 'Disk')!.VDI))!;
    expect(disk.record.virtual_size).toBe(2 * 2 ** 20);
    expect((vm.record.VIFs as string[]).length).toBe(3);
    const session = await login(sim);
    const [bytes] = await disksOf(session, vm.ref);
    expect(bytes!.equals(Buffer.alloc(2 * 2 ** 20))).toBe(true);
  });
});

describe('export → import → export', () => {
  it.each(['none', 'gzip', 'zstd'])('keeps every disk byte (use_compression=%s)', async (compression) => {
    sim = await testSimulator({ http: true });
    const session = await login(sim);
    const original = vmRef(sim, 'db.example.com');
    const xva = await raw(sim, 'GET', `/export?session_id=${session}&ref=${original}&use_compression=${compression}`);
    const task = await rpc<string>(sim, 'task.create', session, 'import', '');
    const put = await raw(sim, 'PUT', `/import?session_id=${session}&task_id=${task}`, xva.body);
    expect(put.status).toBe(200);
    const outcome = await taskOutcome(sim, session, task);
    expect(outcome.status).toBe('success');
    const imported = /<value>(OpaqueRef:[^<]+)<\/value>/.exec(outcome.result)![1]!;
    expect(outcome.result).toBe(`<value><array><data><value>${imported}</value></data></array></value>`);
    expect(vmsNamed('db.example.com')).toHaveLength(2);
    const before = await disksOf(session, original);
    const after = await disksOf(session, imported);
    expect(after.length).toBe(before.length);
    after.forEach((disk, i) => expect(disk.equals(before[i]!)).toBe(true));
  });

  it('a corrupted chunk fails the import with IMPORT_ERROR_SOME_CHECKSUMS_FAILED and leaves nothing behind; force=true imports it', async () => {
    sim = await testSimulator({ http: true });
    const session = await login(sim);
    const xva = (await raw(sim, 'GET', `/export?session_id=${session}&ref=${vmRef(sim, 'db.example.com')}`)).body;
    // Flip one byte inside the first chunk's data: past ova.xml's header and padded body, and
    // past the chunk's own header.
    const ovaSize = parseInt(xva.subarray(124, 136).toString('latin1').replace(/\0.*$/, '').trim(), 8);
    const at = 512 + Math.ceil(ovaSize / 512) * 512 + 512 + 100;
    xva[at] = xva[at]! ^ 0xff;
    const vmsBefore = sim.state.store.count('VM');
    const vdisBefore = sim.state.store.count('VDI');
    const task = await rpc<string>(sim, 'task.create', session, 'import', '');
    await raw(sim, 'PUT', `/import?session_id=${session}&task_id=${task}`, xva);
    expect((await taskOutcome(sim, session, task)).error_info).toEqual(['IMPORT_ERROR_SOME_CHECKSUMS_FAILED']);
    expect(sim.state.store.count('VM')).toBe(vmsBefore);
    expect(sim.state.store.count('VDI')).toBe(vdisBefore);
    const forced = await rpc<string>(sim, 'task.create', session, 'import', '');
    await raw(sim, 'PUT', `/import?session_id=${session}&task_id=${forced}&force=true`, xva);
    expect((await taskOutcome(sim, session, forced)).status).toBe('success');
  });
});

describe('PUT /import_raw_vdi', () => {
  it.each(['raw', 'vhd'])('replaces a VDI with %s content', async (format) => {
    sim = await testSimulator({ http: true });
    const session = await login(sim);
    const source = sim.state.store.rows('VDI').find((v) => Number(v.record.virtual_size) === 5 * 2 ** 20)!;
    const sr = String(source.record.SR);
    const target = await rpc<string>(sim, 'VDI.create', session, { SR: sr, virtual_size: String(5 * 2 ** 20), name_label: 'restore', type: 'user', sharable: false, read_only: false, other_config: {} });
    const body = (await raw(sim, 'GET', `/export_raw_vdi?session_id=${session}&vdi=${source.ref}&format=${format}`)).body;
    const task = await rpc<string>(sim, 'task.create', session, 'import', '');
    const put = await raw(sim, 'PUT', `/import_raw_vdi?session_id=${session}&task_id=${task}&vdi=${target}&format=${format}`, body);
    expect(put.status).toBe(200);
    const outcome = await taskOutcome(sim, session, task);
    expect(outcome.result).toBe(`<value>${target}</value>`);
    const expected = (await raw(sim, 'GET', `/export_raw_vdi?session_id=${session}&vdi=${source.ref}`)).body;
    const actual = (await raw(sim, 'GET', `/export_raw_vdi?session_id=${session}&vdi=${target}`)).body;
    expect(actual.equals(expected)).toBe(true);
  });
});
