/**
 * Every link of a delta point's chains read back against its folder's `vmbackup-sums.json`
 * before anything is created on the pool. The synthetic stream takes each block from whichever
 * link holds it newest, so no single verifier sees a link whole: a byte that rotted in a middle
 * link would reach the pool unseen. The sums were taken of bytes the backup's verifier had
 * accepted (verify/fast-path.ts says why that is enough), so a link whose length and every 64 MiB
 * segment match them is what the backup wrote; one that does not refuses the whole restore,
 * VERIFY_FAILED naming the file. Read with verify's own segment readers (threads, one per core;
 * a small link on this thread).
 * A link without a recorded sum (none written) is read through the VHD verifier instead.
 */
import { readSumsRecord, SUMS_FILE, type SumsRecord } from '../backup/content-sums.js';
import { VmbackupError } from '../errors.js';
import { hashSegments, STOPPED, type SegmentJob } from '../verify/segment-hash.js';
import { defaultReaders, readSegments } from '../verify/threads.js';
import { checkAtRest } from './check-at-rest.js';
import type { ChainLink } from './delta-chain.js';

const FIX = 'this backup file is damaged: restore an older point whose chain does not hold it (vmbackup verify names every damaged file); the next backup of this VM should be a full (vmbackup backs up a full after a failed verify)';

const sumsOf = readSumsRecord;

/**
 * Links of at most this many segments are hashed on this thread. A reader thread costs about
 * 0.1 s of CPU to start (bench:delta: a depth-7 restore started 16 of them for seven 102 MiB
 * links, a second of its 2 cores), more than hashing a 64 MiB segment; a small link's segments
 * are done before the threads would be up.
 */
const INLINE_SEGMENTS = 4;

/** True when every segment of the file has its recorded XXH64. */
async function sameAsRecorded(file: Omit<SegmentJob, 'claim' | 'stop'>, signal: AbortSignal, onBytes: (done: number) => void): Promise<boolean> {
  if (file.segments.length > INLINE_SEGMENTS) return (await readSegments(file, defaultReaders(), signal, onBytes)).same;
  const job: SegmentJob = { ...file, claim: new SharedArrayBuffer(4), stop: new SharedArrayBuffer(4) };
  const halt = () => Atomics.store(new Int32Array(job.stop), 0, STOPPED);
  signal.addEventListener('abort', halt, { once: true });
  if (signal.aborted) halt();
  try {
    const r = await hashSegments(job, onBytes);
    if (signal.aborted) throw signal.reason;
    return r.matched === file.segments.length && r.differs === null;
  } finally {
    signal.removeEventListener('abort', halt);
  }
}

/** Distinct links of all chains (a folder's file appears once). */
export function distinctLinks(chains: readonly { links: readonly ChainLink[] }[]): ChainLink[] {
  const byPath = new Map<string, ChainLink>();
  for (const c of chains) for (const l of c.links) byPath.set(l.path, l);
  return [...byPath.values()];
}

/** Throws VERIFY_FAILED naming the first link whose bytes are not the ones written. */
export async function checkLinks(links: readonly ChainLink[], signal: AbortSignal, onBytes: (done: number, total: number) => void): Promise<void> {
  const total = links.reduce((n, l) => n + l.bytes, 0);
  let before = 0;
  const sums = new Map<string, SumsRecord | null>();
  for (const link of links) {
    if (signal.aborted) throw signal.reason;
    if (!sums.has(link.folder)) sums.set(link.folder, await sumsOf(link.folder));
    const record = sums.get(link.folder);
    const entry = record?.files[link.file];
    if (record && entry) {
      if (entry.bytes !== link.bytes) {
        throw new VmbackupError('VERIFY_FAILED', `${link.path}: ${link.bytes} bytes, ${entry.bytes} were written (${SUMS_FILE}); nothing was created on the pool`, FIX);
      }
      const same = await sameAsRecorded({ path: link.path, bytes: link.bytes, segmentBytes: record.segmentBytes, segments: entry.segments }, signal, (done) => onBytes(before + done, total));
      if (!same) throw new VmbackupError('VERIFY_FAILED', `${link.path}: its bytes differ from the XXH64 sums recorded when it was written (${SUMS_FILE}); nothing was created on the pool`, FIX);
    } else {
      try {
        await checkAtRest(link.path, { kind: 'vhd' }, signal, (done) => onBytes(before + done, total));
      } catch (err) {
        if (err instanceof VmbackupError && err.code === 'VERIFY_FAILED') throw new VmbackupError('VERIFY_FAILED', `${err.message.replace(/ \(checked before replacing.*\)$/, '')} (no recorded sums; read through the VHD verifier); nothing was created on the pool`, FIX);
        throw err;
      }
    }
    before += link.bytes;
    onBytes(before, total);
  }
}
