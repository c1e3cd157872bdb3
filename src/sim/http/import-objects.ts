/**
 * The objects an XVA import creates from ova.xml (XAPI's import.ml; delta-restore.md §B.4),
 * decided as soon as ova.xml arrives, before any disk data:
 *
 * - the target SR must have room for the VDIs' virtual sizes, else SR_FULL [needed, available];
 * - without restore=true the VM gets a fresh uuid, every VIF a new MAC and other_config a new
 *   mac_seed; with it the archived VM uuid (and VBD/VIF uuids), MACs and mac_seed are kept, and
 *   a VM already holding that uuid is refused when not halted (VM_BAD_POWER_STATE) or else
 *   replaced: its record, VBDs and VIFs go, its VDIs stay (XAPI's VM.destroy keeps disks);
 * - each VIF's network is matched by name, then bridge, else created (import-networks.ts).
 *
 * Every refusal comes before anything is created or replaced. The VM carries the import task in
 * current_operations until the end, as XAPI does (XO relies on it to learn the new VM early),
 * and other_config.import_task. A failed or cancelled import removes everything it created;
 * a replaced VM stays gone, as in XAPI.
 */
import { randomUUID } from 'node:crypto';
import { randomMac } from '../api/mac.js';
import { assertSrRoom, createVdi, removeVdi } from '../api/sr-usage.js';
import { destroyVm } from '../api/vm.js';
import { recordFromLoose } from '../db/coerce.js';
import type { StoredContent } from '../disks/content.js';
import { XapiFailure } from '../errors.js';
import { parseXmlRpcValue } from '../rpc/xmlrpc.js';
import { classByName } from '../schema/index.js';
import { NULL_REF, type Value } from '../schema/types.js';
import type { SimState } from '../state.js';
import { IMPORT_TASK_KEY, landNetwork } from './import-networks.js';

interface OvaObject {
  class: string;
  id: string;
  snapshot: Record<string, unknown>;
}

export interface ImportedVm {
  write(diskId: string, offset: number, data: Buffer): void;
  /** Clears the import operation and returns the VM ref. */
  finish(): string;
  /** Removes what was created. */
  abandon(): void;
}

export interface ImportOptions {
  sr: string;
  taskRef: string;
  /** restore=true: keep identities (uuid, MACs, mac_seed), replace a halted VM of that uuid. */
  restore: boolean;
}

function readObjects(xml: string): OvaObject[] {
  const ova = parseXmlRpcValue(xml) as { objects?: unknown };
  if (!ova || !Array.isArray(ova.objects)) throw new XapiFailure('IMPORT_ERROR', ['ova.xml has no objects']);
  return ova.objects as OvaObject[];
}

/** The fields of an exported record that make sense for a new object of its class. */
function fieldsOf(obj: OvaObject, drop: string[]): Record<string, Value> {
  const cls = classByName(obj.class);
  if (!cls) return {};
  const fields = recordFromLoose(cls, obj.snapshot);
  for (const name of ['uuid', ...drop]) delete fields[name];
  return fields;
}

/**
 * With restore=true, the existing VM the import will replace (null when the uuid is free);
 * VM_BAD_POWER_STATE [vm, "halted", actual] when that VM is not halted.
 */
function vmToReplace(sim: SimState, uuid: string, restore: boolean): string | null {
  if (!restore || uuid === '') return null;
  const existing = sim.store.byUuid('VM', uuid);
  if (!existing) return null;
  const state = String(existing.record.power_state);
  if (state !== 'Halted') throw new XapiFailure('VM_BAD_POWER_STATE', [existing.ref, 'halted', state.toLowerCase()]);
  return existing.ref;
}

/** The archived uuid when keeping identities and no object of the class holds it; else a fresh one. */
function keptUuid(sim: SimState, cls: string, obj: OvaObject, restore: boolean): Record<string, Value> {
  const uuid = String(obj.snapshot.uuid ?? '');
  return restore && uuid !== '' && !sim.store.byUuid(cls, uuid) ? { uuid } : {};
}

/** A new MAC for a VIF, never the archived one. */
function freshMac(archived: string): string {
  for (;;) {
    const mac = randomMac();
    if (mac !== archived.toLowerCase()) return mac;
  }
}

export function createImportedObjects(sim: SimState, xml: string, opts: ImportOptions): ImportedVm {
  const { store } = sim;
  const { sr, taskRef, restore } = opts;
  const objects = readObjects(xml);
  const vmObj = objects.find((o) => o.class === 'VM');
  if (!vmObj) throw new XapiFailure('IMPORT_ERROR', ['ova.xml holds no VM']);
  const vdiObjs = objects.filter((o) => o.class === 'VDI');

  // Refusals first: nothing is created or replaced before both checks pass.
  const replaced = vmToReplace(sim, String(vmObj.snapshot.uuid ?? ''), restore);
  assertSrRoom(sim, sr, vdiObjs.reduce((sum, o) => sum + Number(o.snapshot.virtual_size ?? 0), 0));
  if (replaced) destroyVm(sim, replaced);

  const created: string[] = [];
  const refs = new Map<string, string>();
  const disks = new Map<string, StoredContent>();
  const add = (cls: string, fields: Record<string, unknown>) => {
    const ref = store.add(cls, fields);
    created.push(ref);
    return ref;
  };
  const abandon = () => {
    for (const ref of created.reverse()) {
      if (store.get(ref)?.cls.name === 'VDI') removeVdi(sim, ref);
      else store.remove(ref);
    }
    created.length = 0;
  };

  try {
    const vmFields = fieldsOf(vmObj, ['VBDs', 'VIFs', 'consoles', 'snapshots', 'children', 'metrics', 'guest_metrics', 'resident_on', 'snapshot_of', 'parent', 'suspend_VDI', 'affinity']);
    const otherConfig: Record<string, Value> = { ...((vmFields.other_config as Record<string, Value> | undefined) ?? {}) };
    if (!restore) otherConfig.mac_seed = randomUUID();
    if (taskRef) otherConfig[IMPORT_TASK_KEY] = taskRef;
    const vm = add('VM', {
      ...vmFields,
      ...keptUuid(sim, 'VM', vmObj, restore),
      other_config: otherConfig,
      // XAPI counts restores of one VM in version; a plain import starts again at 0.
      version: restore ? Number(vmFields.version ?? 0) + 1 : 0,
      power_state: 'Halted',
      is_a_snapshot: false,
      domid: -1,
      current_operations: taskRef ? { [taskRef]: 'import' } : {},
      metrics: add('VM_metrics', {}),
    });
    refs.set(vmObj.id, vm);

    for (const obj of vdiObjs) {
      const size = Number(obj.snapshot.virtual_size ?? 0);
      const vdi = createVdi(sim, { ...fieldsOf(obj, ['SR', 'VBDs', 'snapshots', 'snapshot_of', 'parent', 'location', 'physical_utilisation']), SR: sr, is_a_snapshot: false, virtual_size: size });
      created.push(vdi);
      disks.set(obj.id, sim.disks.contentOf(vdi) as StoredContent);
      refs.set(obj.id, vdi);
    }
    for (const obj of objects.filter((o) => o.class === 'VBD')) {
      const vdi = refs.get(String(obj.snapshot.VDI)) ?? NULL_REF;
      add('VBD', { ...fieldsOf(obj, ['VM', 'VDI', 'metrics']), ...keptUuid(sim, 'VBD', obj, restore), VM: vm, VDI: vdi, empty: vdi === NULL_REF, currently_attached: false });
    }
    const archivedNetworks = new Map(objects.filter((o) => o.class === 'network').map((o) => [o.id, o.snapshot]));
    const landed = new Map<string, string>();
    for (const obj of objects.filter((o) => o.class === 'VIF')) {
      const id = String(obj.snapshot.network);
      let network = landed.get(id);
      if (network === undefined) {
        const landing = landNetwork(sim, archivedNetworks.get(id), taskRef);
        if (landing.created) created.push(landing.ref);
        landed.set(id, (network = landing.ref));
      }
      const fields = fieldsOf(obj, ['VM', 'network', 'metrics']);
      const mac = restore ? String(fields.MAC ?? '') : freshMac(String(fields.MAC ?? ''));
      add('VIF', { ...fields, ...keptUuid(sim, 'VIF', obj, restore), VM: vm, network, MAC: mac, currently_attached: false });
    }

    return {
      write(diskId, offset, data) {
        const content = disks.get(diskId);
        if (!content) throw new XapiFailure('IMPORT_ERROR', [`data for ${diskId}, which ova.xml does not describe`]);
        content.write(offset, data);
      },
      finish() {
        store.update(vm, { current_operations: {} });
        return vm;
      },
      abandon,
    };
  } catch (err) {
    abandon();
    throw err;
  }
}
