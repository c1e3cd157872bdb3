/**
 * Disks that change without costing memory, and what changed between two of their states.
 *
 * A `ChurnLayer` rewrites whole 2 MiB blocks over a previous content: it keeps only a map block →
 * generation, and a rewritten block's bytes are generated from (seed, generation) like a fixture
 * disk's, so a 4 GiB disk churned for hours holds a few maps, not data. The layer below is never
 * changed: a snapshot taken before keeps pointing at it (contents are replaced, never edited).
 *
 * `changedBlocks` answers a `base=` export the way XAPI does (delta-restore.md §B.1): from the
 * chain, not from the bytes. Two states of one disk share an ancestor layer; every block set by a
 * layer on either side above it may differ, and no other block can. That is a superset (a block
 * rewritten with the same bytes is included) and never misses a change. Unrelated contents have
 * no common layer: every block that may hold data on either side is included, about a full.
 */
import type { ChecksumKind } from '../../formats/index.js';
import { BLOCK_SIZE, CHUNK_SIZE, type DiskContent, GeneratedContent } from './content.js';

/** 32-bit mix of two numbers (murmur3 finaliser): a generation's seed from the disk's. */
export function mixSeed(a: number, b: number): number {
  let h = Math.imul(a ^ Math.imul(b + 0x632be5ab, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class ChurnLayer implements DiskContent {
  readonly size: number;
  /** Generated contents by generation, fully allocated: a rewritten block's bytes. */
  private readonly generated = new Map<number, GeneratedContent>();

  constructor(
    readonly parent: DiskContent,
    /** The disk's own seed; a block rewritten at generation g holds the bytes of seed mix(seed, g). */
    readonly seed: number,
    /** block → generation of its last rewrite in this layer. */
    private readonly blocks: ReadonlyMap<number, number>,
  ) {
    this.size = parent.size;
  }

  ownBlocks(): Iterable<number> {
    return this.blocks.keys();
  }

  /** The map of a new layer that replaces this one (same parent) with `more` rewritten on top. */
  mergedWith(more: ReadonlyMap<number, number>): Map<number, number> {
    return new Map([...this.blocks, ...more]);
  }

  private source(index: number): DiskContent {
    const generation = this.blocks.get(Math.floor((index * CHUNK_SIZE) / BLOCK_SIZE));
    if (generation === undefined) return this.parent;
    let content = this.generated.get(generation);
    if (!content) {
      content = new GeneratedContent(mixSeed(this.seed, generation), this.size, 1);
      this.generated.set(generation, content);
    }
    return content;
  }

  chunk(index: number): Buffer | null {
    return this.source(index).chunk(index);
  }

  pieces(index: number, kind?: ChecksumKind): { parts: Buffer[]; digest: Partial<Record<ChecksumKind, string>> } | null {
    const source = this.source(index);
    if (source.pieces) return source.pieces(index, kind);
    const chunk = source.chunk(index);
    return chunk && { parts: [chunk], digest: {} };
  }
}

/** The chain of a content, itself first; null when some layer does not say what is below it. */
function chainOf(content: DiskContent): DiskContent[] | null {
  const chain: DiskContent[] = [];
  for (let c: DiskContent | null = content; c; c = c.parent ?? null) {
    if (c.parent === undefined || !c.ownBlocks) return null;
    chain.push(c);
  }
  return chain;
}

/**
 * The blocks that may differ between `content` and `base`, ascending; null when a content does
 * not describe its layers (the caller then compares bytes).
 */
export function changedBlocks(content: DiskContent, base: DiskContent): number[] | null {
  const mine = chainOf(content);
  const theirs = chainOf(base);
  if (!mine || !theirs) return null;
  const shared = new Set(theirs.filter((layer) => mine.includes(layer)));
  const blocks = new Set<number>();
  for (const layer of [...mine, ...theirs]) {
    if (shared.has(layer)) continue;
    for (const block of layer.ownBlocks!()) blocks.add(block);
  }
  // A block past the end of the exported disk cannot be in its VHD (a base larger than the disk).
  const count = Math.ceil(content.size / BLOCK_SIZE);
  return [...blocks].filter((b) => b < count).sort((a, b) => a - b);
}
