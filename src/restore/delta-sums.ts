/**
 * Every link of a delta point's chains read back against its folder's `vmbackup-sums.json`
 * before anything is created on the pool. The synthetic stream takes each block from whichever
 * link holds it newest, so no single verifier sees a link whole: a byte that rotted in a middle
 * link would reach the pool unseen. The sums were taken of bytes the backup's verifier had
 * accepted (verify/fast-path.ts says why that is enough), so a link whose length and every 64 MiB
 * segment match them is what the backup wrote; one that does not refuses the whole restore,
 * VERIFY_FAILED naming the file. Read with verify's own segment readers (threads, one per core).
 * A link without a recorded sum (none written) is read through the VHD verifier instead.
 */
import { readSumsRecord, SUMS_FILE, type SumsRecord } from '../backup/content-sums.js';
import { VmbackupError } from '../errors.js';
import { defaultReaders, readSegments } from '../verify/threads.js';
import { checkAtRest } from './check-at-rest.js';
import type { ChainLink } from './delta-chain.js';

const FIX = 'this backup file is damaged: restore an older point whose chain does not hold it (vmbackup verify names every damaged file); the next backup of this VM should be a full (vmbackup backs up a full after a failed verify)';

const sumsOf = readSumsRecord;

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
      const read = await readSegments({ path: link.path, bytes: link.bytes, segmentBytes: record.segmentBytes, segments: entry.segments }, defaultReaders(), signal, (done) => onBytes(before + done, total));
      if (!read.same) throw new VmbackupError('VERIFY_FAILED', `${link.path}: its bytes differ from the XXH64 sums recorded when it was written (${SUMS_FILE}); nothing was created on the pool`, FIX);
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
