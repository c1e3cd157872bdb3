/**
 * Turns a PoolFixture into XAPI records: pool, hosts (each with metrics, a control domain, a
 * PIF per network, a PBD per SR), SRs, networks, VMs with metrics, disks (VDI + VBD, owner
 * other_config as `xe vm-install` leaves it), an empty CD drive, VIFs, and snapshots. Values
 * follow what a real XCP-ng 8.2 pool returns, so clients see familiar records.
 */
import { randomMac as mac } from '../api/mac.js';
import { snapshotVm } from '../api/vm.js';
import { ALLOWED_OPS } from '../api/vm-power.js';
import { XapiFailure } from '../errors.js';
import { GeneratedContent, seedOf } from '../disks/content.js';
import { NULL_REF, type Value } from '../schema/types.js';
import type { SimState } from '../state.js';
import { xapiDateTime } from '../time.js';
import { parseSize, type PoolFixture, type VmSpec } from './fixture.js';

const GiB = 2 ** 30;

interface Built {
  hosts: Map<string, string>;
  srs: Map<string, string>;
  networks: Map<string, string>;
  defaultSr: string;
}

function buildInfrastructure(sim: SimState, fixture: PoolFixture): Built {
  const { store } = sim;
  const hostNames = fixture.hosts?.length ? fixture.hosts.map((h) => h.name) : ['xcp-ng-1'];
  const hosts = new Map<string, string>();
  for (const name of hostNames) {
    const metrics = store.add('host_metrics', { memory_total: 256 * GiB, memory_free: 128 * GiB, live: true, last_updated: xapiDateTime() });
    const host = store.add('host', {
      name_label: name,
      hostname: name,
      enabled: true,
      metrics,
      API_version_major: 2,
      API_version_minor: 20,
      API_version_vendor: 'XenSource',
      software_version: { product_version: '8.2.1', product_brand: 'XCP-ng', platform_name: 'XCP', xapi: '1.20', xen: '4.13.5' },
      cpu_info: { cpu_count: '32', socket_count: '2', vendor: 'GenuineIntel', modelname: 'Intel(R) Xeon(R) Silver 4216 CPU @ 2.10GHz' },
      other_config: { agent_start_time: String(Date.now() / 1000), boot_time: String(Math.floor(Date.now() / 1000) - 864000) },
    });
    hosts.set(name, host);
    store.add('VM', {
      name_label: `Control domain on host: ${name}`,
      is_control_domain: true,
      power_state: 'Running',
      resident_on: host,
      domid: 0,
      memory_static_max: 4 * GiB,
      memory_dynamic_max: 4 * GiB,
      memory_target: 4 * GiB,
      VCPUs_max: 8,
      VCPUs_at_startup: 8,
      metrics: store.add('VM_metrics', { memory_actual: 4 * GiB, VCPUs_number: 8 }),
    });
  }
  const master = hosts.get(hostNames[0]!)!;

  const srs = new Map<string, string>();
  const srSpecs = fixture.srs?.length ? fixture.srs : [{ name: 'Local storage', type: 'ext', size: '2TiB', default: true }];
  for (const spec of srSpecs) {
    const size = parseSize(spec.size ?? '2TiB');
    const sr = store.add('SR', { name_label: spec.name, type: spec.type ?? 'ext', content_type: 'user', shared: spec.shared ?? false, physical_size: size });
    const owner = spec.host === undefined ? master : hosts.get(spec.host);
    if (owner === undefined) throw new XapiFailure('INTERNAL_ERROR', [`pool fixture: SR "${spec.name}" is on host "${spec.host}", which is not in hosts`]);
    for (const host of spec.shared ? hosts.values() : [owner]) store.add('PBD', { SR: sr, host, currently_attached: true, device_config: {} });
    srs.set(spec.name, sr);
  }
  const defaultName = srSpecs.find((s) => s.default)?.name ?? srSpecs[0]!.name;

  const networks = new Map<string, string>();
  const netSpecs = fixture.networks?.length ? fixture.networks : [{ name: 'Pool-wide network associated with eth0', bridge: 'xenbr0' }];
  netSpecs.forEach((spec, i) => {
    const network = store.add('network', { name_label: spec.name, bridge: spec.bridge ?? `xenbr${i}`, MTU: 1500 });
    for (const host of hosts.values()) {
      store.add('PIF', { device: `eth${i}`, host, network, MAC: mac(), MTU: 1500, management: i === 0, currently_attached: true, physical: true, ip_configuration_mode: 'DHCP' });
    }
    networks.set(spec.name, network);
  });

  const defaultSr = srs.get(defaultName)!;
  store.add('pool', { name_label: fixture.name ?? '', master, default_SR: defaultSr, suspend_image_SR: defaultSr, crash_dump_SR: defaultSr });
  return { hosts, srs, networks, defaultSr };
}

function buildVm(sim: SimState, spec: VmSpec, built: Built): string {
  const { store } = sim;
  const power = spec.template ? 'Halted' : (spec.power ?? 'Halted');
  const running = power === 'Running' || power === 'Paused';
  const memory = parseSize(spec.memory ?? '2GiB');
  const vcpus = spec.vcpus ?? 2;
  const host = running || power === 'Suspended' ? (built.hosts.get(spec.host ?? '') ?? [...built.hosts.values()][0]!) : NULL_REF;
  const vm = store.add('VM', {
    ...(spec.uuid ? { uuid: spec.uuid } : {}),
    name_label: spec.name,
    name_description: spec.description ?? '',
    power_state: power,
    is_a_template: spec.template ?? false,
    resident_on: running ? host : NULL_REF,
    domid: running ? 1 + store.count('VM') : -1,
    memory_static_max: memory,
    memory_dynamic_max: memory,
    memory_dynamic_min: memory,
    memory_static_min: Math.min(memory, 512 * 2 ** 20),
    memory_target: running ? memory : 0,
    VCPUs_max: vcpus,
    VCPUs_at_startup: vcpus,
    HVM_boot_policy: 'BIOS order',
    HVM_boot_params: { order: 'cd' },
    platform: { viridian: 'true', acpi: '1', apic: 'true', pae: 'true', nx: 'true' },
    allowed_operations: ALLOWED_OPS[power] ?? [],
    tags: spec.tags ?? [],
    other_config: spec.other_config ?? {},
    user_version: 1,
    metrics: store.add('VM_metrics', { memory_actual: running ? memory : 0, VCPUs_number: running ? vcpus : 0, state: [], start_time: xapiDateTime() }),
    guest_metrics: running ? store.add('VM_guest_metrics', { os_version: { name: 'Debian GNU/Linux 12 (bookworm)', distro: 'debian', major: '12' }, PV_drivers_detected: true }) : NULL_REF,
  });
  (spec.disks ?? []).forEach((disk, i) => {
    const size = parseSize(disk.size);
    const sr = built.srs.get(disk.sr ?? '') ?? built.defaultSr;
    const vdi = store.add('VDI', {
      name_label: disk.name ?? `${spec.name} ${i === 0 ? 'root' : `disk ${i}`}`,
      SR: sr,
      virtual_size: size,
      type: i === 0 ? 'system' : 'user',
      managed: true,
      location: '',
      sm_config: { vdi_type: 'vhd' },
    });
    const content = new GeneratedContent(seedOf(String(store.get(vdi)!.record.uuid)), size, disk.density ?? 0.5);
    sim.disks.set(vdi, content);
    store.update(vdi, { physical_utilisation: content.allocatedBytes(), location: String(store.get(vdi)!.record.uuid) });
    store.add('VBD', {
      VM: vm,
      VDI: vdi,
      device: disk.device ?? `xvd${String.fromCharCode(97 + (i >= 3 ? i + 1 : i))}`,
      userdevice: String(i >= 3 ? i + 1 : i),
      bootable: i === 0,
      mode: 'RW',
      type: 'Disk',
      empty: false,
      currently_attached: running,
      other_config: { owner: 'true' },
    });
  });
  if (spec.cd ?? true) {
    store.add('VBD', { VM: vm, VDI: NULL_REF, device: 'xvdd', userdevice: '3', bootable: false, mode: 'RO', type: 'CD', empty: true, currently_attached: running });
  }
  (spec.networks ?? [[...built.networks.keys()][0]!]).forEach((name, i) => {
    const network = built.networks.get(name);
    // A misspelt name must not quietly land on another network: tests build pools whose
    // network names differ on purpose (a restore into another pool).
    if (network === undefined) throw new XapiFailure('INTERNAL_ERROR', [`pool fixture: VM "${spec.name}" names network "${name}", which is not in networks`]);
    store.add('VIF', { VM: vm, network, device: String(i), MAC: mac(), MTU: 1500, currently_attached: running });
  });
  for (const name of spec.snapshots ?? []) snapshotVm(sim, vm, name);
  return vm;
}

/** Builds the whole pool into the (empty) store of `sim`. */
export function buildPool(sim: SimState, fixture: PoolFixture): void {
  const built = buildInfrastructure(sim, fixture);
  for (const spec of fixture.vms ?? []) buildVm(sim, spec, built);
  for (const [, sr] of built.srs) {
    const vdis = sim.store.rows('VDI').filter((v) => v.record.SR === sr);
    const used = vdis.reduce((sum, v) => sum + Number(v.record.physical_utilisation), 0);
    const virtual = vdis.reduce((sum, v) => sum + Number(v.record.virtual_size), 0);
    sim.store.update(sr, { physical_utilisation: used, virtual_allocation: virtual } as Record<string, Value>);
  }
}
