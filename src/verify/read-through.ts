/**
 * One export file read from the disk once, each buffer going both to the file's streaming
 * verifier (backup/verify.ts) and to the XXH64 of its segment (content-sums.ts), so a backup is
 * read at the disk's speed with both checks. Two 1 MiB buffers, reused: the next read runs in the
 * threadpool while this one is hashed and parsed, and nothing is allocated per buffer.
 */
import type { FileHandle } from 'node:fs/promises';
import { createXXHash64, type IHasher } from 'hash-wasm';
import type { Verifier } from '../backup/verify.js';

export const READ_BUFFER = 1024 * 1024;

export interface ReadThroughOptions {
  /** Segment size of the sums record; null: no sums to compute. */
  segmentBytes: number | null;
  signal: AbortSignal;
  /** Bytes read so far, after each buffer. */
  onBytes(done: number): void;
  /** The first buffer, before the verifier sees it (a VHD's footer is read from it). */
  onFirst?(first: Buffer): void;
}

export interface ReadThroughResult {
  bytes: number;
  /** XXH64 of each segment, lowercase hex, as content-sums.ts records them; null without segmentBytes. */
  segments: string[] | null;
  /** What the verifier threw (feed or end), or undefined when it accepted the file. */
  refusal?: unknown;
}

/**
 * Reads `handle` to its end through `verifier`. A refusal stops the read (the verifier is
 * aborted, so a zstd child ends with it); an error of the disk or the signal is thrown.
 */
export async function readThrough(handle: FileHandle, verifier: Verifier, opts: ReadThroughOptions): Promise<ReadThroughResult> {
  // Our own hasher, not formats/checksums' shared one: the XVA verifier hashes its chunks on the
  // shared instance, and trading the state back and forth for every buffer costs time.
  const hasher: IHasher | null = opts.segmentBytes === null ? null : await createXXHash64();
  const segmentBytes = opts.segmentBytes ?? Infinity;
  const segments: string[] = [];
  let inSegment = 0;
  hasher?.init();

  const buffers = [Buffer.allocUnsafe(READ_BUFFER), Buffer.allocUnsafe(READ_BUFFER)] as const;
  let which = 0;
  let position = 0;
  let pending: Promise<{ bytesRead: number }> | null = handle.read(buffers[0], 0, READ_BUFFER, 0);
  try {
    for (;;) {
      const { bytesRead } = await pending!;
      pending = null;
      if (opts.signal.aborted) throw opts.signal.reason;
      if (bytesRead === 0) break;
      const buffer = buffers[which]!;
      const chunk = bytesRead === READ_BUFFER ? buffer : buffer.subarray(0, bytesRead);
      if (position === 0) opts.onFirst?.(chunk);
      position += bytesRead;
      which ^= 1;
      pending = handle.read(buffers[which]!, 0, READ_BUFFER, position);

      if (hasher) {
        let at = 0;
        while (at < chunk.length) {
          const take = Math.min(chunk.length - at, segmentBytes - inSegment);
          hasher.update(at === 0 && take === chunk.length ? chunk : chunk.subarray(at, at + take));
          at += take;
          inSegment += take;
          if (inSegment === segmentBytes) {
            segments.push(hasher.digest('hex'));
            hasher.init();
            inSegment = 0;
          }
        }
      }
      try {
        const fed = verifier.feed(chunk);
        if (fed) await fed;
      } catch (refusal) {
        verifier.abort();
        return { bytes: position, segments: null, refusal };
      }
      opts.onBytes(position);
    }
    try {
      await verifier.end();
    } catch (refusal) {
      verifier.abort();
      return { bytes: position, segments: hasher ? finish() : null, refusal };
    }
    return { bytes: position, segments: hasher ? finish() : null };
  } catch (err) {
    verifier.abort();
    throw err;
  } finally {
    // The read in flight must land before the caller closes the handle.
    if (pending) await pending.catch(() => undefined);
  }

  function finish(): string[] {
    if (inSegment > 0) segments.push(hasher!.digest('hex'));
    inSegment = 0;
    return segments;
  }
}
