/**
 * A VM to recreate from its `ova.xml` (the XVA's XML-RPC metadata, which a delta backup keeps
 * beside its VHDs): the VM.create record (vCPUs, memory, HVM/PV boot parameters, platform...),
 * its VBDs (userdevice, bootable, mode; CD drives come back empty) and its VIFs (device, MAC,
 * MTU, the archived network's name and bridge, for matching on the pool). Pure.
 *
 * The archived VM is the backup's snapshot: `is_a_snapshot`, its name the snapshot's, our run's
 * tags in other_config. None of that is copied; the name is the restore's (vm.cfg, as other
 * restores). Without --preserve the mac_seed is dropped, so XAPI makes a new one (VM.create does
 * when it is missing) and each VIF's MAC is left empty (XAPI derives a new one).
 */
import { parseXmlRpc } from '../formats/ova-xml.js';

type Loose = Record<string, unknown>;

export interface ArchivedVbd {
  /** The archived VDI's uuid (a snapshot VDI: the record's snapshotVdi); null for an empty drive. */
  vdiUuid: string | null;
  userdevice: string;
  bootable: boolean;
  mode: 'RO' | 'RW';
  type: 'Disk' | 'CD' | 'Floppy';
  unpluggable: boolean;
  otherConfig: Record<string, string>;
  qosAlgorithmType: string;
  qosAlgorithmParams: Record<string, string>;
}

export interface ArchivedVif {
  device: string;
  mac: string;
  mtu: string;
  otherConfig: Record<string, string>;
  qosAlgorithmType: string;
  qosAlgorithmParams: Record<string, string>;
  lockingMode: string | null;
  network: { name: string; bridge: string; description: string; mtu: string };
}

export interface VmMetadata {
  /** The archived VM's uuid and name (the backup snapshot's). */
  uuid: string;
  name: string;
  vbds: ArchivedVbd[];
  vifs: ArchivedVif[];
  /** The record of the archived VM as ova.xml has it, strings as they are. */
  record: Loose;
}

/** Keys of our backup runs (snapshots.ts, the delta base mark): never on a restored VM. */
const OUR_KEYS = /^vmbackup:/;

const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const bool = (v: unknown): boolean => v === true || v === '1' || v === 'true';
const map = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) out[k] = text(x);
  return out;
};
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(text) : []);

interface OvaObject {
  class: string;
  id: string;
  snapshot: Loose;
}

export function readVmMetadata(xml: string): VmMetadata {
  const root = parseXmlRpc(xml) as { objects?: unknown };
  const objects = (Array.isArray(root?.objects) ? root.objects : []) as OvaObject[];
  const byId = new Map(objects.map((o) => [text(o.id), o]));
  // A metadata export may carry the VM's snapshots too (export_snapshots): the VM is the one
  // that is not a snapshot, and only its own devices count.
  const vms = objects.filter((o) => o.class === 'VM' && o.snapshot);
  const vm = vms.find((o) => !bool(o.snapshot.is_a_snapshot) && !bool(o.snapshot.is_a_template)) ?? vms[0];
  if (!vm?.snapshot) throw new Error('ova.xml holds no VM');
  const ownedBy = (o: OvaObject) => o.snapshot.VM === undefined || text(o.snapshot.VM) === text(vm.id);
  const vbds: ArchivedVbd[] = objects
    .filter((o) => o.class === 'VBD' && o.snapshot && ownedBy(o))
    .map((o) => {
      const s = o.snapshot;
      const vdi = byId.get(text(s.VDI));
      const type = text(s.type);
      return {
        vdiUuid: vdi?.class === 'VDI' && !bool(s.empty) ? text(vdi.snapshot.uuid) || null : null,
        userdevice: text(s.userdevice),
        bootable: bool(s.bootable),
        mode: text(s.mode) === 'RO' ? 'RO' : 'RW',
        type: type === 'CD' || type === 'Floppy' ? type : 'Disk',
        unpluggable: bool(s.unpluggable),
        otherConfig: map(s.other_config),
        qosAlgorithmType: text(s.qos_algorithm_type),
        qosAlgorithmParams: map(s.qos_algorithm_params),
      } satisfies ArchivedVbd;
    });
  const vifs: ArchivedVif[] = objects
    .filter((o) => o.class === 'VIF' && o.snapshot && ownedBy(o))
    .map((o) => {
      const s = o.snapshot;
      const net = byId.get(text(s.network))?.snapshot ?? {};
      return {
        device: text(s.device),
        mac: text(s.MAC),
        mtu: text(s.MTU) || '1500',
        otherConfig: map(s.other_config),
        qosAlgorithmType: text(s.qos_algorithm_type),
        qosAlgorithmParams: map(s.qos_algorithm_params),
        lockingMode: text(s.locking_mode) || null,
        network: { name: text(net.name_label), bridge: text(net.bridge), description: text(net.name_description), mtu: text(net.MTU) || '1500' },
      };
    })
    .sort((a, b) => Number(a.device) - Number(b.device));
  return { uuid: text(vm.snapshot.uuid), name: text(vm.snapshot.name_label), vbds, vifs, record: vm.snapshot };
}

/** Fields copied as text (XAPI reads ints, int64s included, from strings on both transports). */
const TEXT_FIELDS = [
  'name_description', 'user_version', 'memory_static_max', 'memory_dynamic_max', 'memory_dynamic_min', 'memory_static_min',
  'VCPUs_max', 'VCPUs_at_startup', 'actions_after_shutdown', 'actions_after_reboot', 'actions_after_crash',
  'PV_bootloader', 'PV_kernel', 'PV_ramdisk', 'PV_args', 'PV_bootloader_args', 'PV_legacy_args', 'HVM_boot_policy',
  'PCI_bus', 'recommendations', 'ha_restart_priority', 'start_delay', 'shutdown_delay', 'order', 'generation_id',
  'hardware_platform_version', 'domain_type', 'reference_label',
] as const;
const MAP_FIELDS = ['VCPUs_params', 'HVM_boot_params', 'platform', 'xenstore_data', 'blocked_operations', 'NVRAM'] as const;
/** Fields VM.create cannot do without on older XAPIs: present even when ova.xml lacks them. */
const REQUIRED_TEXT = new Set(['user_version', 'memory_static_max', 'memory_dynamic_max', 'memory_dynamic_min', 'memory_static_min', 'VCPUs_max', 'VCPUs_at_startup', 'actions_after_shutdown', 'actions_after_reboot', 'actions_after_crash', 'PV_bootloader', 'PV_kernel', 'PV_ramdisk', 'PV_args', 'PV_bootloader_args', 'PV_legacy_args', 'HVM_boot_policy', 'PCI_bus', 'recommendations']);
const DEFAULTS: Record<string, string> = { user_version: '1', actions_after_shutdown: 'destroy', actions_after_reboot: 'restart', actions_after_crash: 'restart' };

/** The VM.create argument for `name`, from the archived record. Pure. */
export function vmCreateRecord(meta: VmMetadata, opts: { name: string; keepMacs: boolean; otherConfig: Record<string, string> }): Record<string, unknown> {
  const r = meta.record;
  const out: Record<string, unknown> = { name_label: opts.name, is_a_template: false, ha_always_run: false, affinity: 'OpaqueRef:NULL', suspend_SR: 'OpaqueRef:NULL', tags: list(r.tags) };
  for (const f of TEXT_FIELDS) {
    if (typeof r[f] === 'string') out[f] = r[f];
    else if (REQUIRED_TEXT.has(f)) out[f] = DEFAULTS[f] ?? '';
  }
  for (const f of MAP_FIELDS) if (r[f] !== undefined || f !== 'NVRAM') out[f] = map(r[f]);
  if (typeof r.has_vendor_device === 'string') out.has_vendor_device = bool(r.has_vendor_device);
  // A float: sent only when it is not XAPI's default (1.0), whose text "1" some transports misread.
  const shadow = Number(text(r.HVM_shadow_multiplier));
  if (Number.isFinite(shadow) && shadow > 0 && shadow !== 1) out.HVM_shadow_multiplier = shadow;
  const otherConfig = Object.fromEntries(Object.entries(map(r.other_config)).filter(([k]) => !OUR_KEYS.test(k) && k !== 'import_task' && (opts.keepMacs || k !== 'mac_seed')));
  out.other_config = { ...otherConfig, ...opts.otherConfig };
  return out;
}
