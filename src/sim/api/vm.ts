/**
 * The VM calls a backup makes (xapi-notes §3.1): VM.snapshot makes a template that is a
 * snapshot of the VM, with a new VDI per disk (sharing the disk's content until written) and new
 * VBDs whose other_config carries "owner" (what `xe vm-uninstall` keys on); VM.destroy removes the
 * VM, its VBDs, VIFs, consoles and metrics but keeps every VDI, as XAPI does.
 */
import { XapiFailure } from '../errors.js';
import type { Registry } from '../rpc/registry.js';
import type { SimState } from '../state.js';
import { NULL_REF, t, type Value } from '../schema/types.js';
import { xapiDateTime } from '../time.js';
import { snapshotVdi } from './vdi.js';

const VOID = { kind: 'void' } as const;

/** Field values a fresh copy of a VM must not inherit from its source. */
function snapshotFields(source: Record<string, Value>, name: string, vm: string): Record<string, Value> {
  return {
    name_label: name,
    is_a_snapshot: true,
    is_a_template: true,
    snapshot_of: vm,
    snapshot_time: xapiDateTime(),
    snapshots: [],
    power_state: 'Halted',
    resident_on: NULL_REF,
    scheduled_to_be_resident_on: NULL_REF,
    domid: -1,
    current_operations: {},
    allowed_operations: ['export', 'clone', 'copy', 'destroy'],
    parent: source.parent ?? NULL_REF,
    children: [],
    VBDs: [],
    VIFs: [],
    consoles: [],
    guest_metrics: NULL_REF,
  };
}

export function snapshotVm(sim: SimState, vm: string, name: string, ignoreVdis: string[] = []): string {
  const { store } = sim;
  const source = store.expect('VM', vm);
  if (source.record.is_a_template && !source.record.is_a_snapshot) throw new XapiFailure('VM_IS_TEMPLATE', [vm]);
  sim.faults.onSnapshot(source.record);
  const metrics = store.add('VM_metrics', {});
  const { uuid: _uuid, ...copy } = source.record;
  const snap = store.add('VM', { ...copy, ...snapshotFields(source.record, name, vm), metrics });
  for (const vbdRef of [...(source.record.VBDs as string[])]) {
    const vbd = store.get(vbdRef);
    if (!vbd) continue;
    const { uuid: _u, ...vbdCopy } = vbd.record;
    let vdi = String(vbd.record.VDI);
    const disk = vbd.record.type === 'Disk' && vdi !== NULL_REF;
    if (disk) {
      if (ignoreVdis.includes(vdi)) continue;
      vdi = snapshotVdi(sim, vdi);
    }
    const otherConfig = { ...(vbd.record.other_config as Record<string, Value>) };
    // The snapshot owns its new disks: `xe vm-uninstall` destroys exactly the VDIs so marked.
    if (disk) otherConfig.owner = 'true';
    store.add('VBD', { ...vbdCopy, VM: snap, VDI: vdi, currently_attached: false, current_operations: {}, other_config: otherConfig });
  }
  for (const vifRef of [...(source.record.VIFs as string[])]) {
    const vif = store.get(vifRef);
    if (!vif) continue;
    const { uuid: _u, ...vifCopy } = vif.record;
    store.add('VIF', { ...vifCopy, VM: snap, currently_attached: false, current_operations: {} });
  }
  return snap;
}

export function destroyVm(sim: SimState, vm: string): void {
  const { store } = sim;
  const row = store.expect('VM', vm);
  if (row.record.power_state !== 'Halted' && !row.record.is_a_snapshot) {
    throw new XapiFailure('VM_BAD_POWER_STATE', [vm, 'halted', String(row.record.power_state).toLowerCase()]);
  }
  for (const field of ['VBDs', 'VIFs', 'consoles'] as const) {
    // A copy: removing a VBD takes it out of this very set.
    for (const ref of [...((row.record[field] as string[] | undefined) ?? [])]) store.remove(ref);
  }
  for (const field of ['metrics', 'guest_metrics'] as const) {
    const ref = String(row.record[field]);
    if (ref !== NULL_REF) store.remove(ref);
  }
  store.remove(vm);
}

export function addVmMethods(registry: Registry): void {
  registry.add({
    name: 'VM.snapshot',
    params: [
      { name: 'vm', type: t.ref('VM') },
      { name: 'new_name', type: t.string },
      // Only XAPI 21.4+ takes ignore_vdis; XO retries without it on a count mismatch.
      { name: 'ignore_vdis', type: t.set(t.ref('VDI')) },
    ],
    optional: 1,
    returns: t.ref('VM'),
    mutating: true,
    run: ({ sim }, [vm, name, ignore]) => snapshotVm(sim, vm as string, name as string, (ignore as string[] | undefined) ?? []),
  });
  registry.add({
    name: 'VM.destroy',
    params: [{ name: 'self', type: t.ref('VM') }],
    returns: VOID,
    mutating: true,
    run: ({ sim }, [vm]) => destroyVm(sim, vm as string),
  });
}
