/**
 * Engine events for the TUI's run and summary tests, without a pool: planned VMs, results,
 * summaries made by the engine's own `summarize`, and a run the test moves batch by batch.
 */
import type { EventSink, PlannedVm, ProgressEvent, RunSummary, VmResult } from '../../src/backup/events.js';
import { summarize } from '../../src/backup/run.js';
import { runExitCode } from '../../src/report/run-exit-code.js';
import type { RunOutcome } from '../../src/tui/hooks/use-backup-run.js';

export const MiB = 2 ** 20;

export const vm = (name: string, estimate: number, mode: PlannedVm['mode'] = 'vm-export'): PlannedVm => ({ name, uuid: `uuid-${name}`, mode, maxBackups: 3, estimate });

export const result = (p: PlannedVm, status: VmResult['status'], bytes: number, extra: Partial<VmResult> = {}): VmResult => ({
  name: p.name,
  uuid: p.uuid,
  mode: p.mode,
  format: p.mode === 'vm-export' ? 'xva' : 'raw',
  status,
  folder: status === 'success' ? `${p.name}/backup-2026-01-01-(10:00:00)` : null,
  files: [],
  bytes,
  elapsedMs: 2000,
  rateMBps: bytes / 1e6 / 2,
  warnings: [],
  deleted: [],
  ...extra,
});

export const summaryOf = (vms: VmResult[], interrupted = false, extra: Partial<Pick<RunSummary, 'problems' | 'poolDb'>> = {}): RunSummary =>
  summarize({ startedAt: '2026-01-01T10:00:00.000Z', host: 'backup1', pool: { name: 'demo', url: 'https://sim' }, backupDir: '/b', vms, poolDb: null, problems: [], interrupted, ...extra }, new Date('2026-01-01T10:00:05Z'));

export const runStart = (vms: PlannedVm[], at = new Date()): ProgressEvent => ({ type: 'run-start', at, vms, scope: { entries: [], errors: [], warnings: [] } as never, poolDb: false });

export const outcomeOf = (summary: RunSummary): RunOutcome => ({ summary, exitCode: runExitCode(summary), files: { log: null, json: null, warnings: [] } });

/** A run the test moves step by step: each `step()` emits the next batch of events. */
export function scriptedRun(batches: ProgressEvent[][], final: () => RunSummary) {
  let release: (() => void) | null = null;
  let signal: AbortSignal | null = null;
  let index = 0;
  const start = async (emit: EventSink, s: AbortSignal): Promise<RunOutcome> => {
    signal = s;
    while (index < batches.length) {
      for (const event of batches[index++]!) emit(event);
      if (index < batches.length) {
        await new Promise<void>((r) => {
          release = r;
          s.addEventListener('abort', () => r(), { once: true });
        });
        if (s.aborted) break;
      }
    }
    const summary = final();
    emit({ type: 'run-done', summary });
    return outcomeOf(summary);
  };
  return { start, step: () => release?.(), aborted: () => signal?.aborted ?? false };
}
