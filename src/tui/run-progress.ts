/**
 * The run screen's model: engine events folded into one row per VM, an overall fraction and the
 * last log lines. Events arrive far more often than the screen redraws (bytes events from every
 * VM in flight), so `apply` only mutates; the screen takes a `view()` copy at its own pace.
 * The log lines come from the headless console log's formatter, so both faces say the same.
 */
import type { BackupMode, Phase, ProgressEvent, RunSummary, VmResult } from '../backup/events.js';
import type { EffectiveSettings } from '../config/index.js';
import { consoleLogger } from '../report/console-log.js';

/** What a row shows: the states, plus waiting (not started) and the end states. */
export type VmState = 'waiting' | 'snapshot' | 'export' | 'verify' | 'cleanup' | 'done' | 'warning' | 'failed' | 'cancelled' | 'skipped';

export interface VmProgress {
  name: string;
  mode: BackupMode;
  state: VmState;
  /** Bytes received so far. */
  done: number;
  /** What the plan expects the export to weigh. */
  estimate: number;
  /** Bytes per second, as the transfer measures it. */
  rate: number;
  /** 0..1: the pool task's progress when it reports one, else bytes / estimate. */
  fraction: number;
  /** Seconds left, when there is a rate to judge by. */
  etaSeconds: number | null;
  error?: { code: string; message: string };
}

export interface RunView {
  vms: VmProgress[];
  /**
   * 0..1 over all VMs, weighted by their estimates: a VM backed up counts whole, one in flight
   * or stopped (failed, cancelled) what it had reached, one never started nothing. So a
   * cancelled or failed run never reads 100%, and a run that never began reads 0%.
   */
  overall: number;
  /** Seconds left for the whole run, while it runs and has made progress to judge by. */
  etaSeconds: number | null;
  /** Bytes received from the pool, those of stopped exports included. */
  bytes: number;
  /** Sum of the rates of the transfers in flight. */
  rate: number;
  log: string[];
  /** Lines older than `log` that were let go (the run's log file has them). */
  logDropped: number;
  summary: RunSummary | null;
}

const PHASE_STATE: Record<Phase, VmState> = {
  // The sweep removes old snapshots right before ours is taken.
  sweep: 'snapshot',
  snapshot: 'snapshot',
  export: 'export',
  // The export is checked as it streams; the metadata files follow the verified export.
  verify: 'verify',
  metadata: 'verify',
  cleanup: 'cleanup',
  retention: 'cleanup',
};

function endState(result: VmResult): VmState {
  switch (result.status) {
    case 'success':
      return 'done';
    case 'warning':
      return 'warning';
    case 'cancelled':
      return 'cancelled';
    case 'skipped':
      return 'skipped';
    default:
      return 'failed';
  }
}

const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

export class RunTracker {
  readonly #vms = new Map<string, VmProgress>();
  readonly #order: string[] = [];
  readonly #log: string[] = [];
  readonly #taskProgress = new Map<string, number>();
  readonly #keepLines: number;
  readonly #logger: (event: ProgressEvent) => void;
  readonly #now: () => Date;
  #summary: RunSummary | null = null;
  #startedAt: Date | null = null;
  #dropped = 0;
  #version = 0;

  constructor(options: { keepLines?: number; now?: () => Date; settings?: EffectiveSettings } = {}) {
    this.#keepLines = options.keepLines ?? 50;
    this.#now = options.now ?? (() => new Date());
    this.#logger = consoleLogger((line) => this.#push(line), this.#now, options.settings);
  }

  /** Changes with every event: the screen redraws only when it moved. */
  get version(): number {
    return this.#version;
  }

  #push(line: string): void {
    this.#log.push(line);
    if (this.#log.length > this.#keepLines) this.#dropped += this.#log.splice(0, this.#log.length - this.#keepLines).length;
  }

  #row(name: string): VmProgress | undefined {
    return this.#vms.get(name);
  }

  apply(event: ProgressEvent): void {
    this.#version++;
    this.#logger(event);
    switch (event.type) {
      case 'run-start':
        this.#startedAt ??= event.at;
        for (const vm of event.vms) {
          if (this.#vms.has(vm.name)) continue;
          this.#order.push(vm.name);
          this.#vms.set(vm.name, { name: vm.name, mode: vm.mode, state: 'waiting', done: 0, estimate: vm.estimate, rate: 0, fraction: 0, etaSeconds: null });
        }
        return;
      case 'vm-start': {
        const row = this.#row(event.vm.name);
        if (row) row.state = 'snapshot';
        return;
      }
      case 'phase': {
        const row = this.#row(event.vm);
        if (row) row.state = PHASE_STATE[event.phase];
        if (row && event.phase !== 'export') row.rate = 0;
        return;
      }
      case 'bytes': {
        const row = this.#row(event.vm);
        if (!row) return;
        row.done = event.done;
        row.rate = event.rate;
        if (event.estimate > 0) row.estimate = event.estimate;
        this.#updateFraction(row);
        return;
      }
      case 'task-progress': {
        this.#taskProgress.set(event.vm, event.progress);
        const row = this.#row(event.vm);
        if (row) this.#updateFraction(row);
        return;
      }
      case 'vm-done':
        this.#finish(event.result);
        return;
      case 'run-done':
        // VMs never started (a cancelled run) get no vm-done event: the summary has them all.
        for (const result of event.summary.vms) if (result) this.#finish(result);
        this.#summary = event.summary;
        return;
      default:
        return;
    }
  }

  #finish(result: VmResult): void {
    const row = this.#row(result.name);
    if (!row) return;
    row.state = endState(result);
    row.rate = 0;
    row.etaSeconds = null;
    const backedUp = row.state === 'done' || row.state === 'warning';
    // A stopped export reports 0 bytes in its result (nothing was kept), yet the bytes came over
    // the wire: the row keeps what it had received, so the totals do not fall back to 0 B.
    row.done = backedUp ? result.bytes : Math.max(row.done, result.bytes);
    // A cancelled task reports progress 1 on its way out: a VM without a backup shows how far
    // its bytes had come against the estimate, never full.
    row.fraction = backedUp ? 1 : row.estimate > 0 ? Math.min(0.99, row.done / row.estimate) : 0;
    if (result.error) row.error = { code: result.error.code, message: result.error.message };
  }

  /**
   * The pool's task progress counts what the host read from the disk, which is the truth for
   * compressed or sparse exports; bytes / estimate is the fallback when the pool says nothing.
   * A transfer is never shown complete before its VM is done (verify and metadata follow).
   */
  #updateFraction(row: VmProgress): void {
    const task = this.#taskProgress.get(row.name) ?? 0;
    const byBytes = row.estimate > 0 ? row.done / row.estimate : 0;
    row.fraction = Math.min(0.99, clamp01(task > 0 ? task : byBytes));
    // The estimate is an upper bound (virtual sizes; holes and compression shrink exports), so
    // an ETA from it alone would only ever be too long: shown only while the pool reports.
    row.etaSeconds = task > 0 && row.rate > 0 ? (row.done * (1 - row.fraction)) / row.fraction / row.rate : null;
  }

  view(): RunView {
    const vms = this.#order.map((name) => ({ ...this.#vms.get(name)! }));
    let weight = 0;
    let weighted = 0;
    let bytes = 0;
    let rate = 0;
    for (const vm of vms) {
      // A VM of unknown size still counts, as one byte, so a run of such VMs moves at all.
      const w = Math.max(1, vm.estimate);
      weight += w;
      weighted += w * (vm.state === 'done' || vm.state === 'warning' ? 1 : vm.fraction);
      bytes += vm.done;
      rate += vm.rate;
    }
    const overall = weight > 0 ? weighted / weight : 0;
    return { vms, overall, etaSeconds: this.#overallEta(overall), bytes, rate, log: [...this.#log], logDropped: this.#dropped, summary: this.#summary };
  }

  /**
   * The time so far scaled by the work left. Elapsed time, not bytes per second: it also counts
   * what the transfer rate does not see (snapshots, verify, the gaps between VMs), which the
   * VMs still waiting will cost too. Below 1% done the guess swings by the hour: none is shown.
   */
  #overallEta(overall: number): number | null {
    if (this.#summary || this.#startedAt === null || overall < 0.01 || overall >= 1) return null;
    const elapsed = (this.#now().getTime() - this.#startedAt.getTime()) / 1000;
    return elapsed > 0 ? (elapsed * (1 - overall)) / overall : null;
  }
}
