/**
 * Writes an XVA (xapi-notes §4.1) the way XAPI's `Stream_vdi.send_all` does: `ova.xml`, then the
 * disks in string order of their `Ref:N` id, each as 1 MiB chunk members followed by a checksum
 * member, all-zero chunks omitted except the first and the last, then two zero blocks.
 *
 * Speed matters (the simulator must serve exports well above 1 GB/s), so chunk data is never
 * copied: the generator yields the tar header, the caller's Buffer itself, and one small buffer
 * holding the padding plus the whole checksum member. Zero detection is a memcmp against a shared
 * zero buffer and hashing is WASM XXH64, both several GB/s.
 */
import { Readable } from 'node:stream';
import { CHECKSUM_SUFFIX, chunkDigest, chunkDigestOfParts, type ChecksumKind } from './checksums.js';
import { TAR_BLOCK, TAR_END, tarHeader, tarPadding, tarPaddingLength } from './tar-header.js';
import { chunkCount, chunkLength, chunkMemberName, OVA_XML, XVA_CHUNK_SIZE } from './xva-names.js';

/**
 * A non-zero chunk given in pieces, yielded as they are (never joined or copied), with its
 * digests when the source knows them cheaply.
 */
export interface XvaChunkParts {
  readonly parts: readonly Buffer[];
  readonly digest?: Partial<Record<ChecksumKind, string>>;
}

export interface XvaDiskSource {
  /** The VDI's id in ova.xml (`Ref:N`); it is also the directory of its chunks in the tar. */
  readonly id: string;
  readonly virtualSize: number;
  /**
   * The bytes of chunk `index` (1 MiB; the last one is shorter when virtualSize is not a multiple
   * of 1 MiB), or null for an all-zero chunk. The writer keeps a reference to the returned Buffer
   * until the consumer has taken it: return a fresh Buffer each time, never a reused one.
   */
  chunk(index: number): Buffer | XvaChunkParts | null | Promise<Buffer | XvaChunkParts | null>;
  /**
   * Emulates XAPI's keep-alive, for simulator tests: called before each chunk position other than
   * the first and the last; returning true first writes a zero-length chunk under the current
   * number, which shifts every later chunk number by one (xapi-notes §4.1, keep-alive rule).
   */
  keepAliveBefore?(index: number): boolean;
}

export interface XvaWriterOptions {
  readonly ovaXml: string;
  readonly disks: readonly XvaDiskSource[];
  readonly checksum: ChecksumKind;
  /** mtime of the ova.xml member: XAPI's sample has 0, recent XAPI writes the export time. */
  readonly ovaMtime?: number;
}

const ZERO_CHUNK = Buffer.alloc(XVA_CHUNK_SIZE);

/** The XVA as a sequence of Buffers (some of them are the caller's chunk Buffers, not copies). */
export async function* xvaStream(options: XvaWriterOptions): AsyncGenerator<Buffer, void, undefined> {
  const checksum = options.checksum;
  const ova = Buffer.from(options.ovaXml, 'utf8');
  yield tarHeader(OVA_XML, ova.length, options.ovaMtime === undefined ? {} : { mtime: options.ovaMtime });
  yield ova;
  const ovaPadding = tarPadding(ova.length);
  if (ovaPadding.length > 0) yield ovaPadding;

  for (const disk of sortDisks(options.disks)) {
    const count = chunkCount(disk.virtualSize);
    let shift = 0; // keep-alive members written so far on this disk
    for (let index = 0; index < count; index++) {
      const firstOrLast = index === 0 || index === count - 1;
      if (!firstOrLast && disk.keepAliveBefore?.(index) === true) {
        yield* chunkMember(disk.id, index + shift, Buffer.alloc(0), checksum);
        shift++;
      }
      const length = chunkLength(disk.virtualSize, index);
      const data = await disk.chunk(index);
      if (data !== null && !Buffer.isBuffer(data)) {
        const total = data.parts.reduce((sum, p) => sum + p.length, 0);
        if (total !== length) throw new RangeError(`chunk ${index} of disk ${disk.id} has ${total} bytes, expected ${length}`);
        yield* partsMember(disk.id, index + shift, data, length, checksum);
        continue;
      }
      if (data !== null && data.length !== length) {
        throw new RangeError(`chunk ${index} of disk ${disk.id} has ${data.length} bytes, expected ${length}`);
      }
      const isZero = data === null || isAllZero(data);
      if (isZero && !firstOrLast) continue;
      yield* chunkMember(disk.id, index + shift, data ?? ZERO_CHUNK.subarray(0, length), checksum);
    }
  }
  yield TAR_END;
}

/** The same bytes as a Node Readable (binary mode), for piping into an HTTP response. */
export function xvaReadable(options: XvaWriterOptions): Readable {
  return Readable.from(xvaStream(options), { objectMode: false });
}

/** Disks in XAPI's order: plain string comparison of the ids, so "Ref:10" comes before "Ref:5". */
function sortDisks(disks: readonly XvaDiskSource[]): XvaDiskSource[] {
  const sorted = [...disks].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.id === sorted[i - 1]!.id) throw new RangeError(`duplicate disk id ${sorted[i]!.id}`);
  }
  return sorted;
}

function* chunkMember(diskId: string, number: number, data: Buffer, kind: ChecksumKind): Generator<Buffer> {
  const name = chunkMemberName(diskId, number);
  yield tarHeader(name, data.length);
  if (data.length > 0) yield data;
  yield checksumTrailer(name, data, kind);
}

function* partsMember(diskId: string, number: number, chunk: XvaChunkParts, length: number, kind: ChecksumKind): Generator<Buffer> {
  const name = chunkMemberName(diskId, number);
  yield tarHeader(name, length);
  for (const part of chunk.parts) if (part.length > 0) yield part;
  yield trailer(name, length, chunk.digest?.[kind] ?? chunkDigestOfParts(kind, chunk.parts), kind);
}

/** Padding after the chunk + the checksum member (header, digest, padding) in one buffer. */
function checksumTrailer(name: string, data: Buffer, kind: ChecksumKind): Buffer {
  return trailer(name, data.length, digestOf(data, kind), kind);
}

function trailer(name: string, dataLength: number, digestText: string, kind: ChecksumKind): Buffer {
  const digest = Buffer.from(digestText, 'latin1');
  const padding = tarPaddingLength(dataLength);
  const out = Buffer.alloc(padding + TAR_BLOCK + TAR_BLOCK);
  tarHeader(name + CHECKSUM_SUFFIX[kind], digest.length).copy(out, padding);
  digest.copy(out, padding + TAR_BLOCK);
  return out;
}

// Zero chunks are written only as first/last chunks, but hashing 1 MiB of zeros for every disk
// still adds up in tests that export many disks: remember the digests per length.
const zeroDigests = new Map<string, string>();

function digestOf(data: Buffer, kind: ChecksumKind): string {
  if (data.buffer === ZERO_CHUNK.buffer && data.byteOffset === ZERO_CHUNK.byteOffset) {
    const key = `${kind}:${data.length}`;
    let digest = zeroDigests.get(key);
    if (digest === undefined) {
      digest = chunkDigest(kind, data);
      zeroDigests.set(key, digest);
    }
    return digest;
  }
  return chunkDigest(kind, data);
}

function isAllZero(data: Buffer): boolean {
  return ZERO_CHUNK.subarray(0, data.length).equals(data);
}
