/**
 * Faults a test (or `vmbackup sim --fault ...`) can inject, each limited to a VM (by name, uuid
 * or ref; a snapshot also matches through the VM it was taken of), an HTTP path, or a number
 * of occurrences. They reproduce what a real pool does when things go wrong, so the client sees
 * the same status codes, truncations and XAPI errors.
 */
import type { Store } from './db/store.js';
import { XapiFailure } from './errors.js';
import type { Value } from './schema/types.js';

export interface FaultScope {
  /** VM name_label, uuid or ref; for a disk export also the disk's uuid or name_label. */
  vm?: string;
  /** HTTP path prefix, e.g. "/export". */
  path?: string;
  /** How many times the fault fires (default: every time). */
  times?: number;
}

export interface StreamFaults {
  /** Close the connection after this many body bytes (status 200 already sent). */
  dropAfter?: number;
  /** Answer 500 before any header. */
  http500?: boolean;
  /** Pause the stream for `ms` once `afterBytes` bytes are out. */
  stall?: { ms: number; afterBytes: number };
  /** Bytes per second. */
  throttle?: number;
  /**
   * Flip every bit of the body byte at this offset (of the bytes sent: compressed ones for a
   * compressed export); the task still succeeds. Only the stream's own checks can tell.
   */
  corruptAt?: number;
}

type Kind = 'drop' | 'http500' | 'stall' | 'throttle' | 'corrupt' | 'sr-full' | 'vdi-in-use' | 'refuse-base';

interface Fault {
  kind: Kind;
  scope: FaultScope;
  left: number;
  value: number;
  afterBytes?: number;
}

export class Faults {
  private list: Fault[] = [];
  private invalidateAfter: number | null = null;
  private loginDelayMs = 0;
  private rejectLogins = false;

  constructor(
    private readonly store: Store,
    private readonly invalidateSessions: () => void,
  ) {}

  private add(kind: Kind, scope: FaultScope = {}, value = 0, afterBytes?: number): void {
    this.list.push({ kind, scope, left: scope.times ?? Number.POSITIVE_INFINITY, value, ...(afterBytes === undefined ? {} : { afterBytes }) });
  }

  dropExportAfter(bytes: number, scope?: FaultScope): void {
    this.add('drop', scope, bytes);
  }
  http500(scope?: FaultScope): void {
    this.add('http500', scope);
  }
  stall(ms: number, afterBytes = 0, scope?: FaultScope): void {
    this.add('stall', scope, ms, afterBytes);
  }
  throttle(bytesPerSecond: number, scope?: FaultScope): void {
    this.add('throttle', scope, bytesPerSecond);
  }
  /** One byte of an /export or /export_raw_vdi body, at `offset`, arrives inverted; status 200, task success. */
  corruptExportAt(offset: number, scope?: FaultScope): void {
    this.add('corrupt', scope, offset);
  }
  srFullOnSnapshot(scope?: FaultScope): void {
    this.add('sr-full', scope);
  }
  /** VDI.destroy answers VDI_IN_USE for the first `times` attempts (per VDI scope). */
  vdiInUseOnDestroy(times: number, scope: Omit<FaultScope, 'times'> = {}): void {
    this.add('vdi-in-use', { ...scope, times });
  }
  /**
   * `GET /export_raw_vdi?base=B` fails as on a pool whose base is not a VHD (a raw LVM SR): 200,
   * empty body, task INTERNAL_ERROR "base VDI is not a vhd; cannot compute differences". Scoped
   * by `vm` like the others: B's uuid or name, the VDI B is a snapshot of, or a VM B is attached to.
   */
  refuseBase(scope?: FaultScope): void {
    this.add('refuse-base', scope);
  }
  /** After `calls` more RPC calls, every session becomes invalid (a toolstack restart). */
  sessionInvalidAfter(calls: number): void {
    this.invalidateAfter = calls;
  }
  slowLogin(ms: number): void {
    this.loginDelayMs = ms;
  }
  /** Every login fails with SESSION_AUTHENTICATION_FAILED, whatever the password. */
  wrongPassword(on = true): void {
    this.rejectLogins = on;
  }
  clear(): void {
    this.list = [];
    this.invalidateAfter = null;
    this.loginDelayMs = 0;
    this.rejectLogins = false;
  }

  private matchesVm(scope: FaultScope, record: Record<string, Value> | undefined): boolean {
    if (scope.vm === undefined) return true;
    const candidates = [record];
    const source = record && this.store.get(String(record.snapshot_of));
    if (source) candidates.push(source.record);
    // A disk (or a snapshot of one) also matches by the VMs it is attached to.
    for (const disk of [...candidates]) {
      for (const vbd of disk && Array.isArray(disk.VBDs) ? (disk.VBDs as string[]) : []) {
        const vm = this.store.get(String(this.store.get(vbd)?.record.VM));
        if (vm) candidates.push(vm.record);
      }
    }
    return candidates.some((r) => r && (r.name_label === scope.vm || r.uuid === scope.vm || this.refOf(r) === scope.vm));
  }

  private refOf(record: Record<string, Value>): string | undefined {
    return this.store.rows('VM').find((r) => r.record === record)?.ref;
  }

  /** Consumes one firing of the first matching fault of `kind`. */
  private take(kind: Kind, match: (scope: FaultScope) => boolean): Fault | undefined {
    const fault = this.list.find((f) => f.kind === kind && f.left > 0 && match(f.scope));
    if (fault) fault.left--;
    return fault;
  }

  // ---- hooks used by the simulator ----

  beforeCall(_method: string, _params: unknown[]): void {
    if (this.invalidateAfter === null) return;
    if (this.invalidateAfter-- <= 0) {
      this.invalidateAfter = null;
      this.invalidateSessions();
    }
  }

  loginRejected(): boolean {
    return this.rejectLogins;
  }

  async loginDelay(): Promise<void> {
    if (this.loginDelayMs > 0) await new Promise((r) => setTimeout(r, this.loginDelayMs));
  }

  onSnapshot(vm: Record<string, Value>): void {
    if (this.take('sr-full', (s) => this.matchesVm(s, vm))) {
      throw new XapiFailure('SR_FULL', [String(2 ** 34), String(2 ** 33)]);
    }
  }

  onVdiSnapshot(vdi: Record<string, Value>): void {
    if (this.take('sr-full', (s) => s.vm === undefined || s.vm === vdi.uuid || s.vm === vdi.name_label)) {
      throw new XapiFailure('SR_FULL', [String(vdi.virtual_size), String(vdi.virtual_size)]);
    }
  }

  /** True when a `refuse-base` fault matches this base VDI (consuming one firing). */
  baseRefused(base: Record<string, Value>): boolean {
    return this.take('refuse-base', (s) => this.matchesVm(s, base)) !== undefined;
  }

  vdiInUse(vdi: Record<string, Value>): boolean {
    return this.take('vdi-in-use', (s) => s.vm === undefined || s.vm === vdi.uuid || s.vm === vdi.name_label) !== undefined;
  }

  /** The stream faults for one HTTP transfer of `path` (about `vm`, when it concerns one). */
  forStream(path: string, vm?: Record<string, Value>): StreamFaults {
    const match = (s: FaultScope) => (s.path === undefined || path.startsWith(s.path)) && this.matchesVm(s, vm);
    const out: StreamFaults = {};
    const drop = this.take('drop', match);
    if (drop) out.dropAfter = drop.value;
    if (this.take('http500', match)) out.http500 = true;
    const stall = this.take('stall', match);
    if (stall) out.stall = { ms: stall.value, afterBytes: stall.afterBytes ?? 0 };
    const throttle = this.take('throttle', match);
    if (throttle) out.throttle = throttle.value;
    // Exports only (/export, /export_raw_vdi): never the pool database dump.
    const corrupt = path.startsWith('/export') ? this.take('corrupt', match) : undefined;
    if (corrupt) out.corruptAt = corrupt.value;
    return out;
  }
}
