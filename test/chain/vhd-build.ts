/**
 * Test-side VHD makers for chains: files written by the product's own vhdStream (full and
 * differencing), in-place patches of their bitmaps and bytes, an XAPI-shaped layout (an empty
 * locator sector at 1536, BAT at 2048), and the expected raw image of a chain computed
 * independently of chain/synthetic.ts (sector by sector, the obvious way).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildVhdFooter, buildVhdHeader, VHD_BLOCK_SIZE, VHD_SECTOR } from '../../src/formats/vhd-structs.js';
import { vhdStream, vhdTableEntries } from '../../src/formats/vhd-writer.js';
import { collect, pattern } from '../formats/helpers.js';

export const MIB = 1024 * 1024;
export const SECTORS_PER_BLOCK = VHD_BLOCK_SIZE / VHD_SECTOR;

export interface Layer {
  readonly uuid: string;
  readonly size: number;
  /** Absent: a full (dynamic). */
  readonly parentUuid?: string;
  /** Block index → its 2 MiB of data (zero-padded past size in the last block). */
  readonly blocks: ReadonlyMap<number, Buffer>;
  /** Block index → bitmap (512 bytes, MSB first); absent: all ones. */
  readonly bitmaps?: ReadonlyMap<number, Buffer>;
}

/** A 2 MiB block of deterministic bytes, unique per seed. */
export function blockData(seed: number): Buffer {
  return pattern(seed, VHD_BLOCK_SIZE);
}

export function layer(uuid: string, size: number, blocks: Record<number, number>, parentUuid?: string): Layer {
  const map = new Map<number, Buffer>();
  for (const [index, seed] of Object.entries(blocks)) {
    const data = blockData(seed);
    const end = size - Number(index) * VHD_BLOCK_SIZE;
    if (end < VHD_BLOCK_SIZE) data.fill(0, end); // the writer's padding is zeros
    map.set(Number(index), data);
  }
  return { uuid, size, blocks: map, ...(parentUuid === undefined ? {} : { parentUuid }) };
}

/** The layer as vhdStream writes it (whole bitmaps), then its partial bitmaps patched in. */
export async function layerBytes(l: Layer, timestamp = new Date('2026-01-02T03:04:05Z')): Promise<Buffer> {
  const bytes = await collect(
    vhdStream({
      size: l.size,
      uuid: l.uuid,
      timestamp,
      block: (i) => l.blocks.get(i) ?? null,
      ...(l.parentUuid === undefined ? {} : { diskType: 4 as const, parentUuid: l.parentUuid }),
    }),
  );
  for (const [index, bitmap] of l.bitmaps ?? []) bitmap.copy(bytes, blockFileOffset(bytes, index));
  return bytes;
}

export async function writeLayer(dir: string, name: string, l: Layer): Promise<string> {
  const path = join(dir, name);
  writeFileSync(path, await layerBytes(l));
  return path;
}

/** Where block `index`'s bitmap sits in a VHD file's bytes (through its header's BAT). */
export function blockFileOffset(bytes: Buffer, index: number): number {
  const tableOffset = Number(bytes.readBigUInt64BE(512 + 16));
  const entry = bytes.readUInt32BE(tableOffset + index * 4);
  if (entry === 0xffffffff) throw new Error(`block ${index} is not allocated`);
  return entry * VHD_SECTOR;
}

/** A bitmap with exactly the listed sector ranges [from, to) set. */
export function bitmapOf(ranges: ReadonlyArray<readonly [number, number]>): Buffer {
  const bitmap = Buffer.alloc(VHD_SECTOR);
  for (const [from, to] of ranges) for (let s = from; s < to; s++) bitmap[s >> 3] = bitmap[s >> 3]! | (0x80 >> (s & 7));
  return bitmap;
}

/**
 * XAPI's `base=` shape (delta-restore.md §B.1): footer, header, one empty sector at 1536 for a
 * parent locator, BAT at 2048, whole blocks with all-ones bitmaps, footer.
 */
export function xapiShapedBytes(l: Layer, timestamp = 0): Buffer {
  const entries = vhdTableEntries(l.size);
  const batLength = Math.ceil((entries * 4) / VHD_SECTOR) * VHD_SECTOR;
  const tableOffset = 2048;
  const footer = buildVhdFooter({ currentSize: l.size, uuid: l.uuid, timestamp, diskType: l.parentUuid === undefined ? 3 : 4 });
  const header = buildVhdHeader({ maxTableEntries: entries, tableOffset, ...(l.parentUuid === undefined ? {} : { parentUuid: l.parentUuid }) });
  const bat = Buffer.alloc(batLength, 0xff);
  const parts: Buffer[] = [footer, header, Buffer.alloc(VHD_SECTOR), bat];
  let sector = (tableOffset + batLength) / VHD_SECTOR;
  for (const index of [...l.blocks.keys()].sort((a, b) => a - b)) {
    bat.writeUInt32BE(sector, index * 4);
    parts.push(l.bitmaps?.get(index) ?? Buffer.alloc(VHD_SECTOR, 0xff), l.blocks.get(index)!);
    sector += (VHD_SECTOR + VHD_BLOCK_SIZE) / VHD_SECTOR;
  }
  parts.push(footer);
  return Buffer.concat(parts);
}

/** The raw image of a chain (newest first), sector by sector: the newest layer with the bit set wins. */
export function expectedRaw(layers: readonly Layer[]): Buffer {
  const size = layers[0]!.size;
  const raw = Buffer.alloc(size);
  for (let sector = 0; sector < size / VHD_SECTOR; sector++) {
    const index = Math.floor(sector / SECTORS_PER_BLOCK);
    const inBlock = sector % SECTORS_PER_BLOCK;
    for (const l of layers) {
      if (sector * VHD_SECTOR >= l.size) continue; // past an older, smaller disk: nothing there
      const data = l.blocks.get(index);
      if (data === undefined) continue;
      const bitmap = l.bitmaps?.get(index);
      if (bitmap !== undefined && (bitmap[inBlock >> 3]! & (0x80 >> (inBlock & 7))) === 0) continue;
      data.copy(raw, sector * VHD_SECTOR, inBlock * VHD_SECTOR, (inBlock + 1) * VHD_SECTOR);
      break;
    }
  }
  return raw;
}
