/**
 * Worker-thread entry of a transfer (download.ts starts it): runs transfer.ts with the spec it
 * was given and reports progress, silences of the pool and the outcome as messages. An "abort"
 * message stops it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runTransfer, type TransferSpec } from './transfer.js';

export type FromWorker =
  | { type: 'progress'; done: number; rate: number }
  | { type: 'quiet'; seconds: number }
  | { type: 'done'; outcome: Awaited<ReturnType<typeof runTransfer>> }
  | { type: 'failed'; failure: { code: string; message: string; hint?: string } };

const port = parentPort!;
const controller = new AbortController();
port.on('message', (message: unknown) => {
  if (message === 'abort') controller.abort();
});

const post = (message: FromWorker) => port.postMessage(message);
runTransfer(workerData as TransferSpec, controller.signal, {
  progress: (done, rate) => post({ type: 'progress', done, rate }),
  quiet: (seconds) => post({ type: 'quiet', seconds }),
})
  .then(
    (outcome) => post({ type: 'done', outcome }),
    (failure: { code: string; message: string; hint?: string }) => post({ type: 'failed', failure }),
  )
  // Closing the port lets the thread end once the message is out.
  .finally(() => port.close());
