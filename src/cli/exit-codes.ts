/**
 * Exit codes, the contract with cron wrappers and monitoring. Only cli/ maps errors to them.
 */
import { VmbackupError } from '../errors.js';

export const EXIT = {
  OK: 0,
  /** The command line, a cfg or an input file is invalid; nothing was backed up. */
  INVALID: 2,
  /** No pool could be reached (or, in this version, none is connected yet). */
  NO_POOL: 3,
  /** A bug: an error we did not expect. */
  INTERNAL: 70,
} as const;

const BY_CODE: Record<string, number> = {
  USAGE: EXIT.INVALID,
  CONFIG_INVALID: EXIT.INVALID,
  INPUT_UNREADABLE: EXIT.INVALID,
  OUTPUT_EXISTS: EXIT.INVALID,
  PASSWORD_FILE_INVALID: EXIT.INVALID,
  PASSWORD_FILE_UNREADABLE: EXIT.INVALID,
  NO_POOL: EXIT.NO_POOL,
};

export function exitCodeFor(err: unknown): number {
  if (err instanceof VmbackupError) return BY_CODE[err.code] ?? EXIT.INVALID;
  return EXIT.INTERNAL;
}
