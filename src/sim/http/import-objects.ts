/**
 * The objects an XVA import creates from ova.xml: a new halted VM (new uuid unless restore=true
 * and the uuid is free), a new VDI in the target SR per exported disk, VBDs and VIFs (VIFs join
 * the network of the same name, else the pool's first network). The VM is created as soon as
 * ova.xml arrives, with the import task in current_operations, as XAPI does (XO relies on it to
 * learn the new VM early); a failed import removes everything it created.
 */
import { recordFromLoose } from '../db/coerce.js';
import { StoredContent } from '../disks/content.js';
import { XapiFailure } from '../errors.js';
import { parseXmlRpcValue } from '../rpc/xmlrpc.js';
import { classByName } from '../schema/index.js';
import { NULL_REF, type Value } from '../schema/types.js';
import type { SimState } from '../state.js';

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

export function createImportedObjects(sim: SimState, xml: string, sr: string, taskRef: string, restore: boolean): ImportedVm {
  const { store } = sim;
  const objects = readObjects(xml);
  const vmObj = objects.find((o) => o.class === 'VM');
  if (!vmObj) throw new XapiFailure('IMPORT_ERROR', ['ova.xml holds no VM']);
  const created: string[] = [];
  const refs = new Map<string, string>();
  const disks = new Map<string, StoredContent>();
  const add = (cls: string, fields: Record<string, unknown>) => {
    const ref = store.add(cls, fields);
    created.push(ref);
    return ref;
  };

  try {
    const uuid = String(vmObj.snapshot.uuid ?? '');
    const keepUuid = restore && uuid !== '' && !store.byUuid('VM', uuid);
    const vm = add('VM', {
      ...fieldsOf(vmObj, ['VBDs', 'VIFs', 'consoles', 'snapshots', 'children', 'metrics', 'guest_metrics', 'resident_on', 'snapshot_of', 'parent', 'suspend_VDI', 'affinity']),
      ...(keepUuid ? { uuid } : {}),
      power_state: 'Halted',
      is_a_snapshot: false,
      domid: -1,
      current_operations: taskRef ? { [taskRef]: 'import' } : {},
      metrics: add('VM_metrics', {}),
    });
    refs.set(vmObj.id, vm);

    for (const obj of objects.filter((o) => o.class === 'VDI')) {
      const size = Number(obj.snapshot.virtual_size ?? 0);
      const vdi = add('VDI', { ...fieldsOf(obj, ['SR', 'VBDs', 'snapshots', 'snapshot_of', 'parent', 'location']), SR: sr, is_a_snapshot: false, virtual_size: size });
      const content = sim.disks.createEmpty(vdi, size);
      disks.set(obj.id, content);
      refs.set(obj.id, vdi);
    }
    for (const obj of objects.filter((o) => o.class === 'VBD')) {
      const vdi = refs.get(String(obj.snapshot.VDI)) ?? NULL_REF;
      add('VBD', { ...fieldsOf(obj, ['VM', 'VDI', 'metrics']), VM: vm, VDI: vdi, empty: vdi === NULL_REF, currently_attached: false });
    }
    const networks = new Map(objects.filter((o) => o.class === 'network').map((o) => [o.id, String(o.snapshot.name_label ?? '')]));
    const fallback = store.rows('network')[0]?.ref ?? NULL_REF;
    for (const obj of objects.filter((o) => o.class === 'VIF')) {
      const name = networks.get(String(obj.snapshot.network));
      const network = store.rows('network').find((n) => n.record.name_label === name)?.ref ?? fallback;
      add('VIF', { ...fieldsOf(obj, ['VM', 'network', 'metrics']), VM: vm, network, currently_attached: false });
    }

    return {
      write(diskId, offset, data) {
        const content = disks.get(diskId);
        if (!content) throw new XapiFailure('IMPORT_ERROR', [`data for ${diskId}, which ova.xml does not describe`]);
        content.write(offset, data);
      },
      finish() {
        for (const [id, content] of disks) store.update(refs.get(id)!, { physical_utilisation: content.allocatedBytes() });
        store.update(vm, { current_operations: {} });
        return vm;
      },
      abandon() {
        for (const ref of created.reverse()) {
          store.remove(ref);
          sim.disks.forget(ref);
        }
      },
    };
  } catch (err) {
    for (const ref of created.reverse()) store.remove(ref);
    throw err;
  }
}
