/**
 * VM power changes a restore needs: VM.start (Halted → Running, or Paused with start_paused) and
 * VM.clean_shutdown / VM.hard_shutdown back to Halted. Each is a plain record change, so clients
 * see it through event.from like any other: power_state, domid, resident_on, the devices'
 * currently_attached, the metrics. Refusals are XAPI's: VM_BAD_POWER_STATE [vm, expected,
 * actual] (lowercase), VM_IS_TEMPLATE [vm], OTHER_OPERATION_IN_PROGRESS while an import holds it.
 */
import { XapiFailure } from '../errors.js';
import type { Registry } from '../rpc/registry.js';
import { NULL_REF, t, type Value } from '../schema/types.js';
import type { SimState } from '../state.js';
import { xapiDateTime } from '../time.js';

const VOID = { kind: 'void' } as const;

/** What XAPI allows per power state (a subset; enough for clients that look). */
export const ALLOWED_OPS: Record<string, string[]> = {
  Halted: ['start', 'start_on', 'clone', 'copy', 'snapshot', 'export', 'destroy', 'changing_memory_limits'],
  Running: ['clean_shutdown', 'hard_shutdown', 'clean_reboot', 'hard_reboot', 'suspend', 'snapshot', 'checkpoint', 'pool_migrate'],
  Suspended: ['resume', 'resume_on', 'hard_shutdown', 'snapshot', 'export'],
  Paused: ['unpause', 'hard_shutdown', 'hard_reboot', 'snapshot'],
};

function usable(sim: SimState, vm: string, expected: string[]) {
  const row = sim.store.expect('VM', vm);
  const r = row.record;
  if (r.is_a_template === true || r.is_a_snapshot === true) throw new XapiFailure('VM_IS_TEMPLATE', [vm]);
  const busy = Object.entries(r.current_operations as Record<string, Value>)[0];
  if (busy) throw new XapiFailure('OTHER_OPERATION_IN_PROGRESS', ['VM', vm, String(busy[1]), busy[0]]);
  const state = String(r.power_state);
  if (!expected.includes(state)) throw new XapiFailure('VM_BAD_POWER_STATE', [vm, expected.map((s) => s.toLowerCase()).join(', '), state.toLowerCase()]);
  return row;
}

function setDevicesAttached(sim: SimState, vm: Record<string, Value>, attached: boolean): void {
  for (const field of ['VBDs', 'VIFs'] as const) {
    for (const ref of vm[field] as string[]) if (sim.store.get(ref)) sim.store.update(ref, { currently_attached: attached });
  }
}

export function startVm(sim: SimState, vm: string, paused: boolean): void {
  const row = usable(sim, vm, ['Halted']);
  const master = sim.store.get(String(sim.store.rows('pool')[0]?.record.master));
  const domids = sim.store.rows('VM').map((v) => Number(v.record.domid));
  const state = paused ? 'Paused' : 'Running';
  const memory = Number(row.record.memory_dynamic_max ?? row.record.memory_static_max);
  setDevicesAttached(sim, row.record, true);
  const metrics = String(row.record.metrics);
  if (sim.store.get(metrics)) {
    sim.store.update(metrics, { start_time: xapiDateTime(), memory_actual: memory, VCPUs_number: Number(row.record.VCPUs_at_startup), state: [] });
  }
  sim.store.update(vm, {
    power_state: state,
    domid: Math.max(0, ...domids) + 1,
    resident_on: master?.ref ?? NULL_REF,
    memory_target: memory,
    allowed_operations: ALLOWED_OPS[state] ?? [],
  });
}

export function shutdownVm(sim: SimState, vm: string, clean: boolean): void {
  const row = usable(sim, vm, clean ? ['Running'] : ['Running', 'Paused', 'Suspended']);
  setDevicesAttached(sim, row.record, false);
  const metrics = String(row.record.metrics);
  if (sim.store.get(metrics)) sim.store.update(metrics, { memory_actual: 0, VCPUs_number: 0 });
  sim.store.update(vm, { power_state: 'Halted', domid: -1, resident_on: NULL_REF, memory_target: 0, allowed_operations: ALLOWED_OPS.Halted! });
}

export function addVmPowerMethods(registry: Registry): void {
  registry.add({
    name: 'VM.start',
    params: [
      { name: 'vm', type: t.ref('VM') },
      { name: 'start_paused', type: t.bool },
      { name: 'force', type: t.bool },
    ],
    returns: VOID,
    mutating: true,
    run: ({ sim }, [vm, paused]) => startVm(sim, vm as string, paused === true),
  });
  for (const [name, clean] of [
    ['VM.clean_shutdown', true],
    ['VM.hard_shutdown', false],
  ] as const) {
    registry.add({
      name,
      params: [{ name: 'vm', type: t.ref('VM') }],
      returns: VOID,
      mutating: true,
      run: ({ sim }, [vm]) => shutdownVm(sim, vm as string, clean),
    });
  }
}
