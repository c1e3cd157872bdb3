/**
 * The fast path's reading: one reader's share of a file's segments, each hashed (XXH64, as
 * backup/content-sums.ts recorded them) and compared with its record. Readers share two small
 * SharedArrayBuffers: `claim`, the next segment to take (so a reader slowed by a busy core takes
 * fewer, and none waits for another at the end), and `stop` (0 go on, 1 stop: the signal; 2: a
 * segment differs, so the structural pass will read the file anyway and the others may stop).
 *
 * Synchronous reads into one reused 1 MiB buffer: here they measured faster than the threadpool's
 * (a reader is a thread of its own already, and an async read would put the copy on a second
 * thread that competes with the hashing for the same cores). Between segments the reader yields
 * to its event loop, so an in-thread fallback still hears the signal and reports progress.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { createXXHash64 as CreateXXHash64 } from 'hash-wasm';

// hash-wasm's build of XXH64 alone: a reader thread loads it in 5 ms, where the package's index
// (every algorithm) took 60 ms to parse and set up, a sixth of a 4 GiB file's read here.
const { createXXHash64 } = createRequire(import.meta.url)('hash-wasm/dist/xxhash64.umd.min.js') as { createXXHash64: typeof CreateXXHash64 };

export const SEGMENT_READ_BUFFER = 1024 * 1024;

/** What `stop[0]` holds. */
export const GO_ON = 0;
export const STOPPED = 1;
export const DIFFERS = 2;

export interface SegmentJob {
  path: string;
  /** The file's length as recorded (and as found: the caller compared them). */
  bytes: number;
  segmentBytes: number;
  /** The recorded XXH64 of each segment, lowercase hex. */
  segments: string[];
  /** Int32Array(1): the next segment index to take. */
  claim: SharedArrayBuffer;
  /** Int32Array(1): GO_ON, STOPPED or DIFFERS. */
  stop: SharedArrayBuffer;
}

export interface SegmentResult {
  /** Bytes this reader read. */
  bytes: number;
  /** Segments this reader hashed and found equal to their record. */
  matched: number;
  /** The first segment it found different (or short: the file changed under it), else null. */
  differs: number | null;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Hashes segments until none is left or `stop` says so (or, given `claimWhile`, until it says
 * no before a segment is taken). Throws an error of the disk (the caller turns it into the
 * structural pass, which names it).
 */
export async function hashSegments(job: SegmentJob, onBytes: (done: number) => void, claimWhile?: (taken: number) => boolean): Promise<SegmentResult> {
  const claim = new Int32Array(job.claim);
  const stop = new Int32Array(job.stop);
  const hasher = await createXXHash64();
  const buffer = Buffer.allocUnsafe(SEGMENT_READ_BUFFER);
  const count = job.segments.length;
  const result: SegmentResult = { bytes: 0, matched: 0, differs: null };
  const fd = openSync(job.path, 'r');
  try {
    for (;;) {
      if (Atomics.load(stop, 0) !== GO_ON) return result;
      if (claimWhile && !claimWhile(result.matched)) return result;
      const index = Atomics.add(claim, 0, 1);
      if (index >= count) return result;
      const start = index * job.segmentBytes;
      const end = Math.min(job.bytes, start + job.segmentBytes);
      hasher.init();
      let at = start;
      while (at < end) {
        const n = readSync(fd, buffer, 0, Math.min(SEGMENT_READ_BUFFER, end - at), at);
        if (n === 0) break; // shorter than when it was measured: reported as different
        hasher.update(n === SEGMENT_READ_BUFFER ? buffer : buffer.subarray(0, n));
        at += n;
        result.bytes += n;
        onBytes(result.bytes);
        if (Atomics.load(stop, 0) !== GO_ON) return result;
      }
      if (at < end || hasher.digest('hex') !== job.segments[index]) {
        result.differs = index;
        Atomics.compareExchange(stop, 0, GO_ON, DIFFERS);
        return result;
      }
      result.matched++;
      await yieldToLoop();
    }
  } finally {
    closeSync(fd);
  }
}
