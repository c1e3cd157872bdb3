/**
 * Engine results built by hand, for tests of what reads them (mail, status log, JSON report).
 * Counts and status come from the engine's own `summarize`, so a fixture cannot disagree with
 * what a real run would report.
 */
import type { RunSummary, VmResult } from '../../src/backup/events.js';
import { summarize } from '../../src/backup/run.js';

export function vmResult(name: string, over: Partial<VmResult> = {}): VmResult {
  return {
    name,
    uuid: `uuid-${name}`,
    mode: 'vm-export',
    format: 'xva.zst',
    status: 'success',
    folder: `${name}/2024-05-04-(02:00:00)`,
    files: [`${name}/2024-05-04-(02:00:00)/${name}.xva.zst`],
    bytes: 12_345_678_901,
    elapsedMs: 312_000,
    rateMBps: 39.6,
    warnings: [],
    deleted: [],
    ...over,
  };
}

/** A run of `vms` on xen1 (pool DB dumped), with `over` applied after summarize. */
export function runSummary(vms: VmResult[], over: Partial<RunSummary> = {}): RunSummary {
  const base = summarize(
    {
      startedAt: '2024-05-04T02:00:00.000Z',
      host: 'xen1',
      pool: { name: 'pool-a', url: 'https://xen1.example.com' },
      backupDir: '/snapshots/BACKUPS',
      vms,
      poolDb: { status: 'success', file: 'POOL_DB/2024-05-04.db', deleted: [] },
      problems: [],
      interrupted: false,
    },
    new Date('2024-05-04T03:02:10.000Z'),
  );
  return { ...base, ...over };
}
