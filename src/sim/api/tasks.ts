/**
 * The task lifecycle of XAPI (xapi-notes §3.0): created pending with allowed_operations
 * ["cancel"]; completed with progress 1.0, a finished time and `result` as XML-RPC <value>
 * text (xen-api parses it; a bare ref would make its promise reject); failed with error_info
 * [code, ...params], or "cancelled" when the code is TASK_CANCELLED.
 */
import type { Store } from '../db/store.js';
import { XapiFailure } from '../errors.js';
import { NULL_REF } from '../schema/types.js';
import { xapiDateTime } from '../time.js';

interface Running {
  controller: AbortController;
  lastProgressAt: number;
}

export class Tasks {
  /** Tasks some code is working on: cancelling them aborts that work. */
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly store: Store,
    private readonly progressIntervalMs: () => number,
  ) {}

  create(label: string, description = '', hostRef: string = NULL_REF): string {
    return this.store.add('task', {
      name_label: label,
      name_description: description,
      allowed_operations: ['cancel'],
      created: xapiDateTime(),
      status: 'pending',
      resident_on: hostRef,
      progress: 0,
    });
  }

  isPending(ref: string): boolean {
    const row = this.store.get(ref);
    return row?.cls.name === 'task' && row.record.status === 'pending';
  }

  /**
   * Registers work on a pending task and returns the signal that a task.cancel aborts (with a
   * TASK_CANCELLED failure as the reason).
   */
  begin(ref: string): AbortSignal {
    const running = { controller: new AbortController(), lastProgressAt: 0 };
    this.running.set(ref, running);
    return running.controller.signal;
  }

  /** Progress 0..1; rate-limited like XAPI's, except the first and last updates. */
  progress(ref: string, value: number, force = false): void {
    const running = this.running.get(ref);
    const now = Date.now();
    if (!force && running && now - running.lastProgressAt < this.progressIntervalMs()) return;
    if (running) running.lastProgressAt = now;
    if (this.isPending(ref)) this.store.update(ref, { progress: Math.max(0, Math.min(1, value)) });
  }

  succeed(ref: string, resultXml = ''): void {
    this.running.delete(ref);
    if (!this.isPending(ref)) return;
    this.store.update(ref, { status: 'success', progress: 1, finished: xapiDateTime(), allowed_operations: [], result: resultXml });
  }

  fail(ref: string, failure: XapiFailure): void {
    this.running.delete(ref);
    if (!this.isPending(ref)) return;
    this.store.update(ref, {
      status: failure.code === 'TASK_CANCELLED' ? 'cancelled' : 'failure',
      progress: 1,
      finished: xapiDateTime(),
      allowed_operations: [],
      error_info: failure.description,
      backtrace: '()',
    });
  }

  /** task.cancel: aborts the work on the task, or cancels an idle task at once. */
  cancel(ref: string): void {
    const row = this.store.expect('task', ref);
    const allowed = row.record.allowed_operations as string[];
    if (row.record.status !== 'pending' || !allowed.includes('cancel')) {
      throw new XapiFailure('OPERATION_NOT_ALLOWED', [`task ${ref} cannot be cancelled`]);
    }
    const running = this.running.get(ref);
    const failure = new XapiFailure('TASK_CANCELLED', [ref]);
    if (running) running.controller.abort(failure);
    else this.fail(ref, failure);
  }

  destroy(ref: string): void {
    this.store.expect('task', ref);
    this.running.get(ref)?.controller.abort(new XapiFailure('TASK_CANCELLED', [ref]));
    this.running.delete(ref);
    this.store.remove(ref);
  }
}
