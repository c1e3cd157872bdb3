/**
 * runRestore: the plan, carried out. Before a byte is sent: the confirmations must be answered,
 * the SR must (still) have room. Then the XVA or the disks, and on any failure, a cancel
 * (the signal) or a VERIFY_FAILED, everything this restore created is removed again.
 */
import { VmbackupError } from '../errors.js';
import type { PoolConnection } from '../xapi/connection.js';
import { Undo } from './cleanup.js';
import { restoreDeltaVm } from './delta-import.js';
import { checkLinks } from './delta-sums.js';
import { label, type RestoreContext } from './context.js';
import { checkRoom } from './plan.js';
import { listTargetSrs } from './target-sr.js';
import type { RestoreEventSink, RestorePlan, RestoreResult } from './types.js';
import { restoreVdis } from './vdi-import.js';
import { restoreVm } from './xva-import.js';

export const INTERRUPTED_MESSAGE = 'the restore was interrupted';

function interrupted(): VmbackupError {
  return new VmbackupError('INTERRUPTED', `${INTERRUPTED_MESSAGE}; what it had created on the pool was removed`, 'run it again when you are ready');
}

export async function runRestore(conn: PoolConnection, plan: RestorePlan, opts: { signal: AbortSignal; onEvent: RestoreEventSink; confirmed: boolean }): Promise<RestoreResult> {
  const emit = opts.onEvent;
  const vm = label({ plan });
  emit({ type: 'phase', vm, phase: 'check' });
  if (plan.confirmations.length > 0 && !opts.confirmed) {
    throw new VmbackupError('CONFIRMATION_NEEDED', plan.confirmations.map((c) => c.message).join('; '), 'answer yes when asked, or pass --yes to agree in advance');
  }
  // The SR as the pool sees it now: the plan may be minutes old (a confirm screen).
  const sr = listTargetSrs(conn).find((s) => s.ref === plan.sr.ref) ?? plan.sr;
  checkRoom({ sr, neededBytes: plan.neededBytes });
  if (opts.signal.aborted) throw interrupted();
  // A delta point: every link read against its sums first (delta-sums.ts), nothing created yet.
  if (plan.delta) {
    emit({ type: 'log', vm, message: `checking the ${plan.delta.links.length} files of the chain against their recorded sums` });
    try {
      await checkLinks(plan.delta.links, opts.signal, (done, total) => emit({ type: 'bytes', vm, done, estimate: total, rate: 0 }));
    } catch (err) {
      if (opts.signal.aborted) throw interrupted();
      throw err;
    }
  }

  const ctx: RestoreContext = {
    conn,
    plan,
    signal: opts.signal,
    emit,
    undo: new Undo(conn),
    totalBytes: plan.files.reduce((sum, f) => sum + f.bytes, 0),
    sentBefore: 0,
  };
  try {
    const result = await (plan.kind === 'vm' ? (plan.delta ? restoreDeltaVm(ctx) : restoreVm(ctx)) : restoreVdis(ctx));
    // Interrupted during the last call (marking, attaching): what was made goes, as at any other point.
    if (opts.signal.aborted) throw opts.signal.reason;
    emit({ type: 'restore-done', result });
    return result;
  } catch (err) {
    emit({ type: 'phase', vm, phase: 'cleanup' });
    const left = await ctx.undo.run((message) => emit({ type: 'log', vm, message }));
    for (const message of left) emit({ type: 'warning', vm, message: `could not remove what the restore created: ${message}` });
    if (opts.signal.aborted) throw interrupted();
    throw err;
  }
}
