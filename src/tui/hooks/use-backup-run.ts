/**
 * Runs a backup for the run screen and hands it a view of the progress at most 10 times a
 * second: events go into a RunTracker (a ref) as fast as the engine emits them, and an interval
 * copies a view only when something changed. A 1 GB/s stream thus costs the UI ten frames a
 * second, not one per bytes event.
 */
import { useEffect, useRef, useState } from 'react';
import type { EventSink, RunSummary } from '../../backup/events.js';
import type { EffectiveSettings } from '../../config/index.js';
import type { RunFiles } from '../run-files.js';
import { type RunView, RunTracker } from '../run-progress.js';

/** How a run ended, for the summary screen: the data of `--json`, its exit code, its files. */
export interface RunOutcome {
  /** The engine's own summary, or one made of a failure before the first VM. */
  summary: RunSummary;
  /** What a headless run would exit with: warnings outside the VMs (a log not written) count. */
  exitCode: number;
  /** The console log and JSON report written beside the status log, or why not. */
  files: RunFiles;
}

/** Starts the run; must resolve with its outcome, also when the run failed. */
export type StartRun = (emit: EventSink, signal: AbortSignal) => Promise<RunOutcome>;

export const FRAME_MS = 100;

/**
 * Log lines kept for scrolling back on the run screen (a few hundred bytes each); a run that
 * logs more keeps its newest lines here and every line in its log file.
 */
export const LOG_KEEP = 5000;

export interface BackupRunState {
  view: RunView;
  /** Set once the run resolved. */
  outcome: RunOutcome | null;
  /** An error the start function threw instead of summarising (a bug: shown, never swallowed). */
  failure: Error | null;
  cancelled: boolean;
  cancel(): void;
}

export function useBackupRun(start: StartRun, settings?: EffectiveSettings, onFrame?: () => void): BackupRunState {
  const tracker = useRef<RunTracker | null>(null);
  if (tracker.current === null) tracker.current = new RunTracker({ keepLines: LOG_KEEP, ...(settings ? { settings } : {}) });
  const controller = useRef(new AbortController());
  const [view, setView] = useState<RunView>(() => tracker.current!.view());
  const [outcome, setOutcome] = useState<RunOutcome | null>(null);
  const [failure, setFailure] = useState<Error | null>(null);
  const [cancelled, setCancelled] = useState(false);

  useEffect(() => {
    const t = tracker.current!;
    let shown = -1;
    const flush = () => {
      if (t.version === shown) return;
      shown = t.version;
      setView(t.view());
      onFrame?.();
    };
    const timer = setInterval(flush, FRAME_MS);
    let live = true;
    start((event) => t.apply(event), controller.current.signal)
      .then((o) => {
        if (!live) return;
        flush();
        setOutcome(o);
      })
      .catch((err: unknown) => {
        if (!live) return;
        flush();
        setFailure(err instanceof Error ? err : new Error(String(err)));
      })
      .finally(() => clearInterval(timer));
    return () => {
      live = false;
      clearInterval(timer);
      // Leaving the screen mid-run stops the run; the engine still removes its snapshots.
      controller.current.abort();
    };
    // The run starts once per mounted screen; a new run is a new screen.
  }, []);

  return {
    view,
    outcome,
    failure,
    cancelled,
    cancel: () => {
      setCancelled(true);
      controller.current.abort();
    },
  };
}
