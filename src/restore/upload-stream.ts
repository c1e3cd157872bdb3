/**
 * The byte path of a restore, wherever it runs (upload.ts decides): read the backup file in
 * large reused buffers, hand each buffer to the backup's own verifier BEFORE it goes to the pool,
 * and PUT it (xapi/raw-put.ts). Data in, data out, so it can run on a worker thread.
 *
 * - A damaged byte is caught before, or while, it reaches the pool: a plain XVA's chunk is
 *   checked when its checksum member is read, and that member is never sent when the check
 *   fails. The last buffer of the file is held back until the verifier's end() passed, so the
 *   pool never sees a whole archive the verifier refused (XAPI could finish an import with it).
 * - Compressed XVAs are sent as they are on disk; the verifier decompresses on the side.
 * - When the upload must stop (verifier, abort, unreadable file) nothing more is written,
 *   `beforeClose` (the caller cancels the task) runs while the connection is still open, so the
 *   pool records a cancel rather than a truncated import, then the socket is destroyed.
 */
import { type VerifierSpec, verifierFor } from '../backup/verify.js';
import { rawPut, type RawPutBody } from '../xapi/raw-put.js';
import type { TrustRules } from '../xapi/tls-trust.js';
import { within } from '../util/within.js';
import { type ByteSource, chainSource, fileSource } from './upload-source.js';

export interface UploadSpec {
  /** The import URL, session_id and task_id included (a TransferTicket's url). */
  url: string;
  trust: TrustRules;
  file: string;
  /**
   * A delta point's disk: its chain's VHD files, newest first; the bytes sent are the chain's
   * synthetic full VHD (upload-source.ts), `file` is the newest link (for messages).
   */
  chain?: string[];
  contentLength: number;
  verifier: VerifierSpec;
  bufferBytes?: number;
  /** Buffers in flight: one being read, the others being written. */
  depth?: number;
}

export interface UploadReports {
  progress(done: number, ratePerSecond: number): void;
  /** Runs (bounded) before the socket is destroyed on a stop: the caller cancels the task. */
  beforeClose(): Promise<void>;
}

/**
 * A failure as data. `stage` tells the caller what to make of it: `verify`, `file` and
 * `untrusted` (a certificate refused, nothing sent) are final; `refused` and `transport` are for
 * the ticket's explain (the task knows why); `aborted` is the caller's own signal.
 */
export interface UploadFailure {
  code: string;
  message: string;
  hint?: string;
  stage: 'verify' | 'file' | 'untrusted' | 'refused' | 'transport' | 'aborted';
}

export interface UploadOutcome {
  bytes: number;
  elapsedMs: number;
}

const PROGRESS_EVERY_MS = 250;
const CLOSE_WAIT_MS = 12_000;

function failure(err: unknown, stage: UploadFailure['stage'], fallbackCode: string): UploadFailure {
  const e = err as { code?: unknown; message?: unknown; hint?: unknown };
  return {
    code: typeof e?.code === 'string' ? e.code : fallbackCode,
    message: typeof e?.message === 'string' ? e.message : String(err),
    ...(typeof e?.hint === 'string' ? { hint: e.hint } : {}),
    stage,
  };
}

/** The verifier's refusal, naming the file (its own message names the member and offset). */
export function verifyFailure(err: unknown, spec: UploadSpec, readBytes: number): UploadFailure {
  const inner = err instanceof Error ? err.message : String(err);
  const compressed = spec.verifier.kind === 'compressed-xva' ? '; offsets are in the decompressed XVA' : '';
  return {
    code: 'VERIFY_FAILED',
    message: spec.chain
      ? `the full VHD built from the chain ending at ${spec.file}: ${inner} (found after ${readBytes} bytes); the import was cancelled`
      : `${spec.file}: ${inner} (found after reading ${readBytes} bytes of the file${compressed}); the import was cancelled`,
    hint: 'this backup file is damaged: restore another backup of the VM (vmbackup list shows them), and check the disk that holds backup_dir',
    stage: 'verify',
  };
}

const stopped = (stage: UploadFailure['stage']) => (err: unknown) => {
  throw failure(err, stage, stage === 'file' ? 'FILE_READ_FAILED' : 'TRANSFER_FAILED');
};

/** Rejects when `signal` aborts, so that a stuck write or read does not hold the stop up. */
function orAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

const ABORTED: UploadFailure = { code: 'ABORT_ERR', message: 'the restore was cancelled', stage: 'aborted' };

/** Sends the file; throws an UploadFailure. The socket is closed when this settles. */
export async function runUpload(spec: UploadSpec, signal: AbortSignal, reports: UploadReports): Promise<UploadOutcome> {
  const started = performance.now();
  const bufferBytes = spec.bufferBytes ?? 1 << 20;
  const depth = Math.max(2, spec.depth ?? 4);
  const verifier = verifierFor(spec.verifier);
  const file: ByteSource = await (spec.chain ? chainSource(spec.chain) : fileSource(spec.file)).catch(stopped('file'));
  let put: RawPutBody | null = null;
  let sent = 0;
  let read = 0;
  const slots = Array.from({ length: depth }, () => ({ buf: Buffer.allocUnsafe(bufferBytes), writing: Promise.resolve() }));
  // The stop that cancels the task first: set when the verifier, the file or the caller stops us.
  const stop = async (f: UploadFailure): Promise<never> => {
    if (put) {
      await within(reports.beforeClose().catch(() => undefined), CLOSE_WAIT_MS);
    }
    put?.destroy();
    throw f;
  };
  try {
    const size = file.size;
    if (size !== spec.contentLength) {
      throw { code: 'FILE_CHANGED', message: `${spec.chain ? `the chain ending at ${spec.file}` : spec.file} has ${size} bytes, ${spec.contentLength} were expected`, hint: 'the file changed since the restore was planned: run the restore again', stage: 'file' } satisfies UploadFailure;
    }
    if (signal.aborted) throw ABORTED;
    // Until the pool answered, an abort closes the connection at once (nothing was sent). After
    // that the caller's signal no longer reaches rawPut: the stop below cancels the task first,
    // then closes the connection, so the pool records a cancel, not a truncated import.
    const connecting = new AbortController();
    const relay = () => connecting.abort(signal.reason);
    signal.addEventListener('abort', relay, { once: true });
    try {
      put = await rawPut(new URL(spec.url), spec.contentLength, { trust: spec.trust, signal: connecting.signal });
    } catch (err) {
      if (signal.aborted) throw ABORTED;
      const code = String((err as { code?: unknown })?.code ?? '');
      throw failure(err, code.startsWith('HTTP_') ? 'refused' : code.startsWith('CERT_') ? 'untrusted' : 'transport', 'TRANSFER_FAILED');
    } finally {
      signal.removeEventListener('abort', relay);
    }
    const body = put;
    let lastReport = performance.now();
    let lastBytes = 0;
    const readInto = async (slot: (typeof slots)[number]) => {
      // The buffer is refilled only once the socket is done with it.
      await slot.writing.catch((err: unknown) => {
        throw failure(err, 'transport', 'TRANSFER_FAILED');
      });
      const want = Math.min(bufferBytes, size - read);
      const at = read;
      read += want;
      const bytesRead = await file.read(slot.buf, want, at).catch(stopped('file'));
      if (bytesRead !== want) throw { code: 'FILE_CHANGED', message: `${spec.file} ended at ${at + bytesRead} bytes, ${size} were expected`, hint: 'the file changed during the restore', stage: 'file' } satisfies UploadFailure;
      return { slot, view: slot.buf.subarray(0, want) };
    };
    let index = 0;
    let next = size > 0 ? readInto(slots[0]!) : null;
    next?.catch(() => undefined);
    while (next) {
      let piece: Awaited<ReturnType<typeof readInto>>;
      try {
        piece = await orAbort(next, signal);
      } catch (err) {
        if (signal.aborted) return await stop(ABORTED);
        const f = err as UploadFailure;
        // The connection failed: nothing to stop politely, the task will tell why.
        if (f.stage === 'transport') {
          body.destroy();
          throw f;
        }
        return await stop(f);
      }
      const last = read >= size;
      if (!last) {
        index = (index + 1) % depth;
        next = readInto(slots[index]!);
        next.catch(() => undefined);
      } else next = null;
      try {
        const checking = verifier.feed(piece.view);
        if (checking) await orAbort(checking, signal);
        // The last buffer goes out only once the whole file passed.
        if (last) await orAbort(verifier.end(), signal);
      } catch (err) {
        if (signal.aborted) return await stop(ABORTED);
        return await stop(verifyFailure(err, spec, read));
      }
      piece.slot.writing = body.write(piece.view);
      piece.slot.writing.catch(() => undefined);
      sent += piece.view.length;
      const now = performance.now();
      if (now - lastReport >= PROGRESS_EVERY_MS) {
        reports.progress(sent, ((sent - lastBytes) * 1000) / (now - lastReport));
        lastReport = now;
        lastBytes = sent;
      }
    }
    if (size === 0) await verifier.end().catch((err: unknown) => stop(verifyFailure(err, spec, 0)));
    try {
      await orAbort(Promise.all(slots.map((s) => s.writing)), signal);
      await orAbort(body.finish(), signal);
    } catch (err) {
      if (signal.aborted) return await stop(ABORTED);
      body.destroy();
      throw failure(err, 'transport', 'TRANSFER_FAILED');
    }
    reports.progress(sent, 0);
    return { bytes: sent, elapsedMs: performance.now() - started };
  } finally {
    put?.destroy();
    // A stop before the verifier's end leaves a zstd child waiting on its stdin, which would
    // keep the thread (and the process) alive; after end() this does nothing.
    verifier.abort();
    await file.close().catch(() => undefined);
  }
}
