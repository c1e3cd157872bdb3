/**
 * Disk contents for simulated VDIs. Exports must be byte-exact and repeatable (export → import →
 * export gives the same bytes), big disks must cost no memory, and generation must be fast
 * enough that a 1 GB/s export is not limited by it. So a generated disk is a pure function of
 * (seed, size): 2 MiB blocks (the VHD block size) are allocated or empty by a hash of the seed
 * and the block number; an allocated chunk's data is a per-seed random 1 MiB pattern whose last
 * 16 bytes are a stamp with the chunk number, so two chunks never look alike. With the stamp at
 * the end, a chunk is served as two pieces (the shared pattern, never copied, and the stamp), and
 * its checksum resumes a cached hash of the pattern instead of hashing 1 MiB again.
 */
import { PrefixDigest, type ChecksumKind } from '../../formats/index.js';

/** XVA chunk size (xapi-notes §4.1). */
export const CHUNK_SIZE = 1 << 20;
/** VHD block size, and the simulator's allocation unit (§4.2). */
export const BLOCK_SIZE = 2 << 20;

export interface DiskContent {
  readonly size: number;
  /** Bytes of 1 MiB chunk `index` (shorter at the end of the disk), or null when all zero. */
  chunk(index: number): Buffer | null;
  /** The same bytes in pieces that must not be modified, with their digests, when cheaper. */
  pieces?(index: number, kind?: ChecksumKind): { parts: Buffer[]; digest: Partial<Record<ChecksumKind, string>> } | null;
  /**
   * Layered contents (layers.ts): the content this one is written over, null for a root. With
   * `ownBlocks`, it lets a `base=` export find the changed blocks from the layers, as XAPI does
   * from the VHD chain, instead of reading both disks.
   */
  readonly parent?: DiskContent | null;
  /** The 2 MiB blocks this layer sets over its parent (for a root: every block that may hold data). */
  ownBlocks?(): Iterable<number>;
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

const STAMP = 16;
const prefixDigests = new Map<string, PrefixDigest>();

export class GeneratedContent implements DiskContent {
  readonly parent = null;

  constructor(
    readonly seed: number,
    readonly size: number,
    /** Share of 2 MiB blocks that hold data; block 0 always does (a boot sector lives there). */
    readonly density = 0.5,
  ) {}

  blockAllocated(block: number): boolean {
    return block === 0 || mix(this.seed, block) / 0x100000000 < this.density;
  }

  private allocatedChunk(index: number): boolean {
    return index >= 0 && index * CHUNK_SIZE < this.size && this.blockAllocated(Math.floor((index * CHUNK_SIZE) / BLOCK_SIZE));
  }

  private stamp(index: number): Buffer {
    const stamp = Buffer.allocUnsafe(STAMP);
    stamp.write('VMBK', 0, 'latin1');
    stamp.writeUInt32LE(this.seed, 4);
    stamp.writeDoubleLE(index, 8);
    return stamp;
  }

  pieces(index: number, kind?: ChecksumKind): { parts: Buffer[]; digest: Partial<Record<ChecksumKind, string>> } | null {
    if (!this.allocatedChunk(index)) return null;
    const length = chunkLength(this.size, index);
    if (length < STAMP) return { parts: [patternOf(this.seed).subarray(0, length)], digest: {} };
    const prefix = patternOf(this.seed).subarray(0, length - STAMP);
    const stamp = this.stamp(index);
    if (kind === undefined) return { parts: [prefix, stamp], digest: {} };
    const key = `${this.seed}:${length}`;
    let cached = prefixDigests.get(key);
    if (!cached) {
      if (prefixDigests.size >= 64) prefixDigests.delete(prefixDigests.keys().next().value!);
      prefixDigests.set(key, (cached = new PrefixDigest(prefix)));
    }
    return { parts: [prefix, stamp], digest: { [kind]: cached.digest(kind, stamp) } };
  }

  chunk(index: number): Buffer | null {
    const pieces = this.pieces(index);
    return pieces && Buffer.concat(pieces.parts);
  }

  *ownBlocks(): Iterable<number> {
    for (let b = 0; b * BLOCK_SIZE < this.size; b++) if (this.blockAllocated(b)) yield b;
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

/**
 * Content written by an import: only chunks that differ from the base are kept. Without a base
 * (a fresh VDI, a raw import) the base is all zeros and zero chunks stay out of memory; with one
 * (a VHD imported into a VDI that has content, §B.2) unwritten chunks read through to it. The
 * base is never changed: contents are replaced, never edited, since snapshots share them.
 */
export class StoredContent implements DiskContent {
  private readonly chunks = new Map<number, Buffer>();

  constructor(
    readonly size: number,
    private readonly base: DiskContent | null = null,
  ) {}

  get parent(): DiskContent | null {
    return this.base;
  }

  ownBlocks(): Iterable<number> {
    return new Set([...this.chunks.keys()].map((chunk) => Math.floor((chunk * CHUNK_SIZE) / BLOCK_SIZE)));
  }

  chunk(index: number): Buffer | null {
    return this.chunks.get(index) ?? this.base?.chunk(index) ?? null;
  }

  /** Unwritten chunks as the base's pieces: a generated base then needs no copy per chunk. */
  pieces(index: number, kind?: ChecksumKind): { parts: Buffer[]; digest: Partial<Record<ChecksumKind, string>> } | null {
    const own = this.chunks.get(index);
    if (own) return { parts: [own], digest: {} };
    if (this.base?.pieces) return this.base.pieces(index, kind);
    const below = this.base?.chunk(index) ?? null;
    return below && { parts: [below], digest: {} };
  }

  /**
   * Writes `data` at byte `offset` (any alignment), keeping zero chunks out of memory. `owned`:
   * the caller gives `data` away (never changes it later), so a whole chunk is kept as a view of
   * it, not copied: a 4 GiB VHD import copied every byte into fresh zeroed chunks, and the page
   * faults of that memory were most of the simulator's time.
   */
  write(offset: number, data: Buffer, owned = false): void {
    if (offset + data.length > this.size) throw new RangeError(`write past the end of a ${this.size}-byte disk`);
    let pos = 0;
    while (pos < data.length) {
      const at = offset + pos;
      const index = Math.floor(at / CHUNK_SIZE);
      const within = at - index * CHUNK_SIZE;
      const n = Math.min(data.length - pos, chunkLength(this.size, index) - within);
      let chunk = this.chunks.get(index);
      const piece = data.subarray(pos, pos + n);
      if (owned && within === 0 && n === chunkLength(this.size, index)) {
        if (isZero(piece) && (this.base?.chunk(index) ?? null) === null) this.chunks.delete(index);
        else this.chunks.set(index, piece);
        pos += n;
        continue;
      }
      if (!chunk) {
        const below = this.base?.chunk(index) ?? null;
        if (below === null && isZero(piece)) {
          pos += n;
          continue;
        }
        // A copy: the base's chunk may be shared (a stored chunk, a cached pattern).
        chunk = below === null ? Buffer.alloc(chunkLength(this.size, index)) : Buffer.from(below);
        this.chunks.set(index, chunk);
      }
      piece.copy(chunk, within);
      pos += n;
    }
  }

  /** Bytes of the chunks this content holds itself (not counting its base). */
  allocatedBytes(): number {
    let total = 0;
    for (const chunk of this.chunks.values()) total += chunk.length;
    return total;
  }
}
