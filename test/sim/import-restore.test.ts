/**
 * PUT /import as a restore sees it, driven by the real xen-api client (delta-restore.md §B.4):
 * identities without and with restore=true, replacing a halted VM and refusing a running one,
 * networks matched by name, then bridge, else created, sr_id and SR_FULL, and that a failed or
 * cancelled import leaves nothing of itself behind.
 */
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import type { PoolFixture } from '../../src/sim/pool/fixture.js';
import { login, raw, vmRef } from '../helpers/sim-http.js';
import { connectedClient, rejection, stopAll, testSimulator, whenStore } from '../helpers/sim.js';

afterEach(stopAll);

const MAC_SEED = '5c1c5d1e-0000-4000-8000-00000000aaaa';

/** Pool A: one VM on two networks, with a mac_seed, halted (and a running twin). */
const POOL_A: PoolFixture = {
  name: 'pool A',
  srs: [{ name: 'Local storage', size: '1TiB', default: true }, { name: 'NFS', type: 'nfs', shared: true, size: '4TiB' }],
  networks: [
    { name: 'Pool-wide network associated with eth0', bridge: 'xenbr0' },
    { name: 'Storage', bridge: 'xenbr1' },
  ],
  vms: [
    { name: 'app', power: 'Halted', disks: [{ size: '4MiB', density: 1 }, { size: '2MiB' }], networks: ['Pool-wide network associated with eth0', 'Storage'], other_config: { mac_seed: MAC_SEED } },
    { name: 'busy', power: 'Running', disks: [{ size: '2MiB' }] },
  ],
};

const MAC = /^[0-9a-f][26ae](:[0-9a-f]{2}){5}$/;

type Rec = Record<string, unknown>;

function counts(sim: Simulator): Record<string, number> {
  const store = sim.state.store;
  return Object.fromEntries(['VM', 'VDI', 'VBD', 'VIF', 'network', 'VM_metrics'].map((c) => [c, store.count(c)]));
}

function record(sim: Simulator, ref: string): Rec {
  return sim.state.store.get(ref)!.record as Rec;
}

function vifsOf(sim: Simulator, vm: string): Rec[] {
  return (record(sim, vm).VIFs as string[]).map((r) => record(sim, r)).sort((a, b) => Number(a.device) - Number(b.device));
}

function networkOf(sim: Simulator, vif: Rec): Rec {
  return record(sim, String(vif.network));
}

async function exportXva(sim: Simulator, vm: string): Promise<Buffer> {
  const session = await login(sim);
  return (await raw(sim, 'GET', `/export?session_id=${session}&ref=${vm}`)).body;
}

describe.each(['json-rpc', 'xml-rpc'] as const)('over %s', (transport) => {
  it('without restore=true: a fresh uuid, new random MACs, a new mac_seed, the same networks', async () => {
    const sim = await testSimulator({ http: true, pool: POOL_A });
    const source = vmRef(sim, 'app');
    const sourceRec = record(sim, source);
    const archived = vifsOf(sim, source);
    const xva = await exportXva(sim, source);
    const xapi = await connectedClient(sim, transport);
    const networksBefore = sim.state.store.count('network');
    const task = await xapi.createTask('restore app');
    const [vm] = (await xapi.putResource(xva, '/import/', { task, query: {} })) as string[];
    const rec = record(sim, vm!);
    expect(rec.uuid).not.toBe(sourceRec.uuid);
    expect(rec.power_state).toBe('Halted');
    expect(rec.current_operations).toEqual({});
    const otherConfig = rec.other_config as Record<string, string>;
    expect(otherConfig.mac_seed).toMatch(/^[0-9a-f-]{36}$/);
    expect(otherConfig.mac_seed).not.toBe(MAC_SEED);
    expect(otherConfig.import_task).toBe(task);
    expect(rec.version).toBe(0);
    const vifs = vifsOf(sim, vm!);
    expect(vifs).toHaveLength(2);
    vifs.forEach((vif, i) => {
      expect(vif.MAC).toMatch(MAC);
      expect(vif.MAC).not.toBe(archived[i]!.MAC);
      expect(vif.uuid).not.toBe(archived[i]!.uuid);
      expect(vif.network).toBe(archived[i]!.network);
    });
    expect(sim.state.store.count('network')).toBe(networksBefore);
    // The source is untouched.
    expect(record(sim, source).uuid).toBe(sourceRec.uuid);
  });
});

describe('restore=true', () => {
  it('replaces the halted VM of that uuid: same uuid, MACs and mac_seed; its VBDs and VIFs go, its VDIs stay', async () => {
    const sim = await testSimulator({ http: true, pool: POOL_A });
    const source = vmRef(sim, 'app');
    const sourceRec = structuredClone(record(sim, source));
    const archivedVifs = vifsOf(sim, source);
    const oldVbds = [...(sourceRec.VBDs as string[])];
    const oldVdis = oldVbds.map((r) => String(record(sim, r).VDI)).filter((r) => r !== 'OpaqueRef:NULL');
    const xva = await exportXva(sim, source);
    const xapi = await connectedClient(sim);
    const before = counts(sim);
    const [vm] = (await xapi.putResource(xva, '/import/', { query: { restore: 'true' } })) as string[];
    expect(vm).not.toBe(source);
    expect(sim.state.store.get(source)).toBeUndefined();
    for (const r of [...oldVbds, ...archivedVifs.map((v) => String(v.uuid))]) expect(sim.state.store.get(r)).toBeUndefined();
    for (const vdi of oldVdis) expect(sim.state.store.get(vdi)?.cls.name).toBe('VDI');
    const rec = record(sim, vm!);
    expect(rec.uuid).toBe(sourceRec.uuid);
    expect((rec.other_config as Record<string, string>).mac_seed).toBe(MAC_SEED);
    expect(rec.version).toBe(Number(sourceRec.version) + 1);
    const vifs = vifsOf(sim, vm!);
    expect(vifs.map((v) => [v.MAC, v.uuid, v.network])).toEqual(archivedVifs.map((v) => [v.MAC, v.uuid, v.network]));
    // One VM replaced by one; the disks are new, the old ones kept.
    const after = counts(sim);
    expect(after.VM).toBe(before.VM);
    expect(after.VDI).toBe(before.VDI! + oldVdis.length);
    expect(after.VBD).toBe(before.VBD);
    expect(after.VIF).toBe(before.VIF);
    // The uuid now names the new VM. (Asked, not read from xen-api's cache: that cache is keyed
    // by uuid, and when the old VM's deletion arrives in the same event.from batch as the new
    // VM, it comes last, as XAPI orders them, and takes the new VM out of the cache.)
    expect(await xapi.call('VM.get_by_uuid', sourceRec.uuid)).toBe(vm);
  });

  it('keeps the archived uuid when no VM holds it', async () => {
    const sim = await testSimulator({ http: true, pool: POOL_A });
    const source = vmRef(sim, 'app');
    const uuid = String(record(sim, source).uuid);
    const xva = await exportXva(sim, source);
    const xapi = await connectedClient(sim);
    await xapi.call('VM.destroy', source);
    const [vm] = (await xapi.putResource(xva, '/import/', { query: { restore: 'true' } })) as string[];
    expect(record(sim, vm!).uuid).toBe(uuid);
  });

  it('refuses a VM of that uuid that is not halted, with VM_BAD_POWER_STATE, and creates nothing', async () => {
    const sim = await testSimulator({ http: true, pool: POOL_A });
    const busy = vmRef(sim, 'busy');
    const xapi = await connectedClient(sim);
    // A running VM cannot be exported: halt it for the export, then start it again.
    await xapi.call('VM.hard_shutdown', busy);
    const xva = await exportXva(sim, busy);
    await xapi.call('VM.start', busy, false, false);
    const before = counts(sim);
    const failure = await rejection(xapi.putResource(xva, '/import/', { query: { restore: 'true' } }));
    expect([failure.code, ...failure.params]).toEqual(['VM_BAD_POWER_STATE', busy, 'halted', 'running']);
    expect(counts(sim)).toEqual(before);
    expect(record(sim, busy).power_state).toBe('Running');
    // Without restore=true the same archive is a new VM.
    const [copy] = (await xapi.putResource(xva, '/import/', {})) as string[];
    expect(record(sim, copy!).uuid).not.toBe(record(sim, busy).uuid);
  });
});

describe('networks on another pool', () => {
  it('matches by name, then by bridge, else creates the archived network tagged with the import task', async () => {
    const a = await testSimulator({ http: true, pool: POOL_A });
    const xva = await exportXva(a, vmRef(a, 'app'));
    const b = await testSimulator({
      http: true,
      pool: { name: 'pool B', networks: [{ name: 'LAN', bridge: 'xenbr0' }, { name: 'DMZ', bridge: 'xenbr7' }] },
    });
    const xapi = await connectedClient(b);
    const task = await xapi.createTask('restore into B');
    const [vm] = (await xapi.putResource(xva, '/import/', { task })) as string[];
    const [first, second] = vifsOf(b, vm!).map((v) => networkOf(b, v));
    // eth0's network: no "Pool-wide network associated with eth0" here, but xenbr0 is LAN.
    expect(first!.name_label).toBe('LAN');
    expect((first!.other_config as Record<string, string>).import_task).toBeUndefined();
    // Storage: neither its name nor xenbr1 exists, so the import made it.
    expect(second).toMatchObject({ name_label: 'Storage', bridge: 'xenbr1', MTU: 1500 });
    expect((second!.other_config as Record<string, string>).import_task).toBe(task);
    expect(b.state.store.count('network')).toBe(3);
    // A second import finds the network the first one made, by name.
    const [again] = (await xapi.putResource(xva, '/import/', {})) as string[];
    expect(vifsOf(b, again!)[1]!.network).toBe(vifsOf(b, vm!)[1]!.network);
    expect(b.state.store.count('network')).toBe(3);
  });

  it('prefers the name over the bridge', async () => {
    const a = await testSimulator({ http: true, pool: POOL_A });
    const xva = await exportXva(a, vmRef(a, 'app'));
    const b = await testSimulator({ http: true, pool: { networks: [{ name: 'Other', bridge: 'xenbr1' }, { name: 'Storage', bridge: 'xenbr4' }, { name: 'Pool-wide network associated with eth0', bridge: 'xenbr9' }] } });
    const xapi = await connectedClient(b);
    const [vm] = (await xapi.putResource(xva, '/import/', {})) as string[];
    expect(vifsOf(b, vm!).map((v) => networkOf(b, v).name_label)).toEqual(['Pool-wide network associated with eth0', 'Storage']);
  });
});

describe('storage', () => {
  it('honours sr_id and takes the VDIs\' virtual sizes from the SR', async () => {
    const sim = await testSimulator({ http: true, pool: POOL_A });
    const xva = await exportXva(sim, vmRef(sim, 'app'));
    const nfs = sim.state.store.rows('SR').find((s) => s.record.name_label === 'NFS')!.ref;
    const usedBefore = Number(record(sim, nfs).physical_utilisation);
    const xapi = await connectedClient(sim);
    const [vm] = (await xapi.putResource(xva, '/import/', { query: { sr_id: nfs } })) as string[];
    const vdis = (record(sim, vm!).VBDs as string[]).map((r) => String(record(sim, r).VDI)).filter((r) => r !== 'OpaqueRef:NULL');
    expect(vdis).toHaveLength(2);
    for (const vdi of vdis) expect(record(sim, vdi).SR).toBe(nfs);
    expect(Number(record(sim, nfs).physical_utilisation)).toBe(usedBefore + 6 * 2 ** 20);
  });

  it('fails with SR_FULL [needed, available] when the SR lacks room, and creates nothing', async () => {
    const sim = await testSimulator({ http: true, pool: POOL_A });
    const xva = await exportXva(sim, vmRef(sim, 'app'));
    const local = sim.state.store.rows('SR').find((s) => s.record.name_label === 'Local storage')!.ref;
    const xapi = await connectedClient(sim);
    const used = Number(record(sim, local).physical_utilisation);
    await xapi.call('SR.set_physical_size', local, used + 5 * 2 ** 20);
    const before = counts(sim);
    const failure = await rejection(xapi.putResource(xva, '/import/', { query: { sr_id: local } }));
    expect([failure.code, ...failure.params]).toEqual(['SR_FULL', String(6 * 2 ** 20), String(5 * 2 ** 20)]);
    expect(counts(sim)).toEqual(before);
    expect(Number(record(sim, local).physical_utilisation)).toBe(used);
  });
});

describe('a failed import leaves nothing behind', () => {
  async function poolsForCreatedNetwork() {
    const a = await testSimulator({ http: true, pool: POOL_A });
    const xva = await exportXva(a, vmRef(a, 'app'));
    const b = await testSimulator({ http: true, pool: { networks: [{ name: 'LAN', bridge: 'xenbr5' }] } });
    return { xva, b };
  }

  it('task.cancel during the body: no VM, VDI, VBD, VIF or network of it stays', async () => {
    const { xva, b } = await poolsForCreatedNetwork();
    const xapi = await connectedClient(b);
    const before = counts(b);
    const usedBefore = b.state.store.rows('SR').map((s) => s.record.physical_utilisation);
    const task = await xapi.createTask('restore, then cancel');
    const body = Object.assign(new PassThrough(), { length: xva.length });
    const put = rejection(xapi.putResource(body, '/import/', { task }));
    // ova.xml and the first chunk, then nothing until the cancel.
    body.write(xva.subarray(0, xva.length >> 1));
    await whenStore(b, () => b.state.store.rows('VM').some((v) => Object.hasOwn(v.record.current_operations as object, task)));
    expect(b.state.store.count('network')).toBe(before.network! + 2);
    // Caught as it changes: xen-api destroys a task it watched once it is done.
    const outcome = new Promise<string>((resolve) => {
      const off = b.state.store.onChange(() => {
        const status = b.state.store.get(task)?.record.status;
        if (status !== 'pending') {
          off();
          resolve(String(status));
        }
      });
    });
    await xapi.call('task.cancel', task);
    expect(await outcome).toBe('cancelled');
    body.end(xva.subarray(xva.length >> 1));
    const failure = await put;
    expect(String(failure.code ?? failure)).toMatch(/TASK_CANCELLED|Cancel/);
    expect(counts(b)).toEqual(before);
    expect(b.state.store.rows('SR').map((s) => s.record.physical_utilisation)).toEqual(usedBefore);
  });

  it('a checksum error: the same', async () => {
    const { xva, b } = await poolsForCreatedNetwork();
    const ovaSize = parseInt(xva.subarray(124, 136).toString('latin1').replace(/\0.*$/, '').trim(), 8);
    const at = 512 + Math.ceil(ovaSize / 512) * 512 + 512 + 100;
    xva[at] = xva[at]! ^ 0xff;
    const xapi = await connectedClient(b);
    const before = counts(b);
    const failure = await rejection(xapi.putResource(xva, '/import/', {}));
    expect(failure.code).toBe('IMPORT_ERROR_SOME_CHECKSUMS_FAILED');
    expect(counts(b)).toEqual(before);
  });
});
