/**
 * The pool `npm run demo` serves: fifteen VMs of a small company, with the mix a real pool has
 * (running and halted, one suspended, HVM and PV guests, one to three disks, a template and a
 * user snapshot that the TUI must not list). Disks are mostly empty, as real ones are, so a
 * demo backup of everything takes seconds while the sizes look real.
 */
import type { PoolFixture } from './fixture.js';

/** A disk of `gib` GiB holding about `dataMib` MiB: what an export actually carries. */
const disk = (gib: number, dataMib: number, device?: string) => ({ size: `${gib}GiB`, density: dataMib / (gib * 1024), ...(device ? { device } : {}) });

export const DEMO_POOL: PoolFixture = {
  name: 'demo pool',
  hosts: [{ name: 'xcp-ng-01.demo.lan' }, { name: 'xcp-ng-02.demo.lan' }],
  srs: [
    { name: 'Local storage', size: '2TiB', default: true },
    { name: 'NFS VM store', type: 'nfs', shared: true, size: '8TiB' },
  ],
  // Sizes stay small enough for the free-space check on a laptop (it counts virtual sizes).
  vms: [
    { name: 'web-01', power: 'Running', disks: [disk(10, 160)], snapshots: ['before php upgrade'] },
    { name: 'web-02', power: 'Running', disks: [disk(10, 150)] },
    { name: 'db-primary', power: 'Running', memory: '16GiB', vcpus: 8, disks: [disk(8, 120), disk(16, 260)] },
    { name: 'db-replica', power: 'Running', memory: '16GiB', vcpus: 8, disks: [disk(8, 120), disk(16, 250)] },
    { name: 'mail.demo.lan', power: 'Running', disks: [disk(8, 100), disk(12, 200)] },
    { name: 'dns-1', power: 'Running', disks: [disk(2, 40)] },
    { name: 'dns-2', power: 'Running', disks: [disk(2, 40)] },
    { name: 'fileserver', power: 'Running', disks: [disk(6, 80), disk(12, 300), disk(6, 120)] },
    { name: 'win2019-ad', power: 'Running', disks: [disk(12, 220, 'hda')], networks: [] },
    { name: 'win2022-rds', power: 'Halted', disks: [disk(16, 280, 'hda')] },
    { name: 'build-runner', power: 'Running', disks: [disk(10, 180)] },
    { name: 'monitoring', power: 'Running', disks: [disk(4, 60), disk(8, 140)] },
    { name: 'vpn-gateway', power: 'Running', disks: [disk(1, 30)] },
    { name: 'legacy-erp', power: 'Suspended', disks: [disk(6, 90)] },
    { name: 'test-sandbox', power: 'Halted', disks: [disk(4, 50)] },
    { name: 'Debian 12 template', template: true, disks: [disk(4, 40)] },
  ],
};

/**
 * How the demo pool is served, by the TUI demo and by `vmbackup sim --demo` alike: exports at a
 * visible pace (the bars are the point of the demo) and task progress four times a second.
 */
export const DEMO_PACE = { progressIntervalMs: 250, bytesPerSecond: 80 * 2 ** 20 } as const;
