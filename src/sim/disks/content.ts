/**
 * Disk contents for simulated VDIs. Exports must be byte-exact and repeatable (export → import →
 * export gives the same bytes), big disks must cost no memory, and generation must be fast
 * enough that a 1 GB/s export is not limited by it. So a generated disk is a pure function of
 * (seed, size): 2 MiB blocks (the VHD block size) are allocated or empty by a hash of the seed
 * and the block number; an allocated block's data is a per-seed random 1 MiB pattern stamped
 * with the chunk number, so two chunks never look alike.
 */

/** XVA chunk size (xapi-notes §4.1). */
export const CHUNK_SIZE = 1 << 20;
/** VHD block size, and the simulator's allocation unit (§4.2). */
export const BLOCK_SIZE = 2 << 20;

export interface DiskContent {
  readonly size: number;
  /** Bytes of 1 MiB chunk `index` (shorter at the end of the disk), or null when all zero. */
  chunk(index: number): Buffer | null;
}

export function chunkCount(size: number): number {
  return Math.ceil(size / CHUNK_SIZE);
}

export function chunkLength(size: number, index: number): number {
  return Math.min(CHUNK_SIZE, size - index * CHUNK_SIZE);
}

/** 32-bit FNV-1a: a stable seed from a VDI uuid. */
export function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const patterns = new Map<number, Buffer>();

/** The 1 MiB random pattern of a seed (xorshift32), cached for the last few seeds used. */
function patternOf(seed: number): Buffer {
  let buf = patterns.get(seed);
  if (buf) return buf;
  buf = Buffer.allocUnsafe(CHUNK_SIZE);
  let x = seed || 0x1234567;
  for (let i = 0; i < CHUNK_SIZE; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf.writeUInt32LE(x >>> 0, i);
  }
  if (patterns.size >= 32) patterns.delete(patterns.keys().next().value!);
  patterns.set(seed, buf);
  return buf;
}

export class GeneratedContent implements DiskContent {
  constructor(
    readonly seed: number,
    readonly size: number,
    /** Share of 2 MiB blocks that hold data; block 0 always does (a boot sector lives there). */
    readonly density = 0.5,
  ) {}

  blockAllocated(block: number): boolean {
    return block === 0 || mix(this.seed, block) / 0x100000000 < this.density;
  }

  chunk(index: number): Buffer | null {
    if (index < 0 || index * CHUNK_SIZE >= this.size) return null;
    if (!this.blockAllocated(Math.floor((index * CHUNK_SIZE) / BLOCK_SIZE))) return null;
    const length = chunkLength(this.size, index);
    const out = Buffer.allocUnsafe(length);
    patternOf(this.seed).copy(out, 0, 0, length);
    // A stamp so that chunks differ: a misplaced chunk shows up in any byte comparison.
    if (length >= 16) {
      out.write('VMBK', 0, 'latin1');
      out.writeUInt32LE(this.seed, 4);
      out.writeDoubleLE(index, 8);
    }
    return out;
  }

  /** Bytes in allocated blocks: what the VDI's physical_utilisation reports. */
  allocatedBytes(): number {
    let total = 0;
    for (let b = 0; b * BLOCK_SIZE < this.size; b++) {
      if (this.blockAllocated(b)) total += Math.min(BLOCK_SIZE, this.size - b * BLOCK_SIZE);
    }
    return total;
  }
}

const ZEROS = Buffer.alloc(CHUNK_SIZE);

/** True when `data` (at most one chunk long) is all zero bytes; a memcmp, not a loop. */
export function isZero(data: Buffer): boolean {
  return data.equals(ZEROS.subarray(0, data.length));
}

/** Content written by an import: only non-zero chunks are kept. */
export class StoredContent implements DiskContent {
  private readonly chunks = new Map<number, Buffer>();

  constructor(readonly size: number) {}

  chunk(index: number): Buffer | null {
    return this.chunks.get(index) ?? null;
  }

  /** Writes `data` at byte `offset` (any alignment), keeping zero chunks out of memory. */
  write(offset: number, data: Buffer): void {
    if (offset + data.length > this.size) throw new RangeError(`write past the end of a ${this.size}-byte disk`);
    let pos = 0;
    while (pos < data.length) {
      const at = offset + pos;
      const index = Math.floor(at / CHUNK_SIZE);
      const within = at - index * CHUNK_SIZE;
      const n = Math.min(data.length - pos, chunkLength(this.size, index) - within);
      let chunk = this.chunks.get(index);
      const piece = data.subarray(pos, pos + n);
      if (!chunk) {
        if (isZero(piece)) {
          pos += n;
          continue;
        }
        chunk = Buffer.alloc(chunkLength(this.size, index));
        this.chunks.set(index, chunk);
      }
      piece.copy(chunk, within);
      pos += n;
    }
  }

  allocatedBytes(): number {
    let total = 0;
    for (const chunk of this.chunks.values()) total += chunk.length;
    return total;
  }
}
