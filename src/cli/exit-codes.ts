/**
 * Exit codes, the contract with cron wrappers and monitoring. Only cli/ maps errors to them.
 *   0    every VM backed up (preview: the cfg is valid)
 *   1    backed up, with warnings (e.g. a snapshot could not be removed)
 *   2    a VM failed, or a bad command line, cfg, password, or no connection to the pool
 *   130  interrupted (SIGINT/SIGTERM); everything started was cleaned up
 */
import { VmbackupError } from '../errors.js';
import { RUN_EXIT } from '../report/run-exit-code.js';

export const EXIT = {
  // A run's own codes come from report/run-exit-code.ts, shared with the TUI.
  OK: RUN_EXIT.OK,
  WARNINGS: RUN_EXIT.WARNINGS,
  FAILED: RUN_EXIT.FAILED,
  /** The command line, a cfg or an input file is invalid; nothing was backed up. */
  INVALID: 2,
  INTERRUPTED: RUN_EXIT.INTERRUPTED,
  /** A bug: an error we did not expect. */
  INTERNAL: 70,
} as const;

export function exitCodeFor(err: unknown): number {
  if (err instanceof VmbackupError) return err.code === 'INTERRUPTED' ? EXIT.INTERRUPTED : EXIT.FAILED;
  return EXIT.INTERNAL;
}
