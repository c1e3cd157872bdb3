/**
 * XXH64 of every export file as it was written, whole and per 64 MiB segment, kept beside the
 * backup in `vmbackup-sums.json`. XVA chunks carry their own checksums, but a VHD's blocks and a
 * raw disk carry none: without a record of what was written, a bit that rots in them at rest
 * could never be seen. The segments let `vmbackup verify` say where a file changed, not only
 * that it did. The whole-file sum is lowercase hex as `xxhsum -H64` prints it, so that an admin
 * can check a file with no vmbackup at hand.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createXXHash64, type IHasher } from 'hash-wasm';

export const SUMS_FILE = 'vmbackup-sums.json';
export const SEGMENT_BYTES = 64 * 1024 * 1024;

/** One file's record: its length, its XXH64, and the XXH64 of each SEGMENT_BYTES segment. */
export interface FileSums {
  bytes: number;
  /** null for a file a merge rewrote in place (delta-sums.ts): only its changed segments were hashed again. */
  xxh64: string | null;
  segments: string[];
}

/** The content of SUMS_FILE: file name (relative to the dated folder, "/"-separated) → sums. */
export interface SumsRecord {
  version: 1;
  algorithm: 'xxh64';
  segmentBytes: number;
  files: Record<string, FileSums>;
}

/**
 * Feeds pieces in order (they are not kept: their buffers may be reused), then `result()`.
 * Each ContentSums has two WASM hashers of its own (whole file, current segment), never the
 * instance formats/checksums.ts shares: the stream's verifier hashes the same pieces, and
 * handing one instance back and forth saved and reloaded its state twice per piece (bench:export
 * over HTTPS fell to 0.68–0.88 of curl; 1.07 with hashers of its own).
 */
export class ContentSums {
  private readonly segments: string[] = [];
  private inSegment = 0;
  private bytes = 0;

  private constructor(
    private readonly whole: IHasher,
    private readonly segment: IHasher,
    private readonly segmentBytes: number,
  ) {}

  static async create(segmentBytes = SEGMENT_BYTES): Promise<ContentSums> {
    const [whole, segment] = await Promise.all([createXXHash64(), createXXHash64()]);
    return new ContentSums(whole.init(), segment.init(), segmentBytes);
  }

  update(piece: Uint8Array): void {
    this.whole.update(piece);
    this.bytes += piece.length;
    let rest = piece;
    while (rest.length > 0) {
      const take = Math.min(rest.length, this.segmentBytes - this.inSegment);
      this.segment.update(take === rest.length ? rest : rest.subarray(0, take));
      this.inSegment += take;
      rest = rest.subarray(take);
      if (this.inSegment === this.segmentBytes) {
        this.segments.push(this.segment.digest('hex'));
        this.segment.init();
        this.inSegment = 0;
      }
    }
  }

  result(): FileSums {
    if (this.inSegment > 0) this.segments.push(this.segment.digest('hex'));
    this.inSegment = 0;
    return { bytes: this.bytes, xxh64: this.whole.digest('hex'), segments: this.segments };
  }
}

export function sumsRecord(files: Record<string, FileSums>): SumsRecord {
  return { version: 1, algorithm: 'xxh64', segmentBytes: SEGMENT_BYTES, files };
}

/** Reads SUMS_FILE's text; a reason instead when it is not one of ours. Pure. */
export function parseSumsRecord(text: string): SumsRecord | { problem: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { problem: `not JSON (${(err as Error).message})` };
  }
  const r = data as Partial<SumsRecord> | null;
  if (!r || r.version !== 1 || r.algorithm !== 'xxh64' || typeof r.segmentBytes !== 'number' || r.segmentBytes <= 0 || !r.files || typeof r.files !== 'object') {
    return { problem: 'not a version 1 xxh64 sums record' };
  }
  for (const [name, f] of Object.entries(r.files)) {
    const ok = f && typeof f.bytes === 'number' && (f.xxh64 === null || (typeof f.xxh64 === 'string' && /^[0-9a-f]{16}$/.test(f.xxh64))) && Array.isArray(f.segments) && f.segments.every((s) => typeof s === 'string' && /^[0-9a-f]{16}$/.test(s));
    if (!ok) return { problem: `the entry for ${name} is malformed` };
  }
  return r as SumsRecord;
}

/** A dated folder's sums record, or null when it has none or it is not one of ours. */
export async function readSumsRecord(folder: string): Promise<SumsRecord | null> {
  try {
    const parsed = parseSumsRecord(await readFile(join(folder, SUMS_FILE), 'utf8'));
    return 'problem' in parsed ? null : parsed;
  } catch {
    return null;
  }
}
