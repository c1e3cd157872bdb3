/**
 * What a backup run (use-backup-run.ts) and a restore (use-restore-run.ts) share on their
 * progress screens: events go into a tracker (a ref) as fast as the engine emits them, and an
 * interval copies its view at most 10 times a second, only when something changed. A 1 GB/s
 * stream thus costs the UI ten frames a second, not one per bytes event. The job starts once
 * per mounted screen; leaving the screen mid-job aborts it (the engine still cleans up).
 */
import { useEffect, useRef, useState } from 'react';

export const FRAME_MS = 100;

/** Folds events; `version` changes whenever `view()` would. */
export interface ViewTracker<E, V> {
  readonly version: number;
  apply(event: E): void;
  view(): V;
}

export interface ThrottledRun<E, V, R> {
  /** Made once, on the first render. */
  makeTracker(): ViewTracker<E, V>;
  start(emit: (event: E) => void, signal: AbortSignal): Promise<R>;
  /** The job resolved (called after a last frame, while the screen is mounted). */
  done(result: R, tracker: ViewTracker<E, V>): void;
  /** The job rejected; `aborted` when it was cancelled. */
  failed(err: unknown, tracker: ViewTracker<E, V>, aborted: boolean): void;
  /** After each frame drawn from new events. */
  onFrame?(): void;
}

export interface ThrottledRunState<V> {
  view: V;
  cancelled: boolean;
  cancel(): void;
}

export function useThrottledRun<E, V, R>(run: ThrottledRun<E, V, R>): ThrottledRunState<V> {
  const tracker = useRef<ViewTracker<E, V> | null>(null);
  if (tracker.current === null) tracker.current = run.makeTracker();
  const controller = useRef(new AbortController());
  const [view, setView] = useState<V>(() => tracker.current!.view());
  const [cancelled, setCancelled] = useState(false);

  useEffect(() => {
    const t = tracker.current!;
    let shown = -1;
    const flush = () => {
      if (t.version === shown) return;
      shown = t.version;
      setView(t.view());
      run.onFrame?.();
    };
    const timer = setInterval(flush, FRAME_MS);
    let live = true;
    run
      .start((event) => t.apply(event), controller.current.signal)
      .then((result) => {
        if (!live) return;
        flush();
        run.done(result, t);
      })
      .catch((err: unknown) => {
        if (!live) return;
        flush();
        run.failed(err, t, controller.current.signal.aborted);
      })
      .finally(() => clearInterval(timer));
    return () => {
      live = false;
      clearInterval(timer);
      controller.current.abort();
    };
    // One job per mounted screen; a new job is a new screen.
  }, []);

  return {
    view,
    cancelled,
    cancel: () => {
      setCancelled(true);
      controller.current.abort();
    },
  };
}
