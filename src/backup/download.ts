/**
 * One export from the pool to one file, on a thread of its own: the worker (transfer.ts) GETs
 * the export, verifies and writes it under a temporary name; this side then asks the pool's
 * task whether the transfer completed (a 200 stream that ended may still be truncated: only
 * the task knows), and renames the file. Nothing half-written ever carries the final name.
 *
 * Why a thread: TLS decryption, verification and writing cost about a second of CPU per GiB.
 * On the main thread, four VMs at once shared one core (bench/: 0.55 of four curls); on
 * threads they use every core, and the TUI stays responsive. Where the compiled worker file is
 * missing (tests run the TypeScript sources), the transfer runs on the main thread.
 */
import { unlink } from 'node:fs/promises';
import { VmbackupError } from '../errors.js';
import { callWorker, haveWorkerFile, type WorkerEnd } from '../util/worker-call.js';
import { taskResultWithin } from '../xapi/task-result.js';
import type { TransferTicket } from '../xapi/transfer-ticket.js';
import type { FileSums } from './content-sums.js';
import { commitFile, tempPathFor } from './finalize.js';
import { runTransfer, type TransferFailure, type TransferOutcome, type TransferReports, type TransferSpec } from './transfer.js';
import type { FromWorker } from './transfer-worker.js';
import type { VerifierSpec } from './verify.js';

export interface DownloadToFile {
  ticket: TransferTicket;
  /** Absolute path inside backup_dir. */
  finalPath: string;
  verifier: VerifierSpec;
  /** Raw disks: all-zero blocks become holes. */
  sparse: boolean;
  signal: AbortSignal;
  onProgress(done: number, ratePerSecond: number): void;
  /** stall_timeout: seconds without data before the transfer fails as STALLED. */
  stallTimeoutS: number;
  /** The pool has sent nothing for `seconds` (a line for the log). */
  onQuiet?(seconds: number): void;
  /** See TransferSpec. */
  vhdIdentity?: { uuid: string; parentUuid?: string };
}

const WORKER = new URL('./transfer-worker.js', import.meta.url);
const HAVE_WORKER = haveWorkerFile(WORKER);
const ABORT_GRACE_MS = 10_000;

function inThread(spec: TransferSpec, signal: AbortSignal, reports: TransferReports): Promise<TransferOutcome> {
  return runTransfer(spec, signal, reports);
}

function onWorker(spec: TransferSpec, signal: AbortSignal, reports: TransferReports): Promise<TransferOutcome> {
  return callWorker<TransferOutcome, TransferFailure, Exclude<FromWorker, WorkerEnd<unknown, unknown>>>({
    url: WORKER,
    workerData: spec,
    signal,
    graceMs: ABORT_GRACE_MS,
    onMessage: (message) => {
      if (message.type === 'progress') reports.progress(message.done, message.rate);
      else reports.quiet(message.seconds);
    },
    // A thread stuck in a write (a hung NFS mount) cannot hear the cancel; cancellation must
    // still finish, so stop waiting for it after a grace period.
    stuck: () => ({ code: 'TRANSFER_THREAD_STUCK', message: 'the transfer thread did not stop within 10 s of the cancel' }),
    failed: (err) => ({ code: 'TRANSFER_THREAD_FAILED', message: `the transfer thread failed: ${err.message}` }),
    exited: (code) => ({ code: 'TRANSFER_THREAD_FAILED', message: `the transfer thread ended (exit code ${code}) without a result` }),
  });
}

/** The failure as our error; `where` (a verifier's) and `path` (a file's) ride along for whereOf and fs-errors.ts. */
const ours = (f: TransferFailure) => Object.assign(new VmbackupError(f.code, f.message, f.hint), f.where ? { where: f.where } : {}, f.path ? { path: f.path } : {});

/** Downloads into `finalPath`; resolves with the bytes received and their sums. */
export async function downloadToFile(job: DownloadToFile): Promise<{ bytes: number; sums: FileSums }> {
  const temp = tempPathFor(job.finalPath);
  const stallTimeoutMs = job.stallTimeoutS * 1000;
  const spec: TransferSpec = { url: job.ticket.url, trust: job.ticket.trust, temp, verifier: job.verifier, sparse: job.sparse, stallTimeoutMs, ...(job.vhdIdentity ? { vhdIdentity: job.vhdIdentity } : {}) };
  const reports: TransferReports = { progress: job.onProgress, quiet: (seconds) => job.onQuiet?.(seconds) };
  try {
    let outcome: TransferOutcome;
    try {
      outcome = await (HAVE_WORKER ? onWorker : inThread)(spec, job.signal, reports);
    } catch (failure) {
      if (job.signal.aborted) throw job.signal.reason;
      const f = failure as TransferFailure;
      // Who stopped the transfer is the cause, decided by where the failure came from, never by
      // which side's error arrives first:
      // - our side (`ours`: the verifier refused a piece, backup_dir could not be written) or a
      //   silent pool we gave up on (STALLED): our error. The task, if it failed, failed because
      //   we closed the connection (CLIENT_ERROR, write ECONNRESET): a reaction, not the cause.
      //   It is cancelled, so that the pool records a cancel.
      // - the wire (a socket error, an HTTP status): the pool may know better (an HTTP 500's
      //   INTERNAL_ERROR, a pool that went away), so explain() asks the task and the link.
      // A stream the pool cut short (VDI_IO_ERROR) is neither: it ends, the verifier's end()
      // complains, and the task's result below, awaited first, names the pool's error.
      if (f.ours || f.code === 'STALLED') {
        await job.ticket.cancel();
        throw ours(f);
      }
      const error = await job.ticket.explain(ours(f));
      await job.ticket.cancel();
      throw error;
    }
    // A stream that ended short may be a pool that went away: ask now, not after the timeout.
    if (outcome.endFailure) job.ticket.checkLink();
    await taskResultWithin(job.ticket.result, "the transfer's");
    if (outcome.endFailure) throw ours(outcome.endFailure);
    await commitFile(temp, job.finalPath);
    return { bytes: outcome.bytes, sums: outcome.sums };
  } catch (err) {
    // The transfer removes its file when it fails; a failure after it (the task, the check of
    // the stream's end, the rename) leaves it to us.
    await unlink(temp).catch(() => undefined);
    throw job.signal.aborted ? job.signal.reason : err;
  } finally {
    job.ticket.done();
  }
}
