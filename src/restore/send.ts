/**
 * One file to the pool under a task we own: the upload (upload.ts: file → the backup's
 * verifier → PUT, then the task's result: a PUT that ended is not an import that succeeded),
 * with progress as the backup's bytes and task-progress events.
 */
import { VmbackupError } from '../errors.js';
import type { TransferTicket } from '../xapi/transfer-ticket.js';
import { label, type RestoreContext } from './context.js';
import type { RestoreFile } from './types.js';
import { restoreVerifier, uploadFile } from './upload.js';

/** A damaged backup is named: the file (the verifier's message has the member and offset). */
function named(err: unknown, file: RestoreFile): unknown {
  if (!(err instanceof VmbackupError) || err.code !== 'VERIFY_FAILED' || err.message.includes(file.path)) return err;
  return new VmbackupError('VERIFY_FAILED', `${file.path}: ${err.message}`, err.hint);
}

/** Sends `file` on `ticket`; resolves with the bytes sent and the task's result. */
export async function sendFile(ctx: RestoreContext, ticket: TransferTicket, file: RestoreFile): Promise<{ bytes: number; elapsedMs: number; result: unknown }> {
  const vm = label(ctx);
  const stopProgress = ctx.conn.onTaskProgress(ticket.taskRef, (progress) => ctx.emit({ type: 'task-progress', vm, progress }));
  try {
    const sent = await uploadFile({
      ticket,
      file: file.path,
      ...(file.chain ? { chain: file.chain } : {}),
      contentLength: file.bytes,
      verify: restoreVerifier(file.format, file.bytes),
      signal: ctx.signal,
      onBytes: (done: number, rate: number) => ctx.emit({ type: 'bytes', vm, done: ctx.sentBefore + done, estimate: ctx.totalBytes, rate }),
    });
    // A cancel that came as the upload finished: the pool has it, and the cleanup must remove it.
    if (ctx.signal.aborted) throw ctx.signal.reason;
    ctx.sentBefore += sent.bytes;
    return { bytes: sent.bytes, elapsedMs: sent.elapsedMs, result: sent.taskResult };
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    throw named(err, file);
  } finally {
    stopProgress();
    ticket.done();
  }
}
