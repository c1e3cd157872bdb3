/**
 * A restore's progress screen model: RestoreEvents folded into one view (phase, bytes against
 * the estimate, rate, the pool task's progress, the last log lines, the warnings). As in
 * run-progress.ts, `apply` only mutates and counts a version; the screen copies a view at its
 * own pace (hooks/use-restore-run.ts), so a fast stream costs ten frames a second.
 */
import type { RestoreEvent, RestorePhase, RestoreResult } from '../../restore/types.js';

export interface RestoreView {
  phase: RestorePhase | null;
  done: number;
  estimate: number;
  /** Bytes per second, as the transfer measures it. */
  rate: number;
  /** The pool task's own progress (0..1), once events brought one. */
  task: number | null;
  /** 0..1: bytes sent over the estimate (the import task lags behind what was sent). */
  fraction: number;
  etaSeconds: number | null;
  log: string[];
  warnings: string[];
  result: RestoreResult | null;
}

export const PHASE_TEXT: Record<RestorePhase, string> = {
  check: 'checking',
  'create-vdi': 'creating the disk',
  import: 'importing',
  attach: 'attaching',
  start: 'starting the VM',
  cleanup: 'cleaning up',
};

export class RestoreTracker {
  version = 0;
  private readonly state: RestoreView = { phase: null, done: 0, estimate: 0, rate: 0, task: null, fraction: 0, etaSeconds: null, log: [], warnings: [], result: null };

  constructor(private readonly keepLines = 500) {}

  apply(event: RestoreEvent): void {
    const s = this.state;
    switch (event.type) {
      case 'phase':
        s.phase = event.phase;
        break;
      case 'bytes':
        s.done = event.done;
        s.estimate = event.estimate;
        s.rate = event.rate;
        break;
      case 'task-progress':
        s.task = Math.min(1, Math.max(0, event.progress));
        break;
      case 'log':
        this.line(event.message);
        break;
      case 'warning':
        s.warnings.push(event.message);
        this.line(`warning: ${event.message}`);
        break;
      case 'restore-done':
        s.result = event.result;
        break;
    }
    this.version++;
  }

  private line(text: string): void {
    this.state.log.push(text);
    if (this.state.log.length > this.keepLines) this.state.log.splice(0, this.state.log.length - this.keepLines);
  }

  view(): RestoreView {
    const s = this.state;
    const byBytes = s.estimate > 0 ? Math.min(1, s.done / s.estimate) : 0;
    const fraction = s.result ? 1 : byBytes;
    const etaSeconds = s.rate > 0 && s.estimate > s.done && !s.result ? (s.estimate - s.done) / s.rate : null;
    return { ...s, fraction, etaSeconds, log: [...s.log], warnings: [...s.warnings] };
  }
}
