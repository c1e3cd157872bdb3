/**
 * Runs a backup for the run screen and hands it a view of the progress at most 10 times a
 * second (use-throttled-run.ts): events go into a RunTracker. Leaving the screen mid-run stops
 * the run; the engine still removes its snapshots.
 */
import { useState } from 'react';
import type { EventSink, ProgressEvent, RunSummary } from '../../backup/events.js';
import type { EffectiveSettings } from '../../config/index.js';
import type { RunFiles } from '../run-files.js';
import { type RunView, RunTracker } from '../run-progress.js';
import { useThrottledRun } from './use-throttled-run.js';

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
  const [outcome, setOutcome] = useState<RunOutcome | null>(null);
  const [failure, setFailure] = useState<Error | null>(null);
  const run = useThrottledRun<ProgressEvent, RunView, RunOutcome>({
    makeTracker: () => new RunTracker({ keepLines: LOG_KEEP, ...(settings ? { settings } : {}) }),
    start,
    done: (o) => setOutcome(o),
    failed: (err) => setFailure(err instanceof Error ? err : new Error(String(err))),
    ...(onFrame ? { onFrame } : {}),
  });
  return { ...run, outcome, failure };
}
