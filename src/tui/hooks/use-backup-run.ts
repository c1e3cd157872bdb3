/**
 * Runs a backup for the run screen and hands it a view of the progress at most 10 times a
 * second: events go into a RunTracker (a ref) as fast as the engine emits them, and an interval
 * copies a view only when something changed. A 1 GB/s stream thus costs the UI ten frames a
 * second, not one per bytes event.
 */
import { useEffect, useRef, useState } from 'react';
import type { EventSink, RunSummary } from '../../backup/events.js';
import type { EffectiveSettings } from '../../config/index.js';
import { type RunView, RunTracker } from '../run-progress.js';

/** Starts the run; must resolve with the summary (the engine's own, or one made of the failure). */
export type StartRun = (emit: EventSink, signal: AbortSignal) => Promise<RunSummary>;

export const FRAME_MS = 100;

export interface BackupRunState {
  view: RunView;
  /** Set once the run resolved. */
  summary: RunSummary | null;
  /** An error the start function threw instead of summarising (a bug: shown, never swallowed). */
  failure: Error | null;
  cancelled: boolean;
  cancel(): void;
}

export function useBackupRun(start: StartRun, settings?: EffectiveSettings, onFrame?: () => void): BackupRunState {
  const tracker = useRef<RunTracker | null>(null);
  if (tracker.current === null) tracker.current = new RunTracker({ keepLines: 50, ...(settings ? { settings } : {}) });
  const controller = useRef(new AbortController());
  const [view, setView] = useState<RunView>(() => tracker.current!.view());
  const [summary, setSummary] = useState<RunSummary | null>(null);
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
      .then((s) => {
        if (!live) return;
        flush();
        setSummary(s);
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
    summary,
    failure,
    cancelled,
    cancel: () => {
      setCancelled(true);
      controller.current.abort();
    },
  };
}
