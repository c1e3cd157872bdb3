/**
 * One export from the pool to one file: body → verifier → file under a temporary name, then
 * the task result (a 200 stream that ended may still be truncated: only the task knows), fsync
 * and rename. Nothing half-written ever carries the final name. Progress is reported a few
 * times a second, never per chunk.
 */
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { VmbackupError } from '../errors.js';
import type { Download } from '../xapi/connection.js';
import { commitFile, tempPathFor } from './finalize.js';
import { writeSparse } from './sparse-file.js';
import type { Verifier } from './verify.js';

export interface DownloadToFile {
  download: Download;
  /** Absolute path inside backup_dir. */
  finalPath: string;
  verifier: Verifier;
  /** Raw disks: all-zero blocks become holes. */
  sparse: boolean;
  signal: AbortSignal;
  onProgress(done: number, ratePerSecond: number): void;
}

const PROGRESS_EVERY_MS = 250;
/** Network pieces are small; writing them in batches keeps syscalls (and the event loop) light. */
const BATCH_BYTES = 4 << 20;

/** The body as batches of about BATCH_BYTES, verified and counted on the way. */
async function* verifiedBatches(job: DownloadToFile, count: (n: number) => void): AsyncGenerator<Buffer[]> {
  let batch: Buffer[] = [];
  let size = 0;
  for await (const piece of job.download.body) {
    if (job.signal.aborted) throw job.signal.reason;
    const chunk = piece as Buffer;
    await job.verifier.feed(chunk);
    count(chunk.length);
    batch.push(chunk);
    size += chunk.length;
    if (size >= BATCH_BYTES) {
      yield batch;
      batch = [];
      size = 0;
    }
  }
  if (job.signal.aborted) throw job.signal.reason;
  if (batch.length > 0) yield batch;
}

async function writeAll(file: FileHandle, batches: AsyncIterable<Buffer[]>): Promise<void> {
  for await (const batch of batches) await file.writev(batch);
}

/** Streams the download into `finalPath`; resolves with the bytes received. */
export async function downloadToFile(job: DownloadToFile): Promise<number> {
  const temp = tempPathFor(job.finalPath);
  let received = 0;
  let lastReport = 0;
  let lastBytes = 0;
  const count = (n: number) => {
    received += n;
    const now = Date.now();
    if (now - lastReport >= PROGRESS_EVERY_MS) {
      const rate = lastReport === 0 ? 0 : ((received - lastBytes) * 1000) / (now - lastReport);
      job.onProgress(received, rate);
      lastReport = now;
      lastBytes = received;
    }
  };
  const file = await open(temp, 'wx', 0o640);
  const abort = () => job.download.body.destroy();
  job.signal.addEventListener('abort', abort, { once: true });
  try {
    const batches = verifiedBatches(job, count);
    if (job.sparse) await writeSparse(file, flatten(batches));
    else await writeAll(file, batches);
    // The task first: when the pool cut the stream, its error (VDI_IO_ERROR...) says why, where
    // the verifier could only say "truncated".
    await taskResult(job.download.result);
    await job.verifier.end();
    job.onProgress(received, 0);
    await file.sync();
    await file.close();
    await commitFile(temp, job.finalPath);
    return received;
  } catch (err) {
    job.download.body.destroy();
    await file.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw job.signal.aborted ? job.signal.reason : err;
  } finally {
    job.signal.removeEventListener('abort', abort);
  }
}

/** The pool settles the task right after the stream ends; do not wait for ever if it does not. */
async function taskResult(result: Promise<unknown>, limitMs = 120_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new VmbackupError('TASK_TIMEOUT', `the pool did not report the transfer's result within ${limitMs / 1000} s`, 'check the task list on the pool (xe task-list)')),
      limitMs,
    );
  });
  try {
    await Promise.race([result, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function* flatten(batches: AsyncIterable<Buffer[]>): AsyncGenerator<Buffer> {
  for await (const batch of batches) yield* batch;
}
