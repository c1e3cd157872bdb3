/**
 * Writes a stream-ordered dynamic VHD, the `format=vhd` body of `/export_raw_vdi` (xapi-notes
 * §3.2, §4.2): footer copy at 0, dynamic header at 512, BAT at 1536 (padded to a sector), the
 * allocated blocks in increasing offset — each a 512-byte all-ones sector bitmap and 2 MiB of
 * data — and the footer again, byte-identical to the copy.
 *
 * qemu and the creator id. qemu's vpc driver takes the disk size from the CHS geometry unless the
 * creator is one it knows to use currentSize (`tap\0`, `CTXS`, `win `, `qem2`, `d2v `); XAPI
 * writes `caml`, which is not in that list. Our geometry rounds up (vhd-geometry.ts), so the CHS
 * size can exceed currentSize by up to a few hundred KiB, and qemu refuses the file ("Page table
 * too small") when the BAT does not cover the CHS size. So maxTableEntries covers both currentSize
 * and the CHS size: the extra entries are unused (0xFFFFFFFF), every VHD reader accepts more
 * entries than needed, and `qemu-img info -f vpc` opens the file. It then reports the CHS size;
 * `--image-opts driver=vpc,force_size_calc=current_size,…` makes it report and convert exactly
 * currentSize. Choosing creator `tap\0` would avoid the option but would no longer look like XAPI.
 */
import { computeVhdGeometry } from './vhd-geometry.js';
import {
  buildVhdFooter,
  buildVhdHeader,
  vhdTimestamp,
  VHD_BLOCK_SIZE,
  VHD_DISK_TYPE,
  VHD_FOOTER_SIZE,
  VHD_HEADER_SIZE,
  VHD_SECTOR,
} from './vhd-structs.js';

export interface VhdStreamOptions {
  /** Virtual size in bytes, a multiple of 512. */
  readonly size: number;
  readonly uuid: string | Uint8Array;
  /**
   * Block `index` (2 MiB; the last may be shorter when size is not a multiple of 2 MiB, it is then
   * zero-padded), or null when the block is not allocated. Without `allocated`, it is called twice
   * per block: once to build the BAT (only null-ness matters), once for the data. Return fresh
   * Buffers: the writer yields them without copying.
   */
  block(index: number): Buffer | null | Promise<Buffer | null>;
  /** Which blocks are present, when the source knows without reading them. */
  readonly allocated?: (index: number) => boolean;
  /** 4 characters; default "caml", as XAPI. */
  readonly creator?: string;
  /** Footer timestamp; default now. */
  readonly timestamp?: Date;
  /** 4 for a delta against a parent (`base=`), default 3. */
  readonly diskType?: 3 | 4;
  readonly parentUuid?: string | Uint8Array;
  /** Header parent name (UTF-16BE in the file); XAPI writes the base's host path. */
  readonly parentUnicodeName?: string;
  /**
   * Where the BAT starts (a multiple of 512, at least 1536, the default). XAPI's vhd-tool puts it
   * at 2048, leaving one zero sector at 1536 for a parent locator (delta-restore.md §B.1).
   */
  readonly tableOffset?: number;
}

const BITMAP_SIZE = VHD_BLOCK_SIZE / VHD_SECTOR / 8; // 512: one bit per sector, exactly one sector
const FULL_BITMAP = Buffer.alloc(BITMAP_SIZE, 0xff);
const ZERO_BLOCK = Buffer.alloc(VHD_BLOCK_SIZE);

/** Number of BAT entries written for a disk of `size` bytes (see the note on qemu above). */
export function vhdTableEntries(size: number): number {
  const forSize = Math.ceil(size / VHD_BLOCK_SIZE);
  const forChs = Math.ceil(computeVhdGeometry(size).chsSize / VHD_BLOCK_SIZE);
  return Math.max(forSize, forChs);
}

/** Total length of the stream for `allocatedBlocks` present blocks (BAT at `tableOffset`, default 1536). */
export function vhdStreamLength(size: number, allocatedBlocks: number, tableOffset = VHD_FOOTER_SIZE + VHD_HEADER_SIZE): number {
  return tableOffset + batLength(vhdTableEntries(size)) +
    allocatedBlocks * (BITMAP_SIZE + VHD_BLOCK_SIZE) + VHD_FOOTER_SIZE;
}

function batLength(entries: number): number {
  return Math.ceil((entries * 4) / VHD_SECTOR) * VHD_SECTOR;
}

export async function* vhdStream(options: VhdStreamOptions): AsyncGenerator<Buffer, void, undefined> {
  const { size } = options;
  if (!Number.isSafeInteger(size) || size <= 0 || size % VHD_SECTOR !== 0) {
    throw new RangeError(`VHD size must be a positive multiple of 512: ${size}`);
  }
  const blocks = Math.ceil(size / VHD_BLOCK_SIZE);
  const entries = vhdTableEntries(size);
  const tableOffset = options.tableOffset ?? VHD_FOOTER_SIZE + VHD_HEADER_SIZE;
  if (!Number.isSafeInteger(tableOffset) || tableOffset < VHD_FOOTER_SIZE + VHD_HEADER_SIZE || tableOffset % VHD_SECTOR !== 0) {
    throw new RangeError(`VHD table offset must be a multiple of 512, at least 1536: ${tableOffset}`);
  }
  const present = await allocatedBlocks(options, blocks);

  // All ones = every block unused (0xFFFFFFFF), including the padding to a whole sector.
  const bat = Buffer.alloc(batLength(entries), 0xff);
  let sector = (tableOffset + bat.length) / VHD_SECTOR;
  for (const index of present) {
    bat.writeUInt32BE(sector, index * 4);
    sector += (BITMAP_SIZE + VHD_BLOCK_SIZE) / VHD_SECTOR;
  }

  const footer = buildVhdFooter({
    currentSize: size,
    uuid: options.uuid,
    timestamp: vhdTimestamp(options.timestamp ?? new Date()),
    creatorApplication: options.creator ?? 'caml',
    diskType: options.diskType ?? VHD_DISK_TYPE.dynamic,
  });
  yield footer;
  yield buildVhdHeader({
    maxTableEntries: entries,
    tableOffset,
    ...(options.parentUuid === undefined ? {} : { parentUuid: options.parentUuid }),
    ...(options.parentUnicodeName === undefined ? {} : { parentUnicodeName: options.parentUnicodeName }),
  });
  if (tableOffset > VHD_FOOTER_SIZE + VHD_HEADER_SIZE) yield Buffer.alloc(tableOffset - VHD_FOOTER_SIZE - VHD_HEADER_SIZE);
  yield bat;

  for (const index of present) {
    const data = await options.block(index);
    if (data === null) throw new Error(`VHD block ${index} was reported allocated but block() returned null`);
    // Only the last block may be short (it is zero-padded); a short block elsewhere is a bug upstream.
    const isLast = index === blocks - 1;
    if (isLast ? data.length > VHD_BLOCK_SIZE : data.length !== VHD_BLOCK_SIZE) {
      throw new RangeError(`VHD block ${index} has ${data.length} bytes, expected ${VHD_BLOCK_SIZE}${isLast ? ' at most' : ''}`);
    }
    yield FULL_BITMAP;
    yield data;
    if (data.length < VHD_BLOCK_SIZE) yield ZERO_BLOCK.subarray(0, VHD_BLOCK_SIZE - data.length);
  }
  yield footer;
}

async function allocatedBlocks(options: VhdStreamOptions, blocks: number): Promise<number[]> {
  const present: number[] = [];
  for (let index = 0; index < blocks; index++) {
    const allocated = options.allocated === undefined ? (await options.block(index)) !== null : options.allocated(index);
    if (allocated) present.push(index);
  }
  return present;
}
