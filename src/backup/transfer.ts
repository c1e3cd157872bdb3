/**
 * The work of one download, wherever it runs (a worker thread, see download.ts): GET the URL,
 * verify each piece and write it to a temporary file as it arrives, then check the stream's
 * end and make the file durable. Everything here is data in, data out, so that it can cross a
 * thread boundary: the spec, progress numbers, and a plain outcome or failure.
 */
import { type FileHandle, open, unlink } from 'node:fs/promises';
import { VhdIdentityRewriter } from '../formats/vhd-identity.js';
import { rawGet } from '../xapi/raw-get.js';
import type { TrustRules } from '../xapi/tls-trust.js';
import { ContentSums, type FileSums } from './content-sums.js';
import { DirectWriter } from './file-writer.js';
import { SparseFileWriter } from './sparse-file.js';
import { StallWatch } from './stall-watch.js';
import type { VerifyWhere } from './verify-failure.js';
import { whereOf } from './verify-failure.js';
import { type VerifierSpec, verifierFor } from './verify.js';

export interface TransferSpec {
  url: string;
  trust: TrustRules;
  /** The temporary file, created here (never an existing one). */
  temp: string;
  verifier: VerifierSpec;
  /** Raw disks: all-zero blocks become holes. */
  sparse: boolean;
  /** Silence from the pool after which the transfer fails as STALLED (stall_timeout). */
  stallTimeoutMs: number;
  /** A VHD's footer uuid and parent uuid, rewritten before the verifier sees a byte (delta chains). */
  vhdIdentity?: { uuid: string; parentUuid?: string };
}

/** What a transfer tells while it runs: bytes so far, and silences of the pool. */
export interface TransferReports {
  progress(done: number, ratePerSecond: number): void;
  /** The pool has sent nothing for `seconds` (stall-watch.ts has the schedule). */
  quiet(seconds: number): void;
}

/** A failure as data: code, message and hint of the VmbackupError it becomes. */
export interface TransferFailure {
  code: string;
  message: string;
  hint?: string;
  /**
   * True when our side stopped the transfer: the verifier refused a piece, or the backup file
   * could not be written (ENOSPC...). The pool's task then fails only as a reaction to our
   * close (CLIENT_ERROR, write ECONNRESET), so download.ts reports this, never the task.
   */
  ours?: boolean;
  /** A verifier's refusal: where (layer, member, offset), as plain data for the thread crossing. */
  where?: VerifyWhere;
  /** The file of a file-system error, when Node names it (fs-errors.ts reads it). */
  path?: string;
}

export interface TransferOutcome {
  bytes: number;
  /**
   * The verifier's verdict on the end of the stream. Kept, not thrown: the caller asks the
   * pool's task first, whose error (VDI_IO_ERROR...) says why a stream ended early, where the
   * verifier could only say "truncated".
   */
  endFailure: TransferFailure | null;
  /** XXH64 of what was written, whole and per segment (content-sums.ts). */
  sums: FileSums;
}

const PROGRESS_EVERY_MS = 250;
/** raw-get.ts's default: 15 minutes without a byte on the socket. */
const IDLE_BACKSTOP_MS = 15 * 60_000;

export function asFailure(err: unknown, fallbackCode = 'TRANSFER_FAILED'): TransferFailure {
  const e = err as { code?: unknown; message?: unknown; hint?: unknown; path?: unknown };
  const where = whereOf(err);
  return {
    code: typeof e?.code === 'string' ? e.code : fallbackCode,
    message: typeof e?.message === 'string' ? e.message : String(err),
    ...(typeof e?.hint === 'string' ? { hint: e.hint } : {}),
    ...(where ? { where: { ...where } } : {}),
    ...(typeof e?.path === 'string' ? { path: e.path } : {}),
  };
}

/**
 * What our own side threw (the verifier, the file), wrapped on its way through the socket
 * (raw-get.ts destroys the socket with the consumer's error and rejects with that same object),
 * so that the catch below knows who stopped the transfer without guessing from codes.
 */
class OurSide extends Error {
  constructor(readonly error: unknown) {
    super(error instanceof Error ? error.message : String(error));
  }
}

/** Runs one step of ours; what it throws or rejects with comes out as OurSide. */
function ourStep<T>(step: () => T | Promise<T>): T | Promise<T> {
  let out: T | Promise<T>;
  try {
    out = step();
  } catch (err) {
    throw new OurSide(err);
  }
  return out instanceof Promise ? out.catch((err: unknown) => Promise.reject(new OurSide(err))) : out;
}

/** Where the verified bytes go: straight to the file, or holes and data for a raw disk. */
function sinkFor(file: FileHandle, sparse: boolean) {
  if (!sparse) return new DirectWriter(file);
  const writer = new SparseFileWriter(file);
  let last: Promise<void> = Promise.resolve();
  return {
    write: (chunk: Buffer) => (last = writer.write(chunk)),
    finish: () => writer.finish(),
    abandon: () => last.then(
      () => undefined,
      () => undefined,
    ),
  };
}

export function stalledFailure(timeoutMs: number): TransferFailure {
  return {
    code: 'STALLED',
    message: `no data from the pool for ${timeoutMs / 1000} s: the export was given up (stall_timeout)`,
    hint: 'the pool or its storage is hung or overloaded: see `xe task-list` and the host\'s SMlog; if the pool is only slow, raise #vmbackup: stall_timeout=SECONDS',
  };
}

/**
 * Runs the transfer; `reports.progress` gets (bytes, bytes per second) a few times a second.
 * Throws a TransferFailure; the temporary file is then gone.
 */
export async function runTransfer(spec: TransferSpec, signal: AbortSignal, reports: TransferReports): Promise<TransferOutcome> {
  // Before the verifier: a zstd verifier starts a child that only a failure path would end.
  const sums = await ContentSums.create();
  const verifier = verifierFor(spec.verifier);
  const file = await open(spec.temp, 'wx', 0o640).catch((err: unknown) => {
    throw { ...asFailure(err), ours: true } satisfies TransferFailure;
  });
  const sink = sinkFor(file, spec.sparse);
  const rewriter = spec.vhdIdentity ? new VhdIdentityRewriter(spec.vhdIdentity) : null;
  let received = 0;
  let lastReport = 0;
  let lastBytes = 0;
  const take = (chunk: Buffer): Promise<void> | undefined => {
    received += chunk.length;
    sums.update(chunk);
    const now = Date.now();
    if (now - lastReport >= PROGRESS_EVERY_MS) {
      reports.progress(received, lastReport === 0 ? 0 : ((received - lastBytes) * 1000) / (now - lastReport));
      lastReport = now;
      lastBytes = received;
    }
    return sink.write(chunk);
  };
  // Done here, where every piece is seen, whichever thread this runs on.
  const stalled = new AbortController();
  const watch = new StallWatch({ timeoutMs: spec.stallTimeoutMs, onQuiet: (seconds) => reports.quiet(seconds), onStalled: () => stalled.abort() });
  try {
    watch.waiting();
    // The socket's own idle limit stays a backstop behind stall_timeout (which may be longer
    // than its default), never ahead of it.
    const idleTimeoutMs = Math.max(IDLE_BACKSTOP_MS, spec.stallTimeoutMs + 60_000);
    const res = await rawGet(new URL(spec.url), {}, { trust: spec.trust, signal: AbortSignal.any([signal, stalled.signal]), idleTimeoutMs });
    if (res.status < 200 || res.status > 299) {
      res.body.destroy();
      throw { code: `HTTP_${res.status}`, message: `HTTP ${res.status} ${res.statusText}`.trim() } satisfies TransferFailure;
    }
    // The body's buffer is reused once a piece's promise (if any) settles; neither the
    // verifiers nor the sinks keep views of it.
    const pass = (chunk: Buffer): Promise<void> | undefined => {
      const checking = ourStep(() => verifier.feed(chunk));
      const writing = checking ? checking.then(() => ourStep(() => take(chunk))) : ourStep(() => take(chunk));
      return writing instanceof Promise ? writing.then(() => undefined) : undefined;
    };
    // Pieces one after the other: the file gets them in order, each after the verifier.
    const passAll = (pieces: Buffer[]): Promise<void> | undefined => {
      let chain: Promise<void> | undefined;
      for (const piece of pieces) chain = chain ? chain.then(() => pass(piece)) : pass(piece);
      return chain;
    };
    await res.body.pump((chunk) => {
      watch.working();
      const writing = rewriter ? passAll(ourStep(() => rewriter.push(chunk)) as Buffer[]) : pass(chunk);
      if (!writing) return watch.waiting();
      return writing.then(() => watch.waiting());
    });
    watch.stop();
    let endFailure: TransferFailure | null = null;
    // The rewriter holds the last 512 bytes back; a stream that ended short is the verifier's
    // kind of end failure (the task's result is asked first), never written as if whole.
    let tail: Buffer[] | null = null;
    try {
      tail = rewriter ? rewriter.end() : [];
    } catch (err) {
      endFailure = asFailure(err);
    }
    if (tail) await passAll(tail);
    await ourStep<unknown>(() => sink.finish());
    if (!endFailure) await verifier.end().catch((err: unknown) => (endFailure = asFailure(err)));
    reports.progress(received, 0);
    await ourStep(() => file.sync());
    await ourStep(() => file.close());
    return { bytes: received, endFailure, sums: sums.result() };
  } catch (err) {
    watch.stop();
    // Ends the zstd child of a compressed XVA's verifier: left waiting on its stdin, it kept
    // this thread, and so the whole process, alive after the reports.
    verifier.abort();
    await sink.abandon();
    await file.close().catch(() => undefined);
    await unlink(spec.temp).catch(() => undefined);
    if (stalled.signal.aborted && !signal.aborted) throw stalledFailure(spec.stallTimeoutMs);
    if (err instanceof OurSide) throw { ...asFailure(err.error), ours: true } satisfies TransferFailure;
    throw asFailure(err);
  }
}
