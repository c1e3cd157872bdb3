/**
 * The calls a raw/vhd restore makes, driven by the real xen-api client: VDI.create (SR usage,
 * SR_FULL, zeros), VBD.create / VM.get_allowed_VBD_devices / VBD.destroy, VM.start and its
 * events, and PUT /import_raw_vdi with a VHD as an overlay on the VDI's content (§B.2).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Xapi, XapiObject } from 'xen-api';
import { parseVhdFooter, parseVhdHeader } from '../../src/formats/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { login, raw, vmRef } from '../helpers/sim-http.js';
import { connectedClient, rejection, stopAll, testSimulator } from '../helpers/sim.js';

afterEach(stopAll);

const MiB = 2 ** 20;

function srNamed(sim: Simulator, name: string): string {
  return sim.state.store.rows('SR').find((s) => s.record.name_label === name)!.ref;
}

const used = (sim: Simulator, sr: string) => Number(sim.state.store.get(sr)!.record.physical_utilisation);

async function exportRaw(sim: Simulator, vdi: string): Promise<Buffer> {
  const session = await login(sim);
  return (await raw(sim, 'GET', `/export_raw_vdi?session_id=${session}&vdi=${vdi}`)).body;
}

function vdiArgs(sr: string, size: number, name = 'restored disk') {
  return { SR: sr, virtual_size: String(size), name_label: name, name_description: 'from a backup', type: 'user', sharable: false, read_only: false, other_config: { 'vmbackup:restore': 'yes' } };
}

/** Waits until xen-api's cache shows `test` true of the object (events, not polling the pool). */
async function cached(xapi: Xapi, ref: string, test: (o: XapiObject) => boolean): Promise<XapiObject> {
  for (;;) {
    const object = xapi.getObjectByRef(ref, undefined) as XapiObject | undefined;
    if (object && test(object)) return object;
    await new Promise((resolve) => xapi.objects.once('update', resolve));
  }
}

describe.each(['json-rpc', 'xml-rpc'] as const)('over %s', (transport) => {
  it('VDI.create makes a zero-filled VDI, takes its size from the SR, and VDI.destroy gives it back', async () => {
    const sim = await testSimulator({ http: true });
    const xapi = await connectedClient(sim, transport);
    const sr = srNamed(sim, 'Local storage');
    const before = used(sim, sr);
    const vdi = await xapi.call<string>('VDI.create', vdiArgs(sr, 3 * MiB));
    const rec = await xapi.getRecord('VDI', vdi);
    expect(rec).toMatchObject({ SR: sr, name_label: 'restored disk', name_description: 'from a backup', type: 'user', sharable: false, read_only: false, other_config: { 'vmbackup:restore': 'yes' } });
    expect(Number(rec.virtual_size)).toBe(3 * MiB);
    expect(used(sim, sr)).toBe(before + 3 * MiB);
    expect((await exportRaw(sim, vdi)).equals(Buffer.alloc(3 * MiB))).toBe(true);
    await xapi.call('VDI.destroy', vdi);
    expect(used(sim, sr)).toBe(before);
  });

  it('VDI.create fails with SR_FULL [needed, available] when the SR lacks room', async () => {
    const sim = await testSimulator({ http: true });
    const xapi = await connectedClient(sim, transport);
    const sr = srNamed(sim, 'Local storage');
    await xapi.call('SR.set_physical_size', sr, String(used(sim, sr) + 2 * MiB));
    const vdis = sim.state.store.count('VDI');
    const failure = await rejection(xapi.call('VDI.create', vdiArgs(sr, 3 * MiB)));
    expect([failure.code, ...failure.params]).toEqual(['SR_FULL', String(3 * MiB), String(2 * MiB)]);
    expect(sim.state.store.count('VDI')).toBe(vdis);
    // What fits still goes in.
    await xapi.call('VDI.create', vdiArgs(sr, 2 * MiB));
  });

  it('VBD.create plugs a VDI into the next free device, refuses a used one, and VBD.destroy unplugs it', async () => {
    const sim = await testSimulator({ http: true });
    const xapi = await connectedClient(sim, transport);
    const vm = vmRef(sim, 'db.example.com');
    // db.example.com has its disk on 0 and the CD drive on 3.
    const free = await xapi.call<string[]>('VM.get_allowed_VBD_devices', vm);
    expect(free).toEqual(['1', '2', ...Array.from({ length: 12 }, (_, i) => String(i + 4))]);
    const vdi = await xapi.call<string>('VDI.create', vdiArgs(srNamed(sim, 'Local storage'), MiB));
    const vbdArgs = { VM: vm, VDI: vdi, userdevice: free[0], bootable: false, mode: 'RW', type: 'Disk', empty: false, other_config: { owner: 'true' }, qos_algorithm_type: '', qos_algorithm_params: {} };
    const vbd = await xapi.call<string>('VBD.create', vbdArgs);
    expect(await xapi.getRecord('VBD', vbd)).toMatchObject({ VM: vm, VDI: vdi, userdevice: '1', mode: 'RW', type: 'Disk', empty: false, bootable: false, currently_attached: false, other_config: { owner: 'true' } });
    expect((await xapi.getRecord('VM', vm)).VBDs).toContain(vbd);
    expect((await xapi.getRecord('VDI', vdi)).VBDs).toEqual([vbd]);
    expect(await xapi.call<string[]>('VM.get_allowed_VBD_devices', vm)).not.toContain('1');
    const taken = await rejection(xapi.call('VBD.create', { ...vbdArgs, userdevice: '0' }));
    expect([taken.code, ...taken.params]).toEqual(['DEVICE_ALREADY_EXISTS', '0']);
    await xapi.call('VBD.destroy', vbd);
    expect(await xapi.call<string[]>('VM.get_allowed_VBD_devices', vm)).toContain('1');
    // The VDI outlives its VBD.
    expect((await xapi.getRecord('VDI', vdi)).VBDs).toEqual([]);
  });

  it('VM.start runs a halted VM, seen through events; a second start is VM_BAD_POWER_STATE', async () => {
    const sim = await testSimulator({ http: true });
    const xapi = await connectedClient(sim, transport);
    const vm = vmRef(sim, 'db.example.com');
    const master = String(sim.state.store.rows('pool')[0]!.record.master);
    await xapi.callAsync('VM.start', vm, false, false);
    const running = await cached(xapi, vm, (o) => o.power_state === 'Running');
    expect(running.resident_on).toBe(master);
    expect(Number(running.domid)).toBeGreaterThan(0);
    const vbds = await Promise.all((running.VBDs as string[]).map((r) => xapi.getRecord('VBD', r)));
    expect(vbds.every((v) => v.currently_attached === true)).toBe(true);
    const again = await rejection(xapi.call('VM.start', vm, false, false));
    expect([again.code, ...again.params]).toEqual(['VM_BAD_POWER_STATE', vm, 'halted', 'running']);
    await xapi.call('VM.clean_shutdown', vm);
    const halted = await cached(xapi, vm, (o) => o.power_state === 'Halted');
    expect(halted.resident_on).toBe('OpaqueRef:NULL');
    await xapi.call('VM.start', vm, true, false);
    await cached(xapi, vm, (o) => o.power_state === 'Paused');
  });

  it('VBD.plug hot-plugs a new disk into a running VM only; a second plug is DEVICE_ALREADY_ATTACHED', async () => {
    const sim = await testSimulator({ http: true });
    const xapi = await connectedClient(sim, transport);
    const vm = vmRef(sim, 'db.example.com');
    const vdi = await xapi.call<string>('VDI.create', vdiArgs(srNamed(sim, 'Local storage'), MiB));
    const vbd = await xapi.call<string>('VBD.create', { VM: vm, VDI: vdi, userdevice: '1', bootable: false, mode: 'RW', type: 'Disk', empty: false, other_config: {}, qos_algorithm_type: '', qos_algorithm_params: {} });
    const halted = await rejection(xapi.call('VBD.plug', vbd));
    expect([halted.code, ...halted.params]).toEqual(['VM_BAD_POWER_STATE', vm, 'running', 'halted']);
    await xapi.call('VM.start', vm, false, false);
    // VM.start attaches the VM's VBDs: take this one out again, then plug it as a hot-plug would.
    await xapi.call('VBD.unplug', vbd);
    expect((await xapi.getRecord('VBD', vbd)).currently_attached).toBe(false);
    await xapi.callAsync('VBD.plug', vbd);
    expect((await xapi.getRecord('VBD', vbd)).currently_attached).toBe(true);
    const twice = await rejection(xapi.call('VBD.plug', vbd));
    expect([twice.code, ...twice.params]).toEqual(['DEVICE_ALREADY_ATTACHED', vbd]);
  });
});

describe('PUT /import_raw_vdi', () => {
  const SIZE = 16 * MiB;

  /** A VHD export of a half-allocated disk, and its first block's bitmap offset. */
  async function sparseVhd(sim: Simulator) {
    const source = sim.state.store.rows('VDI').find((v) => Number(v.record.virtual_size) === SIZE)!;
    const session = await login(sim);
    const vhd = (await raw(sim, 'GET', `/export_raw_vdi?session_id=${session}&vdi=${source.ref}&format=vhd`)).body;
    const footer = parseVhdFooter(vhd.subarray(0, 512), 0);
    const at = Number(footer.dataOffset);
    const header = parseVhdHeader(vhd.subarray(at, at + 1024), at, footer);
    const bat = vhd.subarray(header.tableOffset, header.tableOffset + header.maxTableEntries * 4);
    const present = Array.from({ length: header.maxTableEntries }, (_, i) => bat.readUInt32BE(i * 4) !== 0xffffffff);
    return { source: source.ref, vhd, present, firstBitmap: bat.readUInt32BE(0) * 512 };
  }

  it('format=vhd writes only the blocks and sectors the VHD holds; the rest keeps the VDI\'s content', async () => {
    // A fixed seed fixes which blocks hold data (checked below: some do not).
    const sim = await testSimulator({ http: true, uuidSeed: 'vhd overlay', pool: { vms: [{ name: 'sparse', disks: [{ size: SIZE, density: 0.5 }] }] } });
    const xapi = await connectedClient(sim);
    const { source, vhd, present, firstBitmap } = await sparseVhd(sim);
    expect(present.some((p) => !p)).toBe(true);
    expect(present[0]).toBe(true);
    // Clear the first 8 sectors of block 0 in the bitmap: those 4 KiB must keep the old bytes.
    vhd[firstBitmap] = 0x00;
    const target = await xapi.call<string>('VDI.create', vdiArgs(srNamed(sim, 'Local storage'), SIZE));
    const old = Buffer.alloc(SIZE, 0xab);
    await xapi.putResource(old, '/import_raw_vdi/', { query: { format: 'raw', vdi: target } });
    const result = await xapi.putResource(vhd, '/import_raw_vdi/', { query: { format: 'vhd', vdi: target } });
    expect(result).toBe(target);
    const expected = await exportRaw(sim, source);
    const actual = await exportRaw(sim, target);
    for (let block = 0; block < SIZE / (2 * MiB); block++) {
      const at = block * 2 * MiB;
      const want = present[block] ? expected.subarray(at, at + 2 * MiB) : old.subarray(at, at + 2 * MiB);
      if (block === 0) {
        expect(actual.subarray(0, 4096).equals(old.subarray(0, 4096))).toBe(true);
        expect(actual.subarray(4096, 2 * MiB).equals(want.subarray(4096))).toBe(true);
      } else expect(actual.subarray(at, at + 2 * MiB).equals(want)).toBe(true);
    }
  });

  it('format=raw replaces the whole content; a body larger than the VDI fails with VDI_IO_ERROR', async () => {
    const sim = await testSimulator({ http: true });
    const xapi = await connectedClient(sim);
    const target = await xapi.call<string>('VDI.create', vdiArgs(srNamed(sim, 'Local storage'), 2 * MiB));
    await xapi.putResource(Buffer.alloc(2 * MiB, 0xab), '/import_raw_vdi/', { query: { format: 'raw', vdi: target } });
    await xapi.putResource(Buffer.alloc(MiB, 0xcd), '/import_raw_vdi/', { query: { format: 'raw', vdi: target } });
    const content = await exportRaw(sim, target);
    expect(content.subarray(0, MiB).equals(Buffer.alloc(MiB, 0xcd))).toBe(true);
    expect(content.subarray(MiB).equals(Buffer.alloc(MiB))).toBe(true);
    const failure = await rejection(xapi.putResource(Buffer.alloc(3 * MiB, 1), '/import_raw_vdi/', { query: { format: 'raw', vdi: target } }));
    expect(failure.code).toBe('VDI_IO_ERROR');
    expect((await exportRaw(sim, target)).equals(content)).toBe(true);
  });
});
