/**
 * Worker-thread entry of verify's reading (threads.ts starts it): either one reader of the fast
 * path (segment-hash.ts) or the structural pass over one file (check-file.ts). Progress goes to
 * the main thread as messages, at most every 100 ms; an "abort" message stops it. Each job's
 * module is loaded only when asked for: a segment reader needs hash-wasm and nothing of
 * formats/, and a thread's start is part of what a verify of a small file costs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FileToCheck } from './check-file.js';
import type { SegmentJob } from './segment-hash.js';

export type VerifyJob = { kind: 'segments'; job: SegmentJob } | { kind: 'structural'; file: FileToCheck };

export type FromVerifyWorker =
  | { type: 'progress'; done: number }
  | { type: 'done'; outcome: unknown }
  | { type: 'failed'; failure: { message: string; code?: string } };

const PROGRESS_EVERY_MS = 100;

const port = parentPort!;
const controller = new AbortController();
const data = workerData as VerifyJob;
port.on('message', (message: unknown) => {
  if (message !== 'abort') return;
  controller.abort(new Error('verify stopped'));
  // A segment reader in a synchronous read loop looks at the shared flag, not at its event loop.
  if (data.kind === 'segments') Atomics.store(new Int32Array(data.job.stop), 0, 1);
});

const post = (message: FromVerifyWorker) => port.postMessage(message);
let told = 0;
let last = 0;
const onBytes = (done: number) => {
  last = done;
  const now = Date.now();
  if (now - told < PROGRESS_EVERY_MS) return;
  told = now;
  post({ type: 'progress', done });
};

async function run(): Promise<unknown> {
  if (data.kind === 'segments') {
    const { hashSegments } = await import('./segment-hash.js');
    return hashSegments(data.job, onBytes);
  }
  const { checkFile } = await import('./check-file.js');
  return checkFile(data.file, controller.signal, onBytes);
}

run()
  .then(
    (outcome) => {
      post({ type: 'progress', done: last });
      post({ type: 'done', outcome });
    },
    (err: unknown) => post({ type: 'failed', failure: { message: (err as Error)?.message ?? String(err), ...((err as NodeJS.ErrnoException)?.code ? { code: (err as NodeJS.ErrnoException).code! } : {}) } }),
  )
  // Closing the port lets the thread end once the message is out.
  .finally(() => port.close());
