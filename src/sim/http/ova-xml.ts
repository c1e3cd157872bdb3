/**
 * ova.xml, the first member of an XVA (xapi-notes §4.1): one XML-RPC <value> holding a
 * `version` struct and the exported objects (VM, VBDs, VIFs, networks, VDIs, SRs), each with an
 * `id` "Ref:N" and its full record in which references to exported objects become their Ref:N
 * and all other references OpaqueRef:NULL. The disk data in the tar lives under the VDI's Ref:N.
 */
import type { Row, Store } from '../db/store.js';
import { valueXml, escapeXml } from '../rpc/wire.js';
import { classByName } from '../schema/index.js';
import { NULL_REF, type FieldType, type Value } from '../schema/types.js';

export interface ExportedDisk {
  id: string;
  vdiRef: string;
  virtualSize: number;
}

interface Exported {
  row: Row;
  id: string;
}

function rewrite(value: Value, type: FieldType, ids: Map<string, string>): Value {
  if (type.kind === 'ref') return ids.get(value as string) ?? NULL_REF;
  if (type.kind === 'set' && type.of.kind === 'ref') return (value as string[]).map((v) => ids.get(v)).filter((v): v is string => v !== undefined);
  return value;
}

const member = (name: string, value: string) => `<member><name>${escapeXml(name)}</name>${value}</member>`;
const text = (s: string) => `<value>${escapeXml(s)}</value>`;

function versionXml(hostname: string): string {
  const date = new Date().toISOString().slice(0, 10);
  return (
    '<value><struct>' +
    member('hostname', text(hostname)) +
    member('date', text(date)) +
    member('product_version', text('8.2.1')) +
    member('product_brand', text('XCP-ng')) +
    member('build_number', text('release/yangtze/master/58')) +
    member('xapi_major', text('1')) +
    member('xapi_minor', text('20')) +
    member('export_vsn', text('2')) +
    '</struct></value>'
  );
}

/**
 * The exported VM record: halted unless preserve_power_state. A plain export drops the snapshot
 * history; a metadata export (`snapshotMetadata`) keeps it, with `snapshots` as XAPI writes it:
 * the pool's own refs, not rewritten (export.ml make_vm).
 */
function exportedVm(record: Record<string, Value>, preservePowerState: boolean, snapshotMetadata: boolean, ids: Map<string, string>): Record<string, Value> {
  return {
    ...record,
    power_state: preservePowerState ? record.power_state! : 'Halted',
    is_a_snapshot: snapshotMetadata ? record.is_a_snapshot! : false,
    snapshot_of: snapshotMetadata ? (ids.get(String(record.snapshot_of)) ?? NULL_REF) : NULL_REF,
    snapshots: [],
    current_operations: {},
    allowed_operations: [],
    consoles: [],
    resident_on: NULL_REF,
  };
}

export interface OvaXmlOptions {
  preservePowerState: boolean;
  /**
   * `/export_metadata` (export_snapshots=true, its default): the VM's snapshots come too, each
   * with its disks and VIFs, and every VM keeps is_a_snapshot, snapshot_of and snapshots.
   */
  snapshotMetadata?: boolean;
}

export function buildOvaXml(store: Store, vmRef: string, options: OvaXmlOptions): { xml: string; disks: ExportedDisk[] } {
  const vm = store.expect('VM', vmRef);
  const snapshotMetadata = options.snapshotMetadata ?? false;
  const objects: Exported[] = [];
  const ids = new Map<string, string>();
  let next = 1;
  const enlist = (row: Row | undefined) => {
    if (!row || ids.has(row.ref)) return;
    const id = `Ref:${next++}`;
    ids.set(row.ref, id);
    objects.push({ row, id });
  };
  const vms = [vm, ...(snapshotMetadata ? (vm.record.snapshots as string[]).map((r) => store.get(r)).filter((r): r is Row => r !== undefined) : [])];
  const disks: ExportedDisk[] = [];
  for (const one of vms) {
    enlist(one);
    for (const vbdRef of one.record.VBDs as string[]) enlist(store.get(vbdRef));
    for (const vifRef of one.record.VIFs as string[]) enlist(store.get(vifRef));
    for (const vifRef of one.record.VIFs as string[]) enlist(store.get(String(store.get(vifRef)?.record.network)));
    for (const vbdRef of one.record.VBDs as string[]) {
      const vbd = store.get(vbdRef);
      if (!vbd || vbd.record.type !== 'Disk') continue;
      const vdi = store.get(String(vbd.record.VDI));
      if (!vdi) continue;
      enlist(vdi);
      enlist(store.get(String(vdi.record.SR)));
      if (one === vm) disks.push({ id: ids.get(vdi.ref)!, vdiRef: vdi.ref, virtualSize: Number(vdi.record.virtual_size) });
    }
  }

  let items = '';
  for (const { row, id } of objects) {
    const cls = classByName(row.cls.name)!;
    const isVm = row.cls.name === 'VM';
    const source = isVm ? exportedVm(row.record, options.preservePowerState, snapshotMetadata, ids) : row.record;
    const snapshot: Record<string, Value> = {};
    for (const field of cls.fields) snapshot[field.name] = rewrite(source[field.name] ?? field.default, field.type, ids);
    // Set after the rewrite: XAPI leaves these refs as they are in the pool.
    if (isVm && snapshotMetadata) snapshot.snapshots = [...(row.record.snapshots as string[])];
    if (isVm && snapshotMetadata) snapshot.snapshot_of = ids.get(String(row.record.snapshot_of)) ?? NULL_REF;
    items += '<value><struct>' + member('class', text(cls.name)) + member('id', text(id)) + member('snapshot', valueXml(snapshot, { kind: 'record', class: cls.name })) + '</struct></value>';
  }
  const xml = '<value><struct>' + member('version', versionXml(hostName(store))) + member('objects', `<value><array><data>${items}</data></array></value>`) + '</struct></value>';
  return { xml, disks };
}

function hostName(store: Store): string {
  const pool = store.rows('pool')[0];
  const master = pool && store.get(String(pool.record.master));
  return String(master?.record.hostname ?? 'xcp-ng-sim');
}
