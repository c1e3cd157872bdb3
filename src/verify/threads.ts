/**
 * Verify's reading off the main thread: the fast path's P segment readers and the structural
 * pass each run on worker threads of their own (verify-worker.ts, through util/worker-call.ts),
 * so `--jobs N` uses N cores and the main thread only gathers progress. Where the compiled worker
 * file is missing (tests run the TypeScript sources), the same jobs run on the main thread, one
 * reader. A stop (the signal) reaches the threads at once (a shared flag, then the 'abort'
 * message); each ends by itself, and one stuck in a read is terminated after a grace period.
 */
import { availableParallelism } from 'node:os';
import { callWorker, haveWorkerFile, type WorkerEnd } from '../util/worker-call.js';
import { checkFile, type FileFinding, type FileToCheck } from './check-file.js';
import type { SegmentJob, SegmentResult } from './segment-hash.js';
import type { FromVerifyWorker, VerifyJob } from './verify-worker.js';

const WORKER = new URL('./verify-worker.js', import.meta.url);
const HAVE_WORKER = haveWorkerFile(WORKER);
const ABORT_GRACE_MS = 10_000;
/** More readers than this on one file only contend for the memory bus. */
const MAX_READERS = 4;

/** Whether reading runs on worker threads (false: on the main thread, as under the tests). */
export const onThreads = HAVE_WORKER;

/**
 * Readers per file on the fast path: one per core. Not divided among the backups read at once
 * (`--jobs`): when one of them ends, the other's readers take its cores (more threads than cores
 * cost little here; an idle core while one backup is left costs half).
 */
export function defaultReaders(): number {
  return Math.max(1, Math.min(MAX_READERS, availableParallelism()));
}

function onWorker<T>(job: VerifyJob, signal: AbortSignal, onBytes: (done: number) => void): Promise<T> {
  return callWorker<T, Error, Exclude<FromVerifyWorker, WorkerEnd<unknown, unknown>>>({
    url: WORKER,
    workerData: job,
    signal,
    graceMs: ABORT_GRACE_MS,
    onMessage: (message) => onBytes(message.done),
    stuck: () => new Error('a verify thread did not stop within 10 s of the cancel'),
    failed: (err) => err,
    exited: (code) => new Error(`a verify thread ended (exit code ${code}) without a result`),
  }).catch((failure: { message: string; code?: string } | Error) => {
    if (signal.aborted) throw signal.reason;
    throw failure instanceof Error ? failure : Object.assign(new Error(failure.message), failure.code ? { code: failure.code } : {});
  });
}

export interface SegmentsRead {
  /** Every segment was read and equals its record. */
  same: boolean;
  bytes: number;
}

/**
 * The fast path's read of one file with `readers` threads: true when every segment's XXH64 is
 * the recorded one. Throws the signal's reason when stopped, an error of the disk as it is.
 */
export async function readSegments(
  file: Omit<SegmentJob, 'claim' | 'stop'>,
  readers: number,
  signal: AbortSignal,
  onBytes: (done: number) => void,
): Promise<SegmentsRead> {
  const job: SegmentJob = { ...file, claim: new SharedArrayBuffer(4), stop: new SharedArrayBuffer(4) };
  const stop = new Int32Array(job.stop);
  const halt = () => Atomics.store(stop, 0, 1);
  signal.addEventListener('abort', halt, { once: true });
  if (signal.aborted) halt();
  const count = HAVE_WORKER ? Math.max(1, Math.min(readers, file.segments.length)) : 1;
  const done = new Array<number>(count + 1).fill(0);
  let threadsUp = false;
  const report = (i: number) => (n: number) => {
    if (i < count) threadsUp = true;
    done[i] = n;
    onBytes(done.reduce((a, b) => a + b, 0));
  };
  const { hashSegments } = await import('./segment-hash.js');
  try {
    let results: SegmentResult[];
    if (HAVE_WORKER) {
      // A thread takes about 0.1 s to start and load its hasher (measured here: 50 ms for the
      // thread, 60 ms for hash-wasm), which is a quarter of a 4 GiB file's read on a warm cache.
      // The main thread reads segments meanwhile, until the first reader reports (at most its
      // fair share: on small files the threads still do most of the work).
      // Every reader is waited for, even after one failed: none is left reading.
      const threads = done.slice(0, count).map((_, i) =>
        onWorker<SegmentResult>({ kind: 'segments', job }, signal, report(i)).catch((err: unknown) => {
          halt();
          throw err;
        }),
      );
      const share = Math.ceil(file.segments.length / (count + 1));
      const helper = hashSegments(job, report(count), (taken) => !threadsUp && taken < share).catch((err: unknown) => {
        halt();
        throw err;
      });
      const settled = await Promise.allSettled([...threads, helper]);
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
      results = settled.map((s) => (s as PromiseFulfilledResult<SegmentResult>).value);
    } else {
      results = [await hashSegments(job, report(0))];
    }
    if (signal.aborted) throw signal.reason;
    const matched = results.reduce((n, r) => n + r.matched, 0);
    return { same: matched === file.segments.length && results.every((r) => r.differs === null), bytes: results.reduce((n, r) => n + r.bytes, 0) };
  } finally {
    signal.removeEventListener('abort', halt);
  }
}

/** The structural pass over one file (check-file.ts) on a thread of its own. */
export function structuralPass(file: FileToCheck, signal: AbortSignal, onBytes: (done: number) => void): Promise<{ findings: FileFinding[]; bytes: number }> {
  if (!HAVE_WORKER) return checkFile(file, signal, onBytes);
  return onWorker({ kind: 'structural', file }, signal, onBytes);
}
