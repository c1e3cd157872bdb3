/**
 * Random-access reader of a dynamic (3) or differencing (4) VHD file on disk: the files of a
 * delta chain, read by restore (chain/synthetic.ts), merge and verify. Unlike vhd-parser.ts it
 * does not need stream order: it follows footer → header → BAT wherever they point (XAPI's
 * `base=` exports put the BAT at 2048, vhd-writer.ts at 1536) and reads blocks by offset.
 *
 * Everything read is bounded by the file's size before it is read: a damaged BAT or header makes
 * a FormatError naming the file, never a huge allocation or a read of the wrong bytes. Reads are
 * positioned (`FileHandle.read`), one per block (bitmap and data together), nothing read whole.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { FormatError } from './errors.js';
import {
  parseVhdFooter,
  parseVhdHeader,
  VHD_BLOCK_UNUSED,
  VHD_DISK_TYPE,
  VHD_FOOTER_SIZE,
  VHD_HEADER_SIZE,
  VHD_SECTOR,
  type VhdFooter,
  type VhdHeader,
} from './vhd-structs.js';

/** Same bounds as vhd-parser.ts: 2 MiB is the norm, nobody writes more than 16 MiB. */
export const VHD_MAX_BLOCK_SIZE = 32 * 1024 * 1024;
const MAX_TABLE_ENTRIES = 1 << 24;

export interface VhdFileBlock {
  /** Sector bitmap, MSB first: a clear bit in a differencing disk means "the parent's sector". */
  readonly bitmap: Buffer;
  /** blockSize bytes (the last block of a disk is padded to a whole block in the file). */
  readonly data: Buffer;
}

/** A VHD uuid (16 bytes) in its canonical text form, lower case. */
export function uuidText(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export class VhdFile {
  /** Byte offset of each block's bitmap, or -1 when the block is not in the file. */
  private readonly offsets: Float64Array;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    readonly fileSize: number,
    readonly footer: VhdFooter,
    readonly header: VhdHeader,
    offsets: Float64Array,
    /** Blocks in the file. */
    readonly allocatedCount: number,
  ) {
    this.offsets = offsets;
  }

  /** Opens and checks `path`; the handle is closed again when a check fails. */
  static async open(path: string): Promise<VhdFile> {
    const fh = await open(path, 'r');
    try {
      const size = (await fh.stat()).size;
      const footer = await readFooter(fh, path, size);
      const headerAt = footer.dataOffset!; // parseVhdFooter insists on 512
      if (headerAt + VHD_HEADER_SIZE > size - VHD_FOOTER_SIZE) fail(path, 'VHD_TRUNCATED', `the file (${size} bytes) ends before its header at offset ${headerAt}`, headerAt);
      const header = parseVhdHeader(await readAt(fh, path, headerAt, VHD_HEADER_SIZE), headerAt, footer);
      if (footer.currentSize % VHD_SECTOR !== 0) fail(path, 'VHD_FOOTER_FIELD', `current size ${footer.currentSize} is not a multiple of 512`, 0);
      if (header.blockSize > VHD_MAX_BLOCK_SIZE) fail(path, 'VHD_HEADER_FIELD', `block size ${header.blockSize} is larger than ${VHD_MAX_BLOCK_SIZE}`, headerAt);
      if (header.maxTableEntries > MAX_TABLE_ENTRIES) fail(path, 'VHD_HEADER_FIELD', `${header.maxTableEntries} BAT entries is absurd`, headerAt);
      const batLength = Math.ceil((header.maxTableEntries * 4) / VHD_SECTOR) * VHD_SECTOR;
      if (header.tableOffset + batLength > size - VHD_FOOTER_SIZE) {
        fail(path, 'VHD_TRUNCATED', `the BAT (${batLength} bytes at offset ${header.tableOffset}) does not fit in the file (${size} bytes)`, header.tableOffset);
      }
      const bat = await readAt(fh, path, header.tableOffset, batLength);
      const { offsets, count } = checkBat(path, size, footer, header, bat);
      return new VhdFile(path, fh, size, footer, header, offsets, count);
    } catch (err) {
      await fh.close().catch(() => {});
      throw err;
    }
  }

  get uuid(): string {
    return uuidText(this.footer.uuid);
  }

  /** The header's parent uuid for a differencing disk, null for a dynamic one. */
  get parentUuid(): string | null {
    return this.diskType === VHD_DISK_TYPE.differencing ? uuidText(this.header.parentUuid) : null;
  }

  get diskType(): 3 | 4 {
    return this.footer.diskType as 3 | 4; // parseVhdFooter accepts only these two
  }

  get currentSize(): number {
    return this.footer.currentSize;
  }

  get blockSize(): number {
    return this.header.blockSize;
  }

  /** Blocks of the virtual disk (the last one may extend past currentSize). */
  get blockCount(): number {
    return Math.ceil(this.footer.currentSize / this.header.blockSize);
  }

  /** Bytes of each block's sector bitmap: one bit per sector, padded to whole sectors. */
  get bitmapSize(): number {
    return bitmapBytes(this.header.blockSize);
  }

  allocated(index: number): boolean {
    return index >= 0 && index < this.offsets.length && this.offsets[index]! >= 0;
  }

  /** Byte offset of block `index`'s bitmap in the file, or null when it is not allocated. */
  blockOffset(index: number): number | null {
    return this.allocated(index) ? this.offsets[index]! : null;
  }

  /**
   * Block `index` in one positioned read into a fresh buffer (its bitmap and data are views of
   * it, so a caller may hand `data` on without copying), or null when it is not allocated.
   */
  async readBlock(index: number): Promise<VhdFileBlock | null> {
    const offset = this.blockOffset(index);
    if (offset === null) return null;
    const bitmapSize = this.bitmapSize;
    const bytes = await readAt(this.fh, this.path, offset, bitmapSize + this.header.blockSize);
    return { bitmap: bytes.subarray(0, bitmapSize), data: bytes.subarray(bitmapSize) };
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

export function bitmapBytes(blockSize: number): number {
  return Math.ceil(blockSize / VHD_SECTOR / 8 / VHD_SECTOR) * VHD_SECTOR;
}

function fail(path: string, code: string, message: string, offset: number): never {
  throw new FormatError(code, `${path}: ${message}`, { offset });
}

/**
 * The trailing footer is the authoritative one (the copy at 0 exists for stream readers). A bad
 * trailing footer with a good copy means the file's end was cut or overwritten: refused, but the
 * message says so, because that is a different repair than a file that is not a VHD at all.
 */
async function readFooter(fh: FileHandle, path: string, size: number): Promise<VhdFooter> {
  if (size < VHD_FOOTER_SIZE * 2 + VHD_HEADER_SIZE) fail(path, 'VHD_TRUNCATED', `${size} bytes is too short for a dynamic VHD`, 0);
  const trailerAt = size - VHD_FOOTER_SIZE;
  const trailer = await readAt(fh, path, trailerAt, VHD_FOOTER_SIZE);
  const copy = await readAt(fh, path, 0, VHD_FOOTER_SIZE);
  let footer: VhdFooter;
  try {
    footer = parseVhdFooter(trailer, trailerAt, 'trailing footer');
  } catch (err) {
    if (!(err instanceof FormatError)) throw err;
    let copyGood = false;
    try {
      parseVhdFooter(copy, 0, 'footer copy');
      copyGood = true;
    } catch {
      // neither is good: report the trailing footer's problem alone
    }
    const why = copyGood
      ? ' (the footer copy at offset 0 is good: the end of the file was cut off or overwritten; the copy is not used in its place)'
      : '';
    fail(path, err.code, `${err.message}${why}`, trailerAt);
  }
  if (!copy.equals(trailer)) {
    fail(path, 'VHD_FOOTER_MISMATCH', `the footer copy at offset 0 differs from the trailing footer at offset ${trailerAt}`, 0);
  }
  return footer;
}

/**
 * Every BAT entry checked against the file: inside the disk, clear of the footer copy, header,
 * BAT and parent locators (wherever they are: a merge may have moved the BAT past the blocks),
 * before the trailing footer, and no two blocks overlapping (two entries sharing bytes would
 * return one block's data for the other without any error).
 */
function checkBat(path: string, size: number, footer: VhdFooter, header: VhdHeader, bat: Buffer): { offsets: Float64Array; count: number } {
  const blocksInDisk = Math.ceil(footer.currentSize / header.blockSize);
  const blockBytes = bitmapBytes(header.blockSize) + header.blockSize;
  const dataEnd = size - VHD_FOOTER_SIZE;
  const structures: Array<{ what: string; from: number; to: number }> = [
    { what: 'the footer copy and header', from: 0, to: footer.dataOffset! + VHD_HEADER_SIZE },
    { what: 'the BAT', from: header.tableOffset, to: header.tableOffset + bat.length },
    ...header.parentLocators.map((l, i) => ({ what: `parent locator ${i}`, from: l.dataOffset, to: l.dataOffset + l.dataLength })),
  ];
  const offsets = new Float64Array(blocksInDisk).fill(-1);
  const used: Array<{ index: number; offset: number }> = [];
  for (let index = 0; index < header.maxTableEntries; index++) {
    const entry = bat.readUInt32BE(index * 4);
    if (entry === VHD_BLOCK_UNUSED) continue;
    const at = header.tableOffset + index * 4;
    const offset = entry * VHD_SECTOR;
    const where = `BAT entry of block ${index} (at offset ${at}) points to offset ${offset}`;
    if (index >= blocksInDisk) fail(path, 'VHD_BAT_ENTRY', `BAT entry of block ${index} (at offset ${at}) allocates a block beyond the disk size ${footer.currentSize}`, at);
    if (offset + blockBytes > dataEnd) fail(path, 'VHD_BAT_ENTRY', `${where}, but the block (${blockBytes} bytes) would end past the data, which ends at ${dataEnd}`, at);
    for (const s of structures) {
      if (offset < s.to && s.from < offset + blockBytes) fail(path, 'VHD_BAT_ENTRY', `${where}, overlapping ${s.what} (offsets ${s.from} to ${s.to})`, at);
    }
    offsets[index] = offset;
    used.push({ index, offset });
  }
  used.sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < used.length; i++) {
    const before = used[i - 1]!;
    const block = used[i]!;
    if (block.offset < before.offset + blockBytes) {
      fail(path, 'VHD_BAT_ENTRY', `blocks ${before.index} (offset ${before.offset}) and ${block.index} (offset ${block.offset}) overlap`, block.offset);
    }
  }
  return { offsets, count: used.length };
}

/** Exactly `length` bytes at `position` into a fresh buffer; the file ending first is a FormatError. */
async function readAt(fh: FileHandle, path: string, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafeSlow(length);
  let have = 0;
  while (have < length) {
    const { bytesRead } = await fh.read(buffer, have, length - have, position + have);
    if (bytesRead === 0) fail(path, 'VHD_TRUNCATED', `the file ends at offset ${position + have}, inside ${length} bytes read from offset ${position}`, position + have);
    have += bytesRead;
  }
  return buffer;
}
