/**
 * One export from the pool to one file: body → verifier → file under a temporary name, then
 * the task result (a 200 stream that ended may still be truncated: only the task knows), fsync
 * and rename. Nothing half-written ever carries the final name. Each piece is verified and
 * written as it arrives (file-writer.ts says why); progress is reported a few times a second,
 * never per chunk.
 */
import { type FileHandle, open, unlink } from 'node:fs/promises';
import { VmbackupError } from '../errors.js';
import type { Download } from '../xapi/connection.js';
import { DirectWriter } from './file-writer.js';
import { commitFile, tempPathFor } from './finalize.js';
import { SparseFileWriter } from './sparse-file.js';
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

/** Counts bytes and reports progress at most every PROGRESS_EVERY_MS. */
function progressCounter(onProgress: DownloadToFile['onProgress']) {
  let received = 0;
  let lastReport = 0;
  let lastBytes = 0;
  return {
    get received() {
      return received;
    },
    add(n: number) {
      received += n;
      const now = Date.now();
      if (now - lastReport < PROGRESS_EVERY_MS) return;
      onProgress(received, lastReport === 0 ? 0 : ((received - lastBytes) * 1000) / (now - lastReport));
      lastReport = now;
      lastBytes = received;
    },
  };
}

/** Where the verified bytes go: the pooled writer, or holes and data for a raw disk. */
interface Sink {
  write(chunk: Buffer): Promise<void> | undefined;
  finish(): Promise<unknown>;
  abandon(): Promise<void>;
}

function sinkFor(file: FileHandle, sparse: boolean): Sink {
  if (!sparse) return new DirectWriter(file);
  const writer = new SparseFileWriter(file);
  let last: Promise<void> = Promise.resolve();
  return {
    write: (chunk) => (last = writer.write(chunk)),
    finish: () => writer.finish(),
    abandon: () => last.then(
      () => undefined,
      () => undefined,
    ),
  };
}

/** Streams the download into `finalPath`; resolves with the bytes received. */
export async function downloadToFile(job: DownloadToFile): Promise<number> {
  const temp = tempPathFor(job.finalPath);
  const progress = progressCounter(job.onProgress);
  const file = await open(temp, 'wx', 0o640);
  const sink = sinkFor(file, job.sparse);
  const abort = () => job.download.body.destroy();
  job.signal.addEventListener('abort', abort, { once: true });
  // Each piece is verified, counted and handed to the sink; the body's buffer is reused once
  // the returned promise (if any) settles, and neither the verifiers nor the sinks keep views.
  const take = (chunk: Buffer): Promise<void> | undefined => {
    progress.add(chunk.length);
    return sink.write(chunk);
  };
  try {
    await job.download.body.pump((chunk) => {
      if (job.signal.aborted) throw job.signal.reason;
      const checking = job.verifier.feed(chunk);
      return checking ? checking.then(() => take(chunk)) : take(chunk);
    });
    if (job.signal.aborted) throw job.signal.reason;
    await sink.finish();
    // The task first: when the pool cut the stream, its error (VDI_IO_ERROR...) says why, where
    // the verifier could only say "truncated".
    await taskResult(job.download.result);
    await job.verifier.end();
    job.onProgress(progress.received, 0);
    await file.sync();
    await file.close();
    await commitFile(temp, job.finalPath);
    return progress.received;
  } catch (err) {
    job.download.body.destroy();
    await sink.abandon();
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
