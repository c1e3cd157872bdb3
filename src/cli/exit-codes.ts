/**
 * Exit codes, the contract with cron wrappers and monitoring. Only cli/ maps errors to them.
 *   0    every VM backed up (preview: the cfg is valid)
 *   1    backed up, with warnings (e.g. a snapshot could not be removed)
 *   2    a VM failed, or a bad command line, cfg, password, or no connection to the pool
 *   130  interrupted (SIGINT/SIGTERM); everything started was cleaned up
 */
import { VmbackupError } from '../errors.js';

export const EXIT = {
  OK: 0,
  WARNINGS: 1,
  FAILED: 2,
  /** The command line, a cfg or an input file is invalid; nothing was backed up. */
  INVALID: 2,
  INTERRUPTED: 130,
  /** A bug: an error we did not expect. */
  INTERNAL: 70,
} as const;

export function exitCodeFor(err: unknown): number {
  if (err instanceof VmbackupError) return err.code === 'INTERRUPTED' ? EXIT.INTERRUPTED : EXIT.FAILED;
  return EXIT.INTERNAL;
}
