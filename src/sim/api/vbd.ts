/**
 * Plugging a restored disk into a VM: VBD.create (a record, as XAPI takes it; one userdevice per
 * VM, DEVICE_ALREADY_EXISTS otherwise, "autodetect" takes the first free one), VBD.destroy, and
 * VM.get_allowed_VBD_devices (the free userdevice numbers). A VBD is created unplugged
 * (currently_attached false), whatever the VM's power state, as XAPI does without VBD.plug.
 */
import { XapiFailure } from '../errors.js';
import type { Registry } from '../rpc/registry.js';
import { NULL_REF, t, type Value } from '../schema/types.js';
import type { SimState } from '../state.js';

const VOID = { kind: 'void' } as const;

/** The userdevice numbers a VM may use (XAPI's PV range; HVM guests with PV drivers use the same). */
const DEVICE_COUNT = 16;

function usedDevices(sim: SimState, vm: string): Set<string> {
  const row = sim.store.expect('VM', vm);
  return new Set((row.record.VBDs as string[]).map((vbd) => String(sim.store.get(vbd)?.record.userdevice ?? '')));
}

export function allowedVbdDevices(sim: SimState, vm: string): string[] {
  const used = usedDevices(sim, vm);
  return Array.from({ length: DEVICE_COUNT }, (_, i) => String(i)).filter((d) => !used.has(d));
}

const asBool = (value: Value | undefined, fallback: boolean) => (value === undefined ? fallback : value === true || value === 'true');

export function createVbd(sim: SimState, fields: Record<string, Value>): string {
  const vm = sim.store.expect('VM', fields.VM).ref;
  const empty = asBool(fields.empty, false);
  const vdi = fields.VDI === undefined || fields.VDI === '' ? NULL_REF : String(fields.VDI);
  if (vdi !== NULL_REF) sim.store.expect('VDI', vdi);
  else if (!empty) throw new XapiFailure('HANDLE_INVALID', ['VDI', vdi]);
  const type = String(fields.type ?? 'Disk');
  if (!['Disk', 'CD', 'Floppy'].includes(type)) throw new XapiFailure('INVALID_VALUE', ['type', type]);
  const mode = String(fields.mode ?? 'RW');
  if (mode !== 'RW' && mode !== 'RO') throw new XapiFailure('INVALID_VALUE', ['mode', mode]);
  let userdevice = String(fields.userdevice ?? '');
  if (userdevice === 'autodetect') {
    userdevice = allowedVbdDevices(sim, vm)[0] ?? '';
    if (userdevice === '') throw new XapiFailure('INVALID_DEVICE', ['autodetect']);
  } else {
    const n = Number(userdevice);
    if (!/^\d+$/.test(userdevice) || n >= DEVICE_COUNT) throw new XapiFailure('INVALID_DEVICE', [userdevice]);
    if (usedDevices(sim, vm).has(userdevice)) throw new XapiFailure('DEVICE_ALREADY_EXISTS', [userdevice]);
  }
  return sim.store.add('VBD', {
    VM: vm,
    VDI: vdi,
    userdevice,
    device: '',
    bootable: asBool(fields.bootable, false),
    mode,
    type,
    empty,
    unpluggable: asBool(fields.unpluggable, true),
    currently_attached: false,
    other_config: (fields.other_config as Record<string, Value> | undefined) ?? {},
    qos_algorithm_type: String(fields.qos_algorithm_type ?? ''),
    qos_algorithm_params: (fields.qos_algorithm_params as Record<string, Value> | undefined) ?? {},
  });
}

export function destroyVbd(sim: SimState, vbd: string): void {
  const row = sim.store.expect('VBD', vbd);
  // XAPI refuses to destroy a plugged VBD of a running VM; unplug first.
  if (row.record.currently_attached === true) {
    const vm = sim.store.get(String(row.record.VM));
    if (vm && vm.record.power_state !== 'Halted') throw new XapiFailure('DEVICE_ALREADY_ATTACHED', [vbd]);
  }
  sim.store.remove(vbd);
}

function setPlugged(sim: SimState, vbd: string, plug: boolean): void {
  const row = sim.store.expect('VBD', vbd);
  const vm = sim.store.expect('VM', String(row.record.VM));
  const state = String(vm.record.power_state);
  if (state !== 'Running' && state !== 'Paused') throw new XapiFailure('VM_BAD_POWER_STATE', [vm.ref, 'running', state.toLowerCase()]);
  if (row.record.currently_attached === plug) throw new XapiFailure(plug ? 'DEVICE_ALREADY_ATTACHED' : 'DEVICE_ALREADY_DETACHED', [vbd]);
  sim.store.update(vbd, { currently_attached: plug });
}

export function addVbdMethods(registry: Registry): void {
  registry.add({
    name: 'VBD.create',
    params: [{ name: 'args', type: { kind: 'any' } }],
    returns: t.ref('VBD'),
    mutating: true,
    run: ({ sim }, [args]) => {
      if (typeof args !== 'object' || args === null) throw new XapiFailure('FIELD_TYPE_ERROR', ['args']);
      return createVbd(sim, args as Record<string, Value>);
    },
  });
  registry.add({
    name: 'VBD.destroy',
    params: [{ name: 'self', type: t.ref('VBD') }],
    returns: VOID,
    mutating: true,
    run: ({ sim }, [vbd]) => destroyVbd(sim, vbd as string),
  });
  // Hot-plug: XAPI plugs a VBD only into a running (or paused) VM, and refuses a second plug.
  registry.add({
    name: 'VBD.plug',
    params: [{ name: 'self', type: t.ref('VBD') }],
    returns: VOID,
    mutating: true,
    run: ({ sim }, [vbd]) => setPlugged(sim, vbd as string, true),
  });
  registry.add({
    name: 'VBD.unplug',
    params: [{ name: 'self', type: t.ref('VBD') }],
    returns: VOID,
    mutating: true,
    run: ({ sim }, [vbd]) => setPlugged(sim, vbd as string, false),
  });
  registry.add({
    name: 'VM.get_allowed_VBD_devices',
    params: [{ name: 'vm', type: t.ref('VM') }],
    returns: t.set(t.string),
    run: ({ sim }, [vm]) => allowedVbdDevices(sim, vm as string),
  });
}
