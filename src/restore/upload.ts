/**
 * One backup file to the pool: `uploadFile` PUTs it to a ticket's import URL (/import for an
 * XVA, /import_raw_vdi for raw and VHD), verified by the backup's own verifier while it streams
 * (upload-stream.ts), then waits for the task's verdict. The one call the restore engine makes
 * per file.
 *
 * Failures:
 * - the verifier refuses a byte: VERIFY_FAILED naming the file (and, for an XVA, the tar member
 *   and the byte offset); the task is cancelled before the connection is closed, so the pool
 *   drops the import (XAPI removes what a failed import created);
 * - the pool refuses the request or the connection fails: the ticket's explain (the task's own
 *   error, or CONNECTION_LOST), then the task is cancelled;
 * - a certificate the trust rules refuse (a redirect to another member): that refusal, as is;
 * - the signal aborts: the task is cancelled, the socket destroyed, `signal.reason` is thrown.
 * The socket is closed whenever this settles.
 *
 * Thread: see THREAD_BY_DEFAULT below.
 */
import { type VerifierSpec, verifierSpecFor } from '../backup/verify.js';
import type { BackupFormat } from '../catalog/types.js';
import { VmbackupError } from '../errors.js';
import { callWorker, haveWorkerFile, type WorkerEnd } from '../util/worker-call.js';
import { taskResultWithin } from '../xapi/task-result.js';
import type { TransferTicket } from '../xapi/transfer-ticket.js';
import type { FromUploadWorker } from './upload-worker.js';
import { runUpload, type UploadFailure, type UploadOutcome, type UploadReports, type UploadSpec } from './upload-stream.js';

export interface UploadFile {
  /** From `conn.transfer(doing, '/import' | '/import_raw_vdi', query, signal)`; `done()` is called here. */
  ticket: TransferTicket;
  /** Absolute path of the backup file. */
  file: string;
  /** A delta point's disk: its chain's VHD files, newest first (the synthetic full VHD is sent). */
  chain?: string[];
  /** The file's size: the Content-Length (compressed XVAs are sent as they are on disk). */
  contentLength: number;
  /** The backup's own verifier for this file (`restoreVerifier`). */
  verify: VerifierSpec;
  signal: AbortSignal;
  /** Bytes sent so far and bytes per second, a few times a second, and once at the end. */
  onBytes(done: number, rate: number): void;
  /** Where the bytes are read, checked and encrypted; the default is THREAD_BY_DEFAULT. */
  thread?: 'main' | 'worker';
}

export interface UploadResult {
  bytes: number;
  elapsedMs: number;
  /**
   * The task's result as xen-api parses it: `['OpaqueRef:newVM']` for /import, `'OpaqueRef:vdi'`
   * for /import_raw_vdi.
   */
  taskResult: unknown;
}

/** The verifier a backup used for a file of this format, for its restore. */
export function restoreVerifier(format: BackupFormat, bytes: number): VerifierSpec {
  if (format === 'unknown') throw new VmbackupError('UNKNOWN_FORMAT', 'this file is not in a format vmbackup restores', 'give a .xva, .xva.gz, .xva.zst, .raw or .vhd file');
  return verifierSpecFor(format, bytes);
}

/**
 * Measured with bench/restore-throughput.mjs (see its header): a worker thread keeps the event
 * loop free for the TUI while TLS, reading and checksums run.
 */
const THREAD_BY_DEFAULT: 'main' | 'worker' = 'worker';
const WORKER = new URL('./upload-worker.js', import.meta.url);
const HAVE_WORKER = haveWorkerFile(WORKER);
const ABORT_GRACE_MS = 20_000;

function onWorker(spec: UploadSpec, signal: AbortSignal, reports: UploadReports): Promise<UploadOutcome> {
  return callWorker<UploadOutcome, UploadFailure, Exclude<FromUploadWorker, WorkerEnd<unknown, unknown>>>({
    url: WORKER,
    workerData: spec,
    signal,
    graceMs: ABORT_GRACE_MS,
    onMessage: (message, worker) => {
      if (message.type === 'progress') reports.progress(message.done, message.rate);
      else void reports.beforeClose().finally(() => worker.postMessage('closed-ok'));
    },
    // A thread stuck in a read (a hung NFS mount) cannot hear the cancel: stop waiting for it.
    stuck: () => ({ code: 'TRANSFER_THREAD_STUCK', message: 'the upload thread did not stop within 20 s of the cancel', stage: 'aborted' }),
    failed: (err) => ({ code: 'TRANSFER_THREAD_FAILED', message: `the upload thread failed: ${err.message}`, stage: 'transport' }),
    exited: (code) => ({ code: 'TRANSFER_THREAD_FAILED', message: `the upload thread ended (exit code ${code}) without a result`, stage: 'transport' }),
  });
}

const ours = (f: UploadFailure) => new VmbackupError(f.code, f.message, f.hint);

/** Sends one file and returns once the pool's task says the import completed. */
export async function uploadFile(opts: UploadFile): Promise<UploadResult> {
  const { ticket, signal } = opts;
  const spec: UploadSpec = { url: ticket.url, trust: ticket.trust, file: opts.file, ...(opts.chain ? { chain: opts.chain } : {}), contentLength: opts.contentLength, verifier: opts.verify };
  let cancelling: Promise<void> | null = null;
  const cancel = () => (cancelling ??= ticket.cancel());
  const reports: UploadReports = { progress: opts.onBytes, beforeClose: cancel };
  const thread = opts.thread ?? THREAD_BY_DEFAULT;
  try {
    let outcome: UploadOutcome;
    try {
      outcome = await (thread === 'worker' && HAVE_WORKER ? onWorker : runUpload)(spec, signal, reports);
    } catch (thrown) {
      const f: UploadFailure = (thrown as UploadFailure)?.stage ? (thrown as UploadFailure) : { code: 'TRANSFER_FAILED', message: String((thrown as Error)?.message ?? thrown), stage: 'transport' };
      if (signal.aborted || f.stage === 'aborted') {
        await cancel();
        throw signal.aborted ? signal.reason : ours(f);
      }
      if (f.stage === 'verify' || f.stage === 'file' || f.stage === 'untrusted') {
        await cancel();
        throw ours(f);
      }
      const error = await ticket.explain(ours(f));
      await cancel();
      throw error;
    }
    try {
      const result = await taskResultWithin(ticket.result, "the import's");
      return { ...outcome, taskResult: result };
    } catch (err) {
      if (signal.aborted) {
        await cancel();
        throw signal.reason;
      }
      throw err;
    }
  } finally {
    ticket.done();
  }
}
