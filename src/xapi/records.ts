/**
 * Typed, transport-independent views of the XAPI records the engine reads. Over XML-RPC ints
 * arrive as strings and datetimes as Dates; over JSON-RPC ints are numbers and datetimes strings
 * (xapi-notes §2.2/§2.3). Everything is normalised here, once.
 */

export type Raw = Readonly<Record<string, unknown>>;

/** A record lookup by opaque ref (the client's cache, or fetched records). */
export type Lookup = (ref: string) => Raw | undefined;

export const NULL_REF = 'OpaqueRef:NULL';

export function num(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : 0;
}

export function str(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}

export function bool(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
}

export function strMap(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, str(v)]));
}

export function refs(value: unknown): string[] {
  return Array.isArray(value) ? value.map(str) : [];
}

/** XAPI datetimes: "20240101T12:34:56Z" (JSON-RPC), a Date (XML-RPC), or ISO text. */
export function date(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value !== 'string' || value === '') return null;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(value);
  const d = m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export interface VdiInfo {
  ref: string;
  uuid: string;
  nameLabel: string;
  nameDescription: string;
  virtualSize: number;
  type: string;
  sharable: boolean;
  readOnly: boolean;
  srRef: string;
  srUuid: string;
  isSnapshot: boolean;
  otherConfig: Record<string, string>;
}

export interface VbdInfo {
  ref: string;
  uuid: string;
  device: string;
  userdevice: string;
  bootable: boolean;
  mode: string;
  type: string;
  empty: boolean;
  unpluggable: boolean;
  otherConfig: Record<string, string>;
  vdi: VdiInfo | null;
}

export interface VifInfo {
  ref: string;
  uuid: string;
  device: string;
  mtu: number;
  mac: string;
  otherConfig: Record<string, string>;
  networkName: string;
}

export interface VmInfo {
  ref: string;
  uuid: string;
  name: string;
  description: string;
  powerState: string;
  isTemplate: boolean;
  isSnapshot: boolean;
  isControlDomain: boolean;
  snapshotOf: string;
  snapshotTime: Date | null;
  otherConfig: Record<string, string>;
  memoryDynamicMax: number;
  vcpusMax: number;
  vcpusAtStartup: number;
  /** The guest's OS name as `xe vm-list params=os-version` shows it, cut at "|" (spec §6.1). */
  osVersion: string;
  vbds: VbdInfo[];
  vifs: VifInfo[];
}

export function vdiInfo(ref: string, get: Lookup): VdiInfo | null {
  const r = get(ref);
  if (!r || ref === NULL_REF) return null;
  const sr = get(str(r.SR));
  return {
    ref,
    uuid: str(r.uuid),
    nameLabel: str(r.name_label),
    nameDescription: str(r.name_description),
    virtualSize: num(r.virtual_size),
    type: str(r.type),
    sharable: bool(r.sharable),
    readOnly: bool(r.read_only),
    srRef: str(r.SR),
    srUuid: str(sr?.uuid),
    isSnapshot: bool(r.is_a_snapshot),
    otherConfig: strMap(r.other_config),
  };
}

function vbdInfo(ref: string, get: Lookup): VbdInfo | null {
  const r = get(ref);
  if (!r) return null;
  return {
    ref,
    uuid: str(r.uuid),
    device: str(r.device),
    userdevice: str(r.userdevice),
    bootable: bool(r.bootable),
    mode: str(r.mode),
    type: str(r.type),
    empty: bool(r.empty),
    unpluggable: bool(r.unpluggable),
    otherConfig: strMap(r.other_config),
    vdi: vdiInfo(str(r.VDI), get),
  };
}

function vifInfo(ref: string, get: Lookup): VifInfo | null {
  const r = get(ref);
  if (!r) return null;
  return {
    ref,
    uuid: str(r.uuid),
    device: str(r.device),
    mtu: num(r.MTU),
    mac: str(r.MAC),
    otherConfig: strMap(r.other_config),
    networkName: str(get(str(r.network))?.name_label),
  };
}

export function vmInfo(ref: string, get: Lookup): VmInfo | null {
  const r = get(ref);
  if (!r) return null;
  const guest = get(str(r.guest_metrics));
  const os = strMap(guest?.os_version).name ?? '';
  return {
    ref,
    uuid: str(r.uuid),
    name: str(r.name_label),
    description: str(r.name_description),
    powerState: str(r.power_state),
    isTemplate: bool(r.is_a_template),
    isSnapshot: bool(r.is_a_snapshot),
    isControlDomain: bool(r.is_control_domain),
    snapshotOf: str(r.snapshot_of),
    snapshotTime: date(r.snapshot_time),
    otherConfig: strMap(r.other_config),
    memoryDynamicMax: num(r.memory_dynamic_max),
    vcpusMax: num(r.VCPUs_max),
    vcpusAtStartup: num(r.VCPUs_at_startup),
    osVersion: os.split('|')[0]!.split(';')[0]!,
    vbds: refs(r.VBDs).map((v) => vbdInfo(v, get)).filter((v): v is VbdInfo => v !== null),
    vifs: refs(r.VIFs).map((v) => vifInfo(v, get)).filter((v): v is VifInfo => v !== null),
  };
}
