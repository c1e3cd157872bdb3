/**
 * XAPI failures as vmbackup errors: the XAPI code stays visible (sysadmins search for it), the
 * sentence says what we were doing, and the hint what usually fixes it.
 */
import { VmbackupError } from '../errors.js';

const HINTS: Record<string, string> = {
  // access/auth-hint.ts replaces this with a fix for where the password came from.
  SESSION_AUTHENTICATION_FAILED: 'the pool refused this user and password: check both',
  SESSION_INVALID: 'the pool restarted its toolstack or expired the session; run again',
  HOST_IS_SLAVE: 'use the pool master address in #vmbackup: pool=',
  SR_FULL: 'free space on the storage repository: a snapshot needs room for changed blocks (thick LVM: the whole disk)',
  VDI_IN_USE: 'another operation holds the disk; it usually clears within a minute',
  VM_BAD_POWER_STATE: 'the VM is in a state that does not allow this operation',
  HANDLE_INVALID: 'the object disappeared while we worked on it (deleted or renamed in the meantime?)',
  VDI_IO_ERROR: 'the host could not read the disk: see the host logs (SMlog)',
  TOO_MANY_PENDING_TASKS: 'the pool is busy; run again later or lower concurrency',
  LICENCE_RESTRICTION: 'this operation needs a pool licence',
};

export class XapiCallError extends VmbackupError {
  constructor(
    readonly xapiCode: string,
    readonly xapiParams: string[],
    doing: string,
  ) {
    super(xapiCode, `${doing} failed: ${xapiCode}${xapiParams.length ? ` (${xapiParams.join(', ')})` : ''}`, HINTS[xapiCode] ?? 'see the XAPI error code');
    this.name = 'XapiCallError';
  }
}

/** Wraps whatever the xen-api client threw. Transport errors keep their errno code. */
export function poolError(err: unknown, doing: string): VmbackupError {
  if (err instanceof VmbackupError) return err;
  const e = err as { code?: unknown; params?: unknown; message?: unknown; name?: unknown };
  if (typeof e?.code === 'string' && Array.isArray(e.params)) return new XapiCallError(e.code, e.params.map(String), doing);
  if (e?.name === 'Cancel' || String(e?.message).includes('task canceled')) return new VmbackupError('TASK_CANCELLED', `${doing} was cancelled`, 'the run was interrupted');
  const code = typeof e?.code === 'string' ? e.code : 'CONNECTION_FAILED';
  return new VmbackupError(code, `${doing} failed: ${String(e?.message ?? err)}`, 'check that the pool is reachable (address, port, firewall)');
}
