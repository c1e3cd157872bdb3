/**
 * The VM a delta restore recreates, from the ova.xml the simulator exports (vm-from-metadata.ts):
 * the VM.create record carries the archived vCPUs, memory, boot parameters and platform, never
 * our run's tags; the mac_seed only with --preserve; VBDs in their userdevices with the archived
 * VDI uuids; VIFs with their network's name and bridge.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildOvaXml } from '../../src/sim/http/ova-xml.js';
import { matchNetwork } from '../../src/restore/delta-import.js';
import { readVmMetadata, vmCreateRecord } from '../../src/restore/vm-from-metadata.js';
import { stopAll, testSimulator } from '../helpers/sim.js';

afterEach(stopAll);

describe('vm-from-metadata', () => {
  it('reads the VM, its VBDs and VIFs, and builds a VM.create record without our tags', async () => {
    const sim = await testSimulator();
    const store = sim.state.store;
    const vm = store.rows('VM').find((r) => r.record.name_label === 'web 01' && !r.record.is_a_snapshot)!;
    store.update(vm.ref, { other_config: { ...(vm.record.other_config as Record<string, string>), 'vmbackup:run': 'r1', mac_seed: 'seed-1', keep: 'me' } });
    const meta = readVmMetadata(buildOvaXml(store, vm.ref, { preservePowerState: false }).xml);
    expect(meta.name).toBe('web 01');
    const disks = meta.vbds.filter((v) => v.type === 'Disk');
    expect(disks.map((v) => v.userdevice)).toEqual(['0', '1']);
    const vdiUuids = (vm.record.VBDs as string[]).map((r) => store.get(r)!.record).filter((b) => b.type === 'Disk').map((b) => String(store.get(String(b.VDI))!.record.uuid));
    expect(disks.map((v) => v.vdiUuid)).toEqual(vdiUuids);
    expect(meta.vbds.filter((v) => v.type === 'CD').map((v) => v.vdiUuid)).toEqual([null]);
    expect(meta.vifs.length).toBe((vm.record.VIFs as string[]).length);
    expect(meta.vifs[0]!.network.name).not.toBe('');

    const record = vmCreateRecord(meta, { name: 'new name', keepMacs: false, otherConfig: {} });
    expect(record.name_label).toBe('new name');
    expect(record.is_a_template).toBe(false);
    for (const f of ['VCPUs_max', 'VCPUs_at_startup', 'memory_static_max', 'memory_dynamic_min', 'HVM_boot_policy', 'PV_bootloader']) expect(String(record[f]), f).toBe(String(vm.record[f]));
    expect(record.platform).toEqual(vm.record.platform);
    expect(record.HVM_boot_params).toEqual(vm.record.HVM_boot_params);
    expect(record.other_config).toEqual(expect.objectContaining({ keep: 'me' }));
    expect(Object.keys(record.other_config as object)).not.toContain('vmbackup:run');
    expect(Object.keys(record.other_config as object)).not.toContain('mac_seed');
    expect((vmCreateRecord(meta, { name: 'x', keepMacs: true, otherConfig: {} }).other_config as Record<string, string>).mac_seed).toBe('seed-1');
  });

  it('matches a network by name, then bridge; none: null', () => {
    const nets = [{ name: 'eth0 net', bridge: 'xenbr0' }, { name: 'other', bridge: 'xenbr1' }];
    expect(matchNetwork(nets, { name: 'other', bridge: 'xenbr0', description: '', mtu: '1500' })).toBe(nets[1]);
    expect(matchNetwork(nets, { name: 'gone', bridge: 'xenbr0', description: '', mtu: '1500' })).toBe(nets[0]);
    expect(matchNetwork(nets, { name: 'gone', bridge: '', description: '', mtu: '1500' })).toBeNull();
  });
});
