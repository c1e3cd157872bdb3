/**
 * The exit code of a backup run, from its summary: the contract with cron wrappers and
 * monitoring (cli/exit-codes.ts has the whole table). Both faces end with it: a headless run and
 * `vmbackup tui` (its last run), so it lives below them.
 */
import type { RunSummary } from '../backup/events.js';

export const RUN_EXIT = { OK: 0, WARNINGS: 1, FAILED: 2, INTERRUPTED: 130 } as const;

/** `extraWarnings`: warnings outside the VMs (a status log that cannot be written, a mail not sent). */
export function runExitCode(summary: Pick<RunSummary, 'interrupted' | 'counts'>, extraWarnings = false): number {
  if (summary.interrupted) return RUN_EXIT.INTERRUPTED;
  if (summary.counts.error > 0) return RUN_EXIT.FAILED;
  if (summary.counts.warning > 0 || extraWarnings) return RUN_EXIT.WARNINGS;
  return RUN_EXIT.OK;
}
