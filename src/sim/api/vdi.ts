/**
 * The VDI calls of a backup (xapi-notes §3.2): VDI.snapshot (same SR, no VBDs, content shared
 * with the source until one of them is written), VDI.destroy (VDI_IN_USE while a VBD has it
 * attached), VDI.create for restores (SR_FULL when its virtual size does not fit; the content
 * starts as zeros). Each moves its SR's physical_utilisation (sr-usage.ts).
 */
import { XapiFailure } from '../errors.js';
import type { Registry } from '../rpc/registry.js';
import type { SimState } from '../state.js';
import { NULL_REF, t, type Value } from '../schema/types.js';
import { xapiDateTime } from '../time.js';
import { accountVdi, createVdi, removeVdi } from './sr-usage.js';

const VOID = { kind: 'void' } as const;

export function snapshotVdi(sim: SimState, vdi: string): string {
  const { store } = sim;
  const source = store.expect('VDI', vdi);
  sim.faults.onVdiSnapshot(source.record);
  const { uuid: _uuid, ...copy } = source.record;
  const snap = store.add('VDI', {
    ...copy,
    is_a_snapshot: true,
    snapshot_of: vdi,
    snapshot_time: xapiDateTime(),
    snapshots: [],
    VBDs: [],
    current_operations: {},
    other_config: { ...(source.record.other_config as Record<string, Value>) },
  });
  // SM names a snapshot's file after the snapshot's own uuid, as it does every VDI's.
  if (source.record.location === source.record.uuid) store.update(snap, { location: String(store.get(snap)!.record.uuid) });
  sim.disks.share(vdi, snap);
  accountVdi(sim, snap, 1);
  return snap;
}

export function destroyVdi(sim: SimState, vdi: string): void {
  const { store } = sim;
  const row = store.expect('VDI', vdi);
  const attached = (row.record.VBDs as string[]).some((vbd) => store.get(vbd)?.record.currently_attached === true);
  if (attached || sim.faults.vdiInUse(row.record)) throw new XapiFailure('VDI_IN_USE', [vdi, 'destroy']);
  // A copy: pointing a VBD elsewhere takes it out of this very set.
  for (const vbd of [...(row.record.VBDs as string[])]) {
    if (store.get(vbd)) store.update(vbd, { VDI: NULL_REF, empty: true });
  }
  removeVdi(sim, vdi);
}

/**
 * VDI.data_destroy (xapi-notes §3.5): frees a CBT-enabled snapshot's data and keeps its CBT
 * metadata; the VDI's type becomes cbt_metadata, and it can no longer be a `base=` (§E.6).
 * VDI.enable_cbt / disable_cbt set the flag data_destroy needs (no changed-block log is kept).
 */
export function dataDestroyVdi(sim: SimState, vdi: string): void {
  const row = sim.store.expect('VDI', vdi);
  if (!row.record.is_a_snapshot || row.record.cbt_enabled !== true) throw new XapiFailure('VDI_NO_CBT_METADATA', [vdi]);
  const attached = (row.record.VBDs as string[]).some((vbd) => sim.store.get(vbd)?.record.currently_attached === true);
  if (attached) throw new XapiFailure('VDI_IN_USE', [vdi, 'data_destroy']);
  sim.store.update(vdi, { type: 'cbt_metadata', physical_utilisation: 0 });
  sim.disks.createEmpty(vdi, Number(row.record.virtual_size));
}

export function addVdiMethods(registry: Registry): void {
  registry.add({
    name: 'VDI.data_destroy',
    params: [{ name: 'self', type: t.ref('VDI') }],
    returns: VOID,
    mutating: true,
    run: ({ sim }, [vdi]) => dataDestroyVdi(sim, vdi as string),
  });
  for (const [name, on] of [['VDI.enable_cbt', true], ['VDI.disable_cbt', false]] as const) {
    registry.add({
      name,
      params: [{ name: 'self', type: t.ref('VDI') }],
      returns: VOID,
      mutating: true,
      run: ({ sim }, [vdi]) => {
        const row = sim.store.expect('VDI', vdi);
        // XAPI refuses CBT on snapshots (and raw VDIs): only the live disk turns it on or off.
        if (row.record.is_a_snapshot) throw new XapiFailure('VDI_INCOMPATIBLE_TYPE', [row.ref, 'snapshot']);
        sim.store.update(row.ref, { cbt_enabled: on });
      },
    });
  }
  registry.add({
    name: 'VDI.snapshot',
    params: [
      { name: 'vdi', type: t.ref('VDI') },
      { name: 'driver_params', type: t.map(t.string, t.string) },
    ],
    optional: 1,
    returns: t.ref('VDI'),
    mutating: true,
    run: ({ sim }, [vdi]) => snapshotVdi(sim, vdi as string),
  });
  registry.add({
    name: 'VDI.destroy',
    params: [{ name: 'self', type: t.ref('VDI') }],
    returns: VOID,
    mutating: true,
    run: ({ sim }, [vdi]) => destroyVdi(sim, vdi as string),
  });
  registry.add({
    name: 'VDI.create',
    params: [{ name: 'args', type: { kind: 'any' } }],
    returns: t.ref('VDI'),
    mutating: true,
    run: ({ sim }, [args]) => {
      if (typeof args !== 'object' || args === null) throw new XapiFailure('FIELD_TYPE_ERROR', ['args']);
      const fields = args as Record<string, Value>;
      const sr = sim.store.expect('SR', fields.SR).ref;
      const size = Number(fields.virtual_size ?? 0);
      if (!Number.isSafeInteger(size) || size < 0) throw new XapiFailure('FIELD_TYPE_ERROR', ['virtual_size']);
      const ref = createVdi(sim, {
        name_label: String(fields.name_label ?? ''),
        name_description: String(fields.name_description ?? ''),
        SR: sr,
        virtual_size: size,
        type: String(fields.type ?? 'user'),
        sharable: fields.sharable === true || fields.sharable === 'true',
        read_only: fields.read_only === true || fields.read_only === 'true',
        other_config: (fields.other_config as Record<string, Value> | undefined) ?? {},
        sm_config: (fields.sm_config as Record<string, Value> | undefined) ?? {},
        tags: (fields.tags as Value[] | undefined) ?? [],
        managed: true,
      });
      return ref;
    },
  });
}
