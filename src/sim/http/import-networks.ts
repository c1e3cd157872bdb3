/**
 * Where an imported VIF lands (XAPI's import.ml, module Net; delta-restore.md §B.4): the
 * network of the archived name_label, else the one of the archived bridge, else a new network
 * made from the archived record. A created network carries other_config.import_task = the
 * import's task ref (XAPI's own marker, left in place after a successful import), which is how
 * a client tells "created by my import" from "matched"; a failed import removes it again.
 */
import { recordFromLoose } from '../db/coerce.js';
import { classByName } from '../schema/index.js';
import type { Value } from '../schema/types.js';
import type { SimState } from '../state.js';

/** The other_config key XAPI tags objects an import created with (Xapi_globs.import_task). */
export const IMPORT_TASK_KEY = 'import_task';

/** Fields of an archived network that describe the network itself, not its attachments. */
const NOT_COPIED = ['uuid', 'VIFs', 'PIFs', 'assigned_ips', 'current_operations', 'allowed_operations', 'blobs'];

export interface NetworkLanding {
  ref: string;
  created: boolean;
}

export function landNetwork(sim: SimState, archived: Record<string, unknown> | undefined, taskRef: string): NetworkLanding {
  const { store } = sim;
  const networks = store.rows('network');
  const name = String(archived?.name_label ?? '');
  const bridge = String(archived?.bridge ?? '');
  const byName = networks.find((n) => n.record.name_label === name);
  if (byName) return { ref: byName.ref, created: false };
  // An empty bridge names nothing: it must not match a network that has none either.
  const byBridge = bridge === '' ? undefined : networks.find((n) => n.record.bridge === bridge);
  if (byBridge) return { ref: byBridge.ref, created: false };
  const fields = recordFromLoose(classByName('network')!, archived ?? {});
  for (const key of NOT_COPIED) delete fields[key];
  const otherConfig = { ...((fields.other_config as Record<string, Value> | undefined) ?? {}) };
  if (taskRef) otherConfig[IMPORT_TASK_KEY] = taskRef;
  const ref = store.add('network', { ...fields, name_label: name, bridge, other_config: otherConfig, managed: true });
  return { ref, created: true };
}
