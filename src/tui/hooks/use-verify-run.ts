/**
 * Runs a verify for the verify progress screen, as use-restore-run.ts runs a restore: events go
 * into a VerifyTracker and the screen redraws at most 10 times a second (use-throttled-run.ts).
 * Leaving the screen mid-verify aborts it; a verify only reads, so a cancel leaves nothing behind
 * (the backups read so far keep their new record, the others their old one).
 */
import { useState } from 'react';
import type { BackupVerdict, VerifyEvent, VerifySummary, VerifyTarget } from '../../verify/types.js';
import { VerifyTracker, type VerifyView } from '../state/verify-progress.js';
import { errorOf } from './use-restore-run.js';
import { useThrottledRun } from './use-throttled-run.js';

/** Starts the verify; resolves with its summary (`cancelled` when the signal stopped it). */
export type StartVerify = (emit: (event: VerifyEvent) => void, signal: AbortSignal) => Promise<VerifySummary>;

/** How a verify ended: its summary, or the error that stopped it with the verdicts it had by then. */
export type VerifyOutcome =
  | { kind: 'done'; summary: VerifySummary }
  | { kind: 'failed'; error: { code: string; message: string; hint?: string }; cancelled: boolean; verdicts: BackupVerdict[] };

export interface VerifyRunState {
  view: VerifyView;
  outcome: VerifyOutcome | null;
  cancelled: boolean;
  cancel(): void;
}

export function useVerifyRun(targets: readonly VerifyTarget[], start: StartVerify): VerifyRunState {
  const [outcome, setOutcome] = useState<VerifyOutcome | null>(null);
  const run = useThrottledRun<VerifyEvent, VerifyView, VerifySummary>({
    makeTracker: () => new VerifyTracker(targets),
    start,
    done: (summary) => setOutcome({ kind: 'done', summary }),
    failed: (err, t, aborted) => setOutcome({ kind: 'failed', error: errorOf(err), cancelled: aborted, verdicts: t.view().verdicts }),
  });
  return { ...run, outcome };
}
