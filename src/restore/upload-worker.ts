/**
 * Worker-thread entry of an upload (upload.ts starts it): runs upload-stream.ts with the spec it
 * was given. Messages in: "abort"; "closed-ok" (the main side cancelled the task, the socket may
 * go). Out: progress, "closing" (about to stop: cancel the task), the outcome or the failure.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runUpload, type UploadFailure, type UploadOutcome, type UploadSpec } from './upload-stream.js';

export type FromUploadWorker =
  | { type: 'progress'; done: number; rate: number }
  | { type: 'closing' }
  | { type: 'done'; outcome: UploadOutcome }
  | { type: 'failed'; failure: UploadFailure };

const port = parentPort!;
const controller = new AbortController();
let closeOk: (() => void) | null = null;
port.on('message', (message: unknown) => {
  if (message === 'abort') controller.abort();
  else if (message === 'closed-ok') closeOk?.();
});

const post = (message: FromUploadWorker) => port.postMessage(message);
runUpload(workerData as UploadSpec, controller.signal, {
  progress: (done, rate) => post({ type: 'progress', done, rate }),
  beforeClose: () =>
    new Promise<void>((resolve) => {
      closeOk = resolve;
      post({ type: 'closing' });
    }),
})
  .then(
    (outcome) => post({ type: 'done', outcome }),
    (failure: UploadFailure) => post({ type: 'failed', failure }),
  )
  // Closing the port lets the thread end once the message is out.
  .finally(() => port.close());
