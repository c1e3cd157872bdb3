/**
 * Runs a restore for the restore progress screen, as use-backup-run.ts runs a backup: events
 * go into a RestoreTracker (a ref) as fast as the engine emits them, and an interval copies a
 * view at most 10 times a second, only when something changed. Leaving the screen mid-restore
 * aborts it (the engine cancels the import and removes what it created).
 */
import { useEffect, useRef, useState } from 'react';
import { VmbackupError } from '../../errors.js';
import type { RestoreEventSink, RestoreResult } from '../../restore/types.js';
import { type RestoreView, RestoreTracker } from '../state/restore-progress.js';
import { FRAME_MS } from './use-backup-run.js';

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
  const tracker = useRef<RestoreTracker | null>(null);
  if (tracker.current === null) tracker.current = new RestoreTracker();
  const controller = useRef(new AbortController());
  const [view, setView] = useState<RestoreView>(() => tracker.current!.view());
  const [outcome, setOutcome] = useState<RestoreOutcome | null>(null);
  const [cancelled, setCancelled] = useState(false);

  useEffect(() => {
    const t = tracker.current!;
    let shown = -1;
    const flush = () => {
      if (t.version === shown) return;
      shown = t.version;
      setView(t.view());
    };
    const timer = setInterval(flush, FRAME_MS);
    let live = true;
    start((event) => t.apply(event), controller.current.signal)
      .then((result) => {
        if (!live) return;
        flush();
        setOutcome({ kind: 'done', result, log: t.view().log });
      })
      .catch((err: unknown) => {
        if (!live) return;
        flush();
        const v = t.view();
        setOutcome({ kind: 'failed', error: errorOf(err), cancelled: controller.current.signal.aborted, log: v.log, warnings: v.warnings });
      })
      .finally(() => clearInterval(timer));
    return () => {
      live = false;
      clearInterval(timer);
      controller.current.abort();
    };
    // One restore per mounted screen.
  }, []);

  return {
    view,
    outcome,
    cancelled,
    cancel: () => {
      setCancelled(true);
      controller.current.abort();
    },
  };
}
