/**
 * A push-based verifier and reader for stream-ordered dynamic/differencing VHDs (the body of
 * `/export_raw_vdi?format=vhd`). It mirrors vhd-lib's checks (footer and header fields, both
 * checksums; see vhd-structs.ts) and the stream-order rules XO's `parseVhdStream` relies on:
 * footer copy at 0, header at its data offset, then BAT, parent locators and blocks strictly in
 * offset order without overlap, then a trailing footer byte-identical to the first.
 *
 * `feed` returns events: `start` once the BAT is known, one `block` per allocated block (in
 * stream order), `end` from `end()` once the trailing footer matched. Memory is bounded by one
 * block (2 MiB by default) plus the BAT.
 */
import { FormatError } from './errors.js';
import {
  parseVhdFooter,
  parseVhdHeader,
  VHD_BLOCK_UNUSED,
  VHD_FOOTER_SIZE,
  VHD_HEADER_SIZE,
  VHD_SECTOR,
  type VhdFooter,
  type VhdHeader,
} from './vhd-structs.js';

export interface VhdBlock {
  readonly index: number;
  /** Where the block's data goes in the virtual disk: index × blockSize. */
  readonly offset: number;
  /** Bytes of `data` inside the disk (less than blockSize only for the last block). */
  readonly length: number;
  /** Sector bitmap, MSB first; in a differencing disk a clear bit means "read the parent". */
  readonly bitmap: Buffer;
  readonly data: Buffer;
}

export type VhdEvent =
  | { readonly type: 'start'; readonly footer: VhdFooter; readonly header: VhdHeader; readonly allocatedBlocks: number }
  | ({ readonly type: 'block' } & VhdBlock)
  | { readonly type: 'end'; readonly footer: VhdFooter; readonly header: VhdHeader; readonly blocks: number; readonly streamBytes: number };

const EMPTY = Buffer.alloc(0);

/** Bounds against absurd headers: 2 MiB is the norm, qemu never writes more than 16 MiB either. */
const MAX_BLOCK_SIZE = 32 * 1024 * 1024;
const MAX_TABLE_ENTRIES = 1 << 24;

interface Region {
  readonly what: string;
  readonly offset: number;
  readonly length: number;
  readonly handle: (bytes: Buffer) => void;
  /** A data block: without keepData its bytes are counted, not kept. */
  readonly isBlock?: boolean;
}

export interface VhdParserOptions {
  /**
   * Report each block's bitmap and data (default true). A verifier passes false: block bytes
   * are then only counted, everything kept is copied, and the caller may reuse its buffers.
   */
  readonly keepData?: boolean;
}

type Step =
  | { kind: 'skip'; what: string; remaining: number }
  | { kind: 'read'; region: Region; parts: Buffer[]; have: number }
  | { kind: 'trailer'; parts: Buffer[]; have: number };

export class VhdParser {
  private events: VhdEvent[] = [];
  private position = 0;
  private step: Step;
  /** Regions still to come, sorted by offset. */
  private regions: Region[] = [];
  private footerBytes: Buffer | undefined;
  private footer: VhdFooter | undefined;
  private header: VhdHeader | undefined;
  private blocksSeen = 0;
  private failure: unknown;

  private readonly keepData: boolean;

  constructor(options: VhdParserOptions = {}) {
    this.keepData = options.keepData ?? true;
    this.step = this.readStep({ what: 'footer copy', offset: 0, length: VHD_FOOTER_SIZE, handle: (b) => this.onFooter(b) });
  }

  feed(chunk: Buffer): VhdEvent[] {
    if (this.failure !== undefined) throw this.failure;
    try {
      this.consume(chunk);
    } catch (err) {
      this.failure = err;
      throw err;
    }
    return this.takeEvents();
  }

  end(): VhdEvent[] {
    if (this.failure !== undefined) throw this.failure;
    try {
      this.finish();
    } catch (err) {
      this.failure = err;
      throw err;
    }
    return this.takeEvents();
  }

  private takeEvents(): VhdEvent[] {
    const events = this.events;
    this.events = [];
    return events;
  }

  private consume(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      const step = this.step;
      const take = Math.min(chunk.length - at, step.kind === 'skip' ? step.remaining : step.kind === 'read' ? step.region.length - step.have : Infinity);
      if (step.kind === 'trailer' && step.have + take > VHD_FOOTER_SIZE) {
        const offset = this.position - step.have + VHD_FOOTER_SIZE;
        throw new FormatError('VHD_TRAILING_DATA', `VHD stream has data after its trailing footer, at offset ${offset}`, { offset });
      }
      if (step.kind === 'skip') {
        step.remaining -= take;
      } else {
        const view = chunk.subarray(at, at + take);
        if (this.keepData) step.parts.push(view);
        else if (step.kind === 'trailer' || !step.region.isBlock) step.parts.push(Buffer.from(view));
        step.have += take;
      }
      at += take;
      this.position += take;
      if (step.kind === 'skip' && step.remaining === 0) this.nextRegion();
      else if (step.kind === 'read' && step.have === step.region.length) {
        step.region.handle(joined(step.parts, step.have));
        this.nextRegion();
      }
    }
  }

  private readStep(region: Region): Step {
    return { kind: 'read', region, parts: [], have: 0 };
  }

  /** Moves to the next region in offset order, skipping any gap before it. */
  private nextRegion(): void {
    const region = this.regions[0];
    if (region === undefined) {
      this.step = { kind: 'trailer', parts: [], have: 0 };
      return;
    }
    if (region.offset < this.position) {
      throw new FormatError(
        'VHD_ORDER',
        `VHD ${region.what} at offset ${region.offset} overlaps what precedes it (the stream is at offset ${this.position}): ` +
          'the file is damaged or not stream-ordered',
        { offset: region.offset },
      );
    }
    if (region.offset > this.position) {
      this.step = { kind: 'skip', what: `gap before the ${region.what}`, remaining: region.offset - this.position };
      return;
    }
    this.regions.shift();
    this.step = this.readStep(region);
    if (region.length === 0) {
      region.handle(Buffer.alloc(0));
      this.nextRegion();
    }
  }

  private onFooter(bytes: Buffer): void {
    this.footerBytes = Buffer.from(bytes);
    const footer = parseVhdFooter(this.footerBytes, 0, 'footer copy');
    this.footer = footer;
    this.regions = [{ what: 'header', offset: footer.dataOffset!, length: VHD_HEADER_SIZE, handle: (b) => this.onHeader(b) }];
  }

  private onHeader(bytes: Buffer): void {
    const footer = this.footer!;
    const offset = footer.dataOffset!;
    const header = parseVhdHeader(bytes, offset, footer);
    const fail = (message: string): never => {
      throw new FormatError('VHD_HEADER_FIELD', `VHD header at offset ${offset}: ${message}`, { offset });
    };
    if (header.blockSize > MAX_BLOCK_SIZE) fail(`block size ${header.blockSize} is larger than ${MAX_BLOCK_SIZE}`);
    if (header.maxTableEntries > MAX_TABLE_ENTRIES) fail(`${header.maxTableEntries} BAT entries is absurd`);
    this.header = header;
    const regions: Region[] = [
      // The BAT region includes its padding to a whole sector, so that nothing is left between it
      // and the trailing footer of a disk without blocks.
      {
        what: 'BAT',
        offset: header.tableOffset,
        length: Math.ceil((header.maxTableEntries * 4) / VHD_SECTOR) * VHD_SECTOR,
        handle: (b) => this.onBat(b),
      },
    ];
    for (const [i, locator] of header.parentLocators.entries()) {
      regions.push({ what: `parent locator ${i}`, offset: locator.dataOffset, length: locator.dataLength, handle: () => {} });
    }
    this.regions = regions.sort((a, b) => a.offset - b.offset);
  }

  private onBat(bat: Buffer): void {
    const footer = this.footer!;
    const header = this.header!;
    const batEnd = header.tableOffset + bat.length;
    const bitmapSize = Math.ceil(header.blockSize / VHD_SECTOR / 8 / VHD_SECTOR) * VHD_SECTOR;
    const blocksInDisk = Math.ceil(footer.currentSize / header.blockSize);
    const blocks: Region[] = [];
    for (let index = 0; index < header.maxTableEntries; index++) {
      const entry = bat.readUInt32BE(index * 4);
      if (entry === VHD_BLOCK_UNUSED) continue;
      const at = header.tableOffset + index * 4;
      const offset = entry * VHD_SECTOR;
      if (index >= blocksInDisk) {
        throw new FormatError(
          'VHD_BAT_ENTRY',
          `VHD BAT entry ${index} (at offset ${at}) allocates a block beyond the disk size ${footer.currentSize}`,
          { offset: at },
        );
      }
      if (offset < batEnd) {
        throw new FormatError(
          'VHD_BAT_ENTRY',
          `VHD BAT entry ${index} (at offset ${at}) points to offset ${offset}, inside the footer, header or BAT`,
          { offset: at },
        );
      }
      blocks.push({
        what: `block ${index}`,
        offset,
        length: bitmapSize + header.blockSize,
        handle: (bytes) => this.onBlock(index, bitmapSize, bytes),
        isBlock: true,
      });
    }
    this.regions = [...this.regions, ...blocks].sort((a, b) => a.offset - b.offset);
    this.events.push({ type: 'start', footer, header, allocatedBlocks: blocks.length });
  }

  private onBlock(index: number, bitmapSize: number, bytes: Buffer): void {
    const { blockSize } = this.header!;
    const offset = index * blockSize;
    this.blocksSeen++;
    this.events.push({
      type: 'block',
      index,
      offset,
      length: Math.min(blockSize, this.footer!.currentSize - offset),
      bitmap: bytes.subarray(0, bitmapSize),
      data: bytes.subarray(bitmapSize),
    });
  }

  private finish(): void {
    const step = this.step;
    const offset = this.position;
    if (step.kind !== 'trailer' || step.have < VHD_FOOTER_SIZE) {
      const what =
        step.kind === 'trailer'
          ? `the trailing footer (${step.have} of 512 bytes)`
          : step.kind === 'skip'
            ? `the ${step.what}`
            : `the ${step.region.what} (${step.have} of ${step.region.length} bytes, from offset ${step.region.offset})`;
      throw new FormatError('VHD_TRUNCATED', `VHD stream truncated at offset ${offset}, in ${what}`, { offset });
    }
    const trailer = joined(step.parts, step.have);
    if (!trailer.equals(this.footerBytes!)) {
      const at = offset - VHD_FOOTER_SIZE;
      throw new FormatError('VHD_FOOTER_MISMATCH', `VHD trailing footer at offset ${at} differs from the footer copy at offset 0`, {
        offset: at,
      });
    }
    this.events.push({ type: 'end', footer: this.footer!, header: this.header!, blocks: this.blocksSeen, streamBytes: offset });
  }
}

/** One part is returned as is (a view into the fed buffer); several are copied together. */
function joined(parts: Buffer[], length: number): Buffer {
  // No parts: a block not kept (keepData: false); its events carry empty bitmap and data.
  if (parts.length === 0) return EMPTY;
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
}

/** Reads a whole VHD stream from an async source, yielding events as they complete. */
export async function* parseVhd(source: AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array>): AsyncGenerator<VhdEvent, void, undefined> {
  const parser = new VhdParser();
  for await (const chunk of source) {
    yield* parser.feed(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  yield* parser.end();
}
