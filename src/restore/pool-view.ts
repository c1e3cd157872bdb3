/**
 * What a restore reads of the pool from the connection's event-fed cache: SRs, networks, VMs,
 * the pool's default SR. Records are normalised here (ints arrive as strings over XML-RPC), so
 * the rest of the restore sees plain numbers and strings.
 */
import type { PoolConnection } from '../xapi/connection.js';
import { bool, num, type Raw, refs, str, strMap } from '../xapi/records.js';

export function recordsOf(conn: PoolConnection, type: string): Raw[] {
  return Object.values(conn.xapi.objects.indexes.type[type] ?? {}) as Raw[];
}

export interface SrRecord {
  ref: string;
  uuid: string;
  name: string;
  type: string;
  contentType: string;
  physicalSize: number;
  physicalUtilisation: number;
  allowedOperations: string[];
}

export function srRecords(conn: PoolConnection): SrRecord[] {
  return recordsOf(conn, 'SR').map((r) => ({
    ref: str(r.$ref),
    uuid: str(r.uuid),
    name: str(r.name_label),
    type: str(r.type),
    contentType: str(r.content_type),
    physicalSize: num(r.physical_size),
    physicalUtilisation: num(r.physical_utilisation),
    allowedOperations: Array.isArray(r.allowed_operations) ? r.allowed_operations.map(str) : [],
  }));
}

export function defaultSrRef(conn: PoolConnection): string {
  return str(recordsOf(conn, 'pool')[0]?.default_SR);
}

export interface NetworkRecord {
  ref: string;
  uuid: string;
  name: string;
  bridge: string;
  otherConfig: Record<string, string>;
}

export function networkOf(r: Raw): NetworkRecord {
  return { ref: str(r.$ref), uuid: str(r.uuid), name: str(r.name_label), bridge: str(r.bridge), otherConfig: strMap(r.other_config) };
}

export function networkRecords(conn: PoolConnection): NetworkRecord[] {
  return recordsOf(conn, 'network').map(networkOf);
}

export interface VmBrief {
  ref: string;
  uuid: string;
  name: string;
  powerState: string;
  isTemplate: boolean;
  isSnapshot: boolean;
  isControlDomain: boolean;
  vbds: string[];
}

export function vmBrief(r: Raw): VmBrief {
  return {
    ref: str(r.$ref),
    uuid: str(r.uuid),
    name: str(r.name_label),
    powerState: str(r.power_state),
    isTemplate: bool(r.is_a_template),
    isSnapshot: bool(r.is_a_snapshot),
    isControlDomain: bool(r.is_control_domain),
    vbds: refs(r.VBDs),
  };
}

/** Real VMs only: no templates, snapshots or control domains. */
export function vmRecords(conn: PoolConnection): VmBrief[] {
  return recordsOf(conn, 'VM')
    .map(vmBrief)
    .filter((v) => !v.isTemplate && !v.isSnapshot && !v.isControlDomain);
}
