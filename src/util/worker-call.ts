/**
 * One job on a worker thread of its own, as a promise: the glue the export download
 * (backup/download.ts) and the restore upload (restore/upload.ts) share. The worker gets its
 * spec as `workerData`, reports with messages, and ends with `done` (the outcome) or `failed`
 * (the failure, rejected as it is). On the signal it is sent the message 'abort'; a thread stuck
 * in a read or write (a hung NFS mount) cannot hear it, so after `graceMs` we stop waiting:
 * reject with `stuck` and terminate it. Settles once; the abort listener and the timer go with it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** The last message of every worker of ours. */
export type WorkerEnd<Outcome, Failure> = { type: 'done'; outcome: Outcome } | { type: 'failed'; failure: Failure };

export interface WorkerCall<Other, Failure> {
  /** The compiled worker file (see `haveWorkerFile`). */
  url: URL;
  workerData: unknown;
  signal: AbortSignal;
  /** How long a cancelled thread may take to stop. */
  graceMs: number;
  /** Every message but `done` and `failed` (progress and the like); `worker` to answer it. */
  onMessage(message: Other, worker: Worker): void;
  /** The rejection when the thread did not stop within `graceMs` of the cancel. */
  stuck(): Failure;
  /** The rejection when the thread threw (an 'error' event). */
  failed(err: Error): Failure;
  /** The rejection when the thread ended without a result. */
  exited(code: number): Failure;
}

/**
 * Whether the compiled worker file is there: tests run the TypeScript sources, which have none,
 * and then the job runs on the main thread.
 */
export function haveWorkerFile(url: URL): boolean {
  return existsSync(fileURLToPath(url));
}

export function callWorker<Outcome, Failure, Other>(call: WorkerCall<Other, Failure>): Promise<Outcome> {
  const { signal } = call;
  return new Promise((resolve, reject) => {
    const worker = new Worker(call.url, { workerData: call.workerData });
    let settled = false;
    let giveUp: NodeJS.Timeout | undefined;
    const abort = () => {
      worker.postMessage('abort');
      giveUp = setTimeout(() => {
        settle(() => reject(call.stuck()));
        void worker.terminate();
      }, call.graceMs);
      giveUp.unref();
    };
    signal.addEventListener('abort', abort, { once: true });
    // A cancel that came before the thread existed fires no event: tell the thread now (the
    // message waits in its port until it listens). Without it, a verify interrupted between two
    // backups read the next one to its end.
    if (signal.aborted) abort();
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(giveUp);
      signal.removeEventListener('abort', abort);
      fn();
    };
    worker.on('message', (message: Other | WorkerEnd<Outcome, Failure>) => {
      const end = message as WorkerEnd<Outcome, Failure>;
      if (end.type === 'done') settle(() => resolve(end.outcome));
      else if (end.type === 'failed') settle(() => reject(end.failure));
      else call.onMessage(message as Other, worker);
    });
    worker.on('error', (err) => settle(() => reject(call.failed(err))));
    worker.on('exit', (code) => settle(() => reject(call.exited(code))));
  });
}
