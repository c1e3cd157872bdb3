/**
 * Generated pools, from a handful of VMs to 10,000: always a control domain per host, a few
 * templates, snapshots, and plain-named VMs with disks; then names that break naive tools
 * (spaces, dots, colons, "=", unicode, leading spaces, a name shared by two VMs), and a mix of
 * running, halted and suspended VMs. Deterministic for a given seed.
 */
import type { PoolFixture, VmSpec } from './fixture.js';

export interface GenerateOptions {
  /** Regular VMs (templates and snapshots come on top). */
  vms: number;
  seed?: number;
  /** Largest generated disk, in MiB (default 64): exports stay quick. */
  maxDiskMiB?: number;
}

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

/** Names a careful backup tool must survive; index-stable so tests can rely on them. */
export const AWKWARD_NAMES = [
  'Windows Server 2022',
  'web.example.com',
  'app:8080',
  'key=value',
  'Serveur-é',
  '数据库-primary',
  'mail 📬 relay',
  '  padded name',
  'VM (old) [copy]',
  'duplicate-name',
  'duplicate-name',
] as const;

const PLAIN_PREFIXES = ['web', 'db', 'mail', 'dns', 'build', 'monitor', 'files', 'proxy', 'ldap', 'backup'];

export function generatePool(opts: GenerateOptions): PoolFixture {
  const random = rng(opts.seed ?? 42);
  const maxMiB = opts.maxDiskMiB ?? 64;
  const hostCount = opts.vms <= 20 ? 2 : Math.min(16, Math.ceil(opts.vms / 250));
  const hosts = Array.from({ length: hostCount }, (_, i) => ({ name: `xcp-ng-${i + 1}` }));
  const disk = () => ({ size: `${4 + Math.floor(random() * (maxMiB - 3))}MiB`, density: Math.round(random() * 100) / 100 });

  const vms: VmSpec[] = [];
  for (let i = 0; i < opts.vms; i++) {
    const awkward = i >= 3 && i - 3 < AWKWARD_NAMES.length;
    const name = awkward ? AWKWARD_NAMES[i - 3]! : `${PLAIN_PREFIXES[i % PLAIN_PREFIXES.length]}-${String(Math.floor(i / PLAIN_PREFIXES.length) + 1).padStart(2, '0')}`;
    const r = random();
    const power = i < 3 ? (i === 1 ? 'Halted' : 'Running') : r < 0.6 ? 'Running' : r < 0.9 ? 'Halted' : 'Suspended';
    const diskCount = i < 3 ? 1 + (i % 2) : 1 + Math.floor(random() * 3);
    vms.push({
      name,
      power,
      host: hosts[i % hostCount]!.name,
      memory: `${[1, 2, 4, 8][i % 4]}GiB`,
      vcpus: [1, 2, 4][i % 3]!,
      disks: Array.from({ length: diskCount }, disk),
      ...(i === 0 || (i > 3 && random() < 0.05) ? { snapshots: [`${name} before upgrade`] } : {}),
    });
  }
  const templates: VmSpec[] = ['Debian Bookworm 12', 'Windows Server 2022 (64-bit)', 'Other install media'].map((name) => ({ name, template: true, disks: [] }));
  return {
    name: `simulated pool (${opts.vms} VMs)`,
    hosts,
    srs: [
      { name: 'Local storage', size: '4TiB', default: true },
      { name: 'NFS VM store', type: 'nfs', shared: true, size: '16TiB' },
    ],
    networks: [
      { name: 'Pool-wide network associated with eth0', bridge: 'xenbr0' },
      { name: 'Storage network', bridge: 'xenbr1' },
    ],
    vms: [...vms, ...templates],
  };
}
