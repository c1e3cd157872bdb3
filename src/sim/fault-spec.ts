/**
 * Faults written as text, for `vmbackup sim --fault SPEC` (repeatable):
 *   drop-export-after=BYTES    close the transfer after BYTES (e.g. 10M); the task fails
 *   http-500[=PATH]            answer 500 before the headers (default: every transfer)
 *   stall=MS[@BYTES]           pause the stream MS milliseconds once BYTES are out
 *   throttle=RATE              at most RATE bytes per second (e.g. 50M)
 *   corrupt-export-at=OFFSET   invert the export body's byte at OFFSET (e.g. 1M); the task succeeds
 *   sr-full[=VM]               SR_FULL on snapshot (of VM, or of any VM)
 *   refuse-base[=VM]           /export_raw_vdi?base= fails as on a raw SR (of VM's disks, or any)
 *   vdi-in-use=K               VDI_IN_USE on the first K VDI.destroy calls
 *   session-invalid-after=N    every session becomes invalid after N more calls
 *   slow-login=MS              logins take MS milliseconds
 *   wrong-password             every login fails
 */
import type { Faults } from './faults.js';

const UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 };

function amount(text: string | undefined, spec: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)(?:i?B)?$/i.exec(text ?? '');
  if (!m) throw new Error(`--fault ${spec}: "${text ?? ''}" is not a number (e.g. 1048576, 10M)`);
  return Math.round(Number(m[1]) * UNITS[m[2]!.toUpperCase()]!);
}

export const FAULT_HELP = `faults (--fault, repeatable):
  drop-export-after=BYTES  http-500[=PATH]  stall=MS[@BYTES]  throttle=RATE
  corrupt-export-at=OFFSET (one byte of /export or /export_raw_vdi inverted, task success)
  refuse-base[=VM] (export_raw_vdi base= refused: task INTERNAL_ERROR "base VDI is not a vhd")
  sr-full[=VM]  vdi-in-use=K  session-invalid-after=N  slow-login=MS  wrong-password`;

export function applyFaultSpec(faults: Faults, spec: string): void {
  const eq = spec.indexOf('=');
  const kind = eq === -1 ? spec : spec.slice(0, eq);
  const value = eq === -1 ? undefined : spec.slice(eq + 1);
  switch (kind) {
    case 'drop-export-after':
      return faults.dropExportAfter(amount(value, spec));
    case 'http-500':
      return faults.http500(value ? { path: value } : {});
    case 'stall': {
      const [ms, after] = (value ?? '').split('@');
      return faults.stall(amount(ms, spec), after === undefined ? 0 : amount(after, spec));
    }
    case 'throttle':
      return faults.throttle(amount(value, spec));
    case 'corrupt-export-at':
      return faults.corruptExportAt(amount(value, spec));
    case 'sr-full':
      return faults.srFullOnSnapshot(value ? { vm: value } : {});
    case 'refuse-base':
      return faults.refuseBase(value ? { vm: value } : {});
    case 'vdi-in-use':
      return faults.vdiInUseOnDestroy(amount(value, spec));
    case 'session-invalid-after':
      return faults.sessionInvalidAfter(amount(value, spec));
    case 'slow-login':
      return faults.slowLogin(amount(value, spec));
    case 'wrong-password':
      return faults.wrongPassword();
    default:
      throw new Error(`--fault ${spec}: unknown fault "${kind}"\n${FAULT_HELP}`);
  }
}
