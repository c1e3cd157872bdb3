/**
 * The constructors a restore of a delta backup calls to rebuild a VM from its metadata
 * (delta-restore.md §A.7): VM.create and VIF.create, with VIF.destroy beside them.
 *
 * Each takes one struct, as XAPI's generated constructors do: the fields of the datamodel that
 * have no default must be there, or the call fails with FIELD_TYPE_ERROR [field] (our reading of
 * the generated unmarshalling; XAPI reports the first missing field); a value of the wrong type
 * fails the same way. Fields a constructor does not take (power_state, uuid, resident_on...) are
 * ignored, as XAPI ignores struct members it does not know. The new records reach clients
 * through event.from like any other (the store's generation).
 */
import { XapiFailure } from '../errors.js';
import type { Registry } from '../rpc/registry.js';
import { classByName } from '../schema/index.js';
import { t, type FieldType, type Value } from '../schema/types.js';
import type { SimState } from '../state.js';
import { randomMac } from './mac.js';
import { ALLOWED_OPS } from './vm-power.js';

/** VM fields without a default in the datamodel (datamodel_vm.ml): required by VM.create. */
export const VM_REQUIRED = [
  'name_label', 'name_description', 'user_version', 'is_a_template', 'affinity',
  'memory_static_max', 'memory_dynamic_max', 'memory_dynamic_min', 'memory_static_min',
  'VCPUs_params', 'VCPUs_max', 'VCPUs_at_startup',
  'actions_after_shutdown', 'actions_after_reboot', 'actions_after_crash',
  'PV_bootloader', 'PV_kernel', 'PV_ramdisk', 'PV_args', 'PV_bootloader_args', 'PV_legacy_args',
  'HVM_boot_policy', 'HVM_boot_params', 'platform', 'PCI_bus', 'other_config', 'recommendations',
] as const;

/** VM fields VM.create takes when given (they have defaults). */
const VM_OPTIONAL = [
  'memory_target', 'HVM_shadow_multiplier', 'xenstore_data', 'ha_always_run', 'ha_restart_priority', 'tags',
  'blocked_operations', 'protection_policy', 'is_snapshot_from_vmpp', 'snapshot_schedule', 'is_vmss_snapshot',
  'appliance', 'start_delay', 'shutdown_delay', 'order', 'suspend_SR', 'version', 'generation_id',
  'hardware_platform_version', 'has_vendor_device', 'reference_label', 'domain_type', 'NVRAM',
  'actions_after_softreboot', 'suspend_VDI', 'last_boot_CPU_flags', 'last_booted_record',
];

export const VIF_REQUIRED = ['device', 'network', 'VM', 'MAC', 'MTU', 'other_config', 'qos_algorithm_type', 'qos_algorithm_params'] as const;
const VIF_OPTIONAL = ['currently_attached', 'locking_mode', 'ipv4_allowed', 'ipv6_allowed'];

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

function typed(field: string, type: FieldType, value: unknown): Value {
  const bad = () => new XapiFailure('FIELD_TYPE_ERROR', [field]);
  switch (type.kind) {
    case 'int':
    case 'float': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || Number.isNaN(n)) throw bad();
      return n;
    }
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw bad();
    case 'enum':
      if (typeof value !== 'string' || !type.values.includes(value)) throw bad();
      return value;
    case 'string':
    case 'ref':
    case 'datetime':
      if (typeof value !== 'string') throw bad();
      return value;
    case 'set':
      if (!Array.isArray(value)) throw bad();
      return value.map((v) => typed(field, type.of, v));
    case 'map':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad();
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typed(field, type.value, v)]));
  }
}

/** The constructor's fields from `args`: required ones checked, all typed by the class schema. */
export function constructorFields(className: string, args: unknown, required: readonly string[], optional: readonly string[]): Record<string, Value> {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new XapiFailure('FIELD_TYPE_ERROR', ['args']);
  const given = args as Record<string, unknown>;
  const cls = classByName(className)!;
  const out: Record<string, Value> = {};
  for (const name of [...required, ...optional]) {
    const field = cls.fields.find((f) => f.name === name);
    if (!field) continue; // a datamodel field this simulator does not model
    if (!(name in given) || given[name] === undefined) {
      if (required.includes(name)) throw new XapiFailure('FIELD_TYPE_ERROR', [name]);
      continue;
    }
    out[name] = typed(name, field.type, given[name]);
  }
  return out;
}

export function createVm(sim: SimState, args: unknown): string {
  const fields = constructorFields('VM', args, VM_REQUIRED, VM_OPTIONAL);
  const affinity = String(fields.affinity);
  if (affinity !== 'OpaqueRef:NULL') sim.store.expect('host', affinity);
  const metrics = sim.store.add('VM_metrics', {});
  return sim.store.add('VM', { ...fields, power_state: 'Halted', allowed_operations: ALLOWED_OPS.Halted!, metrics });
}

export function createVif(sim: SimState, args: unknown): string {
  const fields = constructorFields('VIF', args, VIF_REQUIRED, VIF_OPTIONAL);
  const vm = sim.store.expect('VM', fields.VM);
  sim.store.expect('network', fields.network);
  const device = String(fields.device);
  if (!/^\d+$/.test(device)) throw new XapiFailure('INVALID_DEVICE', [device]);
  const taken = (vm.record.VIFs as string[]).some((vif) => sim.store.get(vif)?.record.device === device);
  if (taken) throw new XapiFailure('DEVICE_ALREADY_EXISTS', [device]);
  const mac = String(fields.MAC);
  if (mac !== '' && !MAC.test(mac)) throw new XapiFailure('MAC_INVALID', [mac]);
  return sim.store.add('VIF', {
    ...fields,
    MAC: mac === '' ? randomMac() : mac.toLowerCase(),
    MAC_autogenerated: mac === '',
    // A VIF of a halted VM is not plugged; XAPI plugs one made on a running VM only on VIF.plug.
    currently_attached: false,
    allowed_operations: ['attach'],
  });
}

export function addVmCreateMethods(registry: Registry): void {
  const any = { kind: 'any' } as const;
  registry.add({ name: 'VM.create', params: [{ name: 'args', type: any }], returns: t.ref('VM'), mutating: true, run: ({ sim }, [args]) => createVm(sim, args) });
  registry.add({ name: 'VIF.create', params: [{ name: 'args', type: any }], returns: t.ref('VIF'), mutating: true, run: ({ sim }, [args]) => createVif(sim, args) });
  registry.add({
    name: 'VIF.destroy',
    params: [{ name: 'self', type: t.ref('VIF') }],
    returns: { kind: 'void' },
    mutating: true,
    run: ({ sim }, [vif]) => {
      const row = sim.store.expect('VIF', vif);
      const vm = sim.store.get(String(row.record.VM));
      if (row.record.currently_attached === true && vm?.record.power_state === 'Running') throw new XapiFailure('OPERATION_NOT_ALLOWED', ['VIF is currently attached']);
      sim.store.remove(row.ref);
    },
  });
}
