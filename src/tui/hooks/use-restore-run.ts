/**
 * Runs a restore for the restore progress screen, as use-backup-run.ts runs a backup, at most
 * 10 frames a second (use-throttled-run.ts): events go into a RestoreTracker. Leaving the
 * screen mid-restore aborts it (the engine cancels the import and removes what it created).
 */
import { useState } from 'react';
import { VmbackupError } from '../../errors.js';
import type { RestoreEvent, RestoreEventSink, RestoreResult } from '../../restore/types.js';
import { type RestoreView, RestoreTracker } from '../state/restore-progress.js';
import { useThrottledRun } from './use-throttled-run.js';

/** Starts the restore; resolves with its result or rejects with why it failed. */
export type StartRestore = (emit: RestoreEventSink, signal: AbortSignal) => Promise<RestoreResult>;

/** How a restore ended, for the summary: its result, or its error (a `fix:` hint kept), or a cancel. */
export type RestoreOutcome =
  | { kind: 'done'; result: RestoreResult; log: string[] }
  | { kind: 'failed'; error: { code: string; message: string; hint?: string }; cancelled: boolean; log: string[]; warnings: string[] };

export interface RestoreRunState {
  view: RestoreView;
  outcome: RestoreOutcome | null;
  cancelled: boolean;
  cancel(): void;
}

export function errorOf(err: unknown): { code: string; message: string; hint?: string } {
  if (err instanceof VmbackupError) return { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
  const e = err as { code?: unknown; message?: unknown; hint?: unknown } | null;
  // A VmbackupError from another copy of the module still has its fields.
  if (e && typeof e.code === 'string' && typeof e.message === 'string') return { code: e.code, message: e.message, ...(typeof e.hint === 'string' ? { hint: e.hint } : {}) };
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err), hint: 'this is a bug in vmbackup; please report it' };
}

export function useRestoreRun(start: StartRestore): RestoreRunState {
  const [outcome, setOutcome] = useState<RestoreOutcome | null>(null);
  const run = useThrottledRun<RestoreEvent, RestoreView, RestoreResult>({
    makeTracker: () => new RestoreTracker(),
    start,
    done: (result, t) => setOutcome({ kind: 'done', result, log: t.view().log }),
    failed: (err, t, aborted) => {
      const v = t.view();
      setOutcome({ kind: 'failed', error: errorOf(err), cancelled: aborted, log: v.log, warnings: v.warnings });
    },
  });
  return { ...run, outcome };
}
