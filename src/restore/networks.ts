/**
 * Where an imported VM's VIFs landed. XAPI matches each archived network by name, then by
 * bridge, and creates a new one when neither matches (delta-restore §B.4): on another pool a
 * VM may come back on an internal network of its own, with no way out. A network counts as
 * created when the import task tagged it, or when it did not exist before the import.
 */
import type { PoolConnection } from '../xapi/connection.js';
import { refs, str, strMap } from '../xapi/records.js';
import { networkRecords } from './pool-view.js';
import type { NetworkLanding } from './types.js';

/** The pool's network uuids now: what "did not exist before the import" compares with. */
export function networkUuidsBefore(conn: PoolConnection): Set<string> {
  return new Set(networkRecords(conn).map((n) => n.uuid));
}

/** Pure: whether a network is one the import made. */
export function createdByImport(network: { uuid: string; otherConfig: Record<string, string> }, before: ReadonlySet<string>, taskRef: string): boolean {
  if (Object.values(network.otherConfig).includes(taskRef)) return true;
  return !before.has(network.uuid);
}

export function landingWarning(l: NetworkLanding): string {
  return `VIF ${l.device} (${l.mac || 'no MAC'}) is on the network ${l.network.name}, which the import created: no network of that name or bridge existed on this pool. Move it to a real one (xe vif-move uuid=… network-uuid=…) before you start the VM`;
}

export interface Landed {
  landings: NetworkLanding[];
  /** Refs of the networks the import created (destroyed again if the restore fails later). */
  createdRefs: string[];
}

/** Reads the new VM's VIFs and their networks from the pool (calls: the cache may lag). */
export async function networkLandings(conn: PoolConnection, vmRef: string, before: ReadonlySet<string>, taskRef: string): Promise<Landed> {
  const vm = await conn.call<Record<string, unknown>>('reading the restored VM', 'VM.get_record', vmRef);
  const landings: NetworkLanding[] = [];
  const createdRefs: string[] = [];
  for (const vifRef of refs(vm.VIFs)) {
    const vif = await conn.call<Record<string, unknown>>('reading a network card of the restored VM', 'VIF.get_record', vifRef);
    const netRef = str(vif.network);
    const net = await conn.call<Record<string, unknown>>('reading a network of the restored VM', 'network.get_record', netRef);
    const network = { uuid: str(net.uuid), otherConfig: strMap(net.other_config) };
    const created = createdByImport(network, before, taskRef);
    if (created && !createdRefs.includes(netRef)) createdRefs.push(netRef);
    landings.push({ device: str(vif.device), mac: str(vif.MAC), network: { uuid: network.uuid, name: str(net.name_label) }, created });
  }
  landings.sort((a, b) => Number(a.device) - Number(b.device) || a.device.localeCompare(b.device));
  return { landings, createdRefs };
}
