/** What every step of one restore shares: the pool, the plan, the signal, the event sink, the undo list. */
import type { PoolConnection } from '../xapi/connection.js';
import type { Undo } from './cleanup.js';
import type { RestoreEvent, RestorePlan } from './types.js';

export interface RestoreContext {
  conn: PoolConnection;
  plan: RestorePlan;
  signal: AbortSignal;
  emit(event: RestoreEvent): void;
  undo: Undo;
  /** Bytes of every file to send: the estimate of the bytes events. */
  totalBytes: number;
  /** Bytes of the files already sent (several disks go one after the other). */
  sentBefore: number;
}

/** The name events carry (the `vm` of the backup's events): what the restore creates. */
export const label = (ctx: Pick<RestoreContext, 'plan'>) => ctx.plan.name;

export function log(ctx: RestoreContext, message: string): void {
  ctx.emit({ type: 'log', vm: label(ctx), message });
}

export function warn(ctx: RestoreContext, message: string): void {
  ctx.emit({ type: 'warning', vm: label(ctx), message });
}
