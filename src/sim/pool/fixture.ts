/**
 * Our compact pool description (JSON), for tests and the demo: just what differs between pools;
 * the builder fills in everything a real XAPI record has.
 *
 *   { "hosts": [{ "name": "xcp1" }], "srs": [{ "name": "Local storage", "size": "1TiB" }],
 *     "vms": [{ "name": "web 01", "power": "Running", "disks": [{ "size": "20GiB" }] }] }
 *
 * Sizes are bytes or strings with a binary unit ("512MiB", "20GiB", "2TiB").
 */
import { XapiFailure } from '../errors.js';

export type Size = number | string;

export interface DiskSpec {
  name?: string;
  size: Size;
  /** SR name; default: the pool's default SR. */
  sr?: string;
  /** Share of 2 MiB blocks holding data, 0..1 (default 0.5). */
  density?: number;
  /** Device name (xvda, xvdb... by default; "hda" for an HVM boot disk). */
  device?: string;
}

export interface VmSpec {
  name: string;
  description?: string;
  power?: 'Halted' | 'Running' | 'Suspended' | 'Paused';
  /** Host name the VM runs on (default the master). */
  host?: string;
  memory?: Size;
  vcpus?: number;
  disks?: DiskSpec[];
  /** Names from the pool's `networks`, one VIF each (default: the first network); another name is an error. */
  networks?: string[];
  /** Include an empty CD drive (default true). */
  cd?: boolean;
  template?: boolean;
  /** Names of snapshots to take of this VM when the pool is built. */
  snapshots?: string[];
  tags?: string[];
  other_config?: Record<string, string>;
  /** Fixed uuid, for repeatable pools. */
  uuid?: string;
}

export interface PoolFixture {
  name?: string;
  hosts?: { name: string }[];
  /** `host`: a local SR of that host (default: of the master), unless `shared`. */
  srs?: { name: string; type?: string; size?: Size; shared?: boolean; default?: boolean; host?: string }[];
  /** Default: one, "Pool-wide network associated with eth0" on xenbr0; a bridge defaults to xenbr<index>. */
  networks?: { name: string; bridge?: string }[];
  vms?: VmSpec[];
}

const UNITS: Record<string, number> = { '': 1, B: 1, KIB: 2 ** 10, MIB: 2 ** 20, GIB: 2 ** 30, TIB: 2 ** 40, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

export function parseSize(size: Size, what = 'size'): number {
  if (typeof size === 'number') {
    if (Number.isSafeInteger(size) && size >= 0) return size;
  } else {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(size);
    const unit = m ? UNITS[m[2]!.toUpperCase()] : undefined;
    if (m && unit !== undefined) return Math.round(Number(m[1]) * unit);
  }
  throw new XapiFailure('INTERNAL_ERROR', [`pool fixture: ${what} "${size}" is not a size (bytes, or e.g. 20GiB)`]);
}

/** Checks the shape of a parsed JSON fixture, naming the first bad entry. */
export function checkFixture(value: unknown, file = 'fixture'): PoolFixture {
  const fail = (why: string): never => {
    throw new Error(`${file}: ${why}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('expected a JSON object');
  const f = value as PoolFixture;
  for (const key of Object.keys(f)) if (!['name', 'hosts', 'srs', 'networks', 'vms'].includes(key)) fail(`unknown key "${key}"`);
  (f.vms ?? []).forEach((vm, i) => {
    if (typeof vm?.name !== 'string') fail(`vms[${i}] needs a "name"`);
    (vm.disks ?? []).forEach((d, j) => parseSize(d.size, `vms[${i}].disks[${j}].size`));
    if (vm.memory !== undefined) parseSize(vm.memory, `vms[${i}].memory`);
  });
  (f.networks ?? []).forEach((net, i) => {
    if (typeof net?.name !== 'string') fail(`networks[${i}] needs a "name"`);
    if (net.bridge !== undefined && typeof net.bridge !== 'string') fail(`networks[${i}].bridge must be a string`);
  });
  (f.srs ?? []).forEach((sr, i) => {
    if (typeof sr?.name !== 'string') fail(`srs[${i}] needs a "name"`);
    if (sr.size !== undefined) parseSize(sr.size, `srs[${i}].size`);
  });
  return f;
}
