/**
 * Hand-built catalogs, plans and restore events for the Backups screen's tests: the shapes of
 * src/catalog/types.ts and src/restore/types.ts, without a disk or a pool.
 */
import type { Catalog, CatalogBackup, CatalogVm } from '../../src/catalog/types.js';
import type { RestorePlan, RestoreResult, SrChoice } from '../../src/restore/types.js';

export const GiB = 2 ** 30;

export function backup(vm: string, date: Date, over: Partial<CatalogBackup> = {}): CatalogBackup {
  const folder = `backup-${date.getTime()}`;
  return {
    folder,
    path: `/srv/b/${vm}/${folder}`,
    date,
    status: 'success',
    mode: 'vm-export',
    format: 'xva.zst',
    files: ['vm.cfg', `${vm}.xva.zst`, 'success'],
    exportFiles: [`${vm}.xva.zst`],
    bytes: 2 * GiB,
    diskBytes: 2 * GiB,
    origUuid: `uuid-${vm}`,
    vmName: vm,
    verification: null,
    ...over,
  };
}

export function vm(name: string, backups: CatalogBackup[]): CatalogVm {
  return { name, folder: name, path: `/srv/b/${name}`, backups };
}

/** web-01 with two backups (the newer unfinished), db with a raw one, many with `n` backups. */
export function catalog(n = 0): Catalog {
  const many = Array.from({ length: n }, (_, i) => backup('many', new Date(2026, 0, 1 + (n - i), 3, 0, 0)));
  return {
    backupDir: '/srv/b',
    vms: [
      vm('db', [backup('db', new Date(2026, 4, 2, 1, 2, 3), { mode: 'vdi-export', format: 'raw', bytes: 8 * GiB, diskBytes: GiB, verification: { at: '2026-05-03T10:00:00+02:00', result: 'ok' } })]),
      ...(n > 0 ? [vm('many', many)] : []),
      vm('web-01', [backup('web-01', new Date(2026, 4, 7, 14, 45, 18), { status: 'unfinished' }), backup('web-01', new Date(2026, 4, 6, 14, 45, 18))]),
    ],
    poolDb: [],
    strays: [],
  };
}

export const SRS: SrChoice[] = [
  { ref: 'OpaqueRef:sr1', uuid: 'sr-1', name: 'Local storage', freeBytes: 900 * GiB },
  { ref: 'OpaqueRef:sr2', uuid: 'sr-2', name: 'NFS VM store', freeBytes: 4096 * GiB },
];

export function plan(over: Partial<RestorePlan> = {}): RestorePlan {
  return {
    kind: 'vm',
    backup: null,
    files: [],
    sr: SRS[0]!,
    name: 'web-01 (restored 2026-05-06 14:45:18)',
    preserve: false,
    start: false,
    attachTo: null,
    replaces: null,
    willCreate: ['a VM "web-01 (restored 2026-05-06 14:45:18)" with new MAC addresses, on SR Local storage', '1 disk, 10 GiB virtual'],
    confirmations: [],
    warnings: [],
    neededBytes: 10 * GiB,
    source: { name: 'web-01', uuid: 'uuid-web-01' },
    backupDate: new Date(2026, 4, 6, 14, 45, 18),
    ...over,
  };
}

export function result(over: Partial<RestoreResult> = {}): RestoreResult {
  return {
    vm: { uuid: 'new-vm-uuid', name: 'web-01 (restored 2026-05-06 14:45:18)' },
    vdis: [{ uuid: 'new-vdi-uuid', name: 'web-01 disk 0', sr: 'Local storage' }],
    bytes: 2 * GiB,
    elapsedMs: 12_000,
    verified: true,
    networks: [
      { device: '0', mac: 'aa:bb:cc:00:00:01', network: { uuid: 'n1', name: 'Pool-wide network associated with eth0' }, created: false },
      { device: '1', mac: 'aa:bb:cc:00:00:02', network: { uuid: 'n2', name: 'DMZ' }, created: true },
    ],
    warnings: [],
    ...over,
  };
}
