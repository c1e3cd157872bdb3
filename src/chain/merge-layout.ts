/**
 * The few positioned reads a merge needs of a dynamic or differencing VHD file: footer, header,
 * BAT, and where its data ends. Private to chain/merge.ts (formats/vhd-file.ts is the general
 * random-access reader; a merge needs less, and must read a parent it left half-written).
 *
 * The footer is read from its copy at offset 0: a merge appends blocks over the trailing footer
 * and writes the trailing one again only at its end, so after a crash only the copy is sure. The
 * merge writes the trailing footer before the copy, so when the copy itself is torn the trailing
 * one (at the file's end) is the new, whole one.
 */
import type { FileHandle } from 'node:fs/promises';
import { FormatError } from '../formats/errors.js';
import {
  parseVhdFooter,
  parseVhdHeader,
  VHD_BLOCK_UNUSED,
  VHD_FOOTER_SIZE,
  VHD_HEADER_SIZE,
  VHD_SECTOR,
  type VhdFooter,
  type VhdHeader,
} from '../formats/vhd-structs.js';

export interface VhdLayout {
  readonly footer: VhdFooter;
  /** The footer's 512 bytes as read (a merged parent takes its child's, disk type changed). */
  readonly footerBytes: Buffer;
  readonly header: VhdHeader;
  readonly headerBytes: Buffer;
  /** One sector offset per block, VHD_BLOCK_UNUSED when absent; maxTableEntries entries. */
  readonly bat: Uint32Array;
  /** Bytes of the sector bitmap in front of each block: whole sectors. */
  readonly bitmapBytes: number;
  /** First byte after the highest block, the BAT and any parent locator: where appends go. */
  readonly dataEnd: number;
  readonly fileSize: number;
}

export async function readExact(fh: FileHandle, length: number, position: number, into?: Buffer): Promise<Buffer> {
  const buf = into ?? Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) throw new FormatError('VHD_TRUNCATED', `the file ends at ${position + done}, inside ${length} bytes read at ${position}`, { offset: position + done });
    done += bytesRead;
  }
  return buf;
}

export async function writeAll(fh: FileHandle, buf: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    done += bytesWritten;
  }
}

export function bitmapBytesFor(blockSize: number): number {
  return Math.ceil(blockSize / VHD_SECTOR / 8 / VHD_SECTOR) * VHD_SECTOR;
}

export function batBytesFor(entries: number): number {
  return Math.ceil((entries * 4) / VHD_SECTOR) * VHD_SECTOR;
}

async function readFooter(fh: FileHandle, fileSize: number): Promise<Buffer> {
  const copy = await readExact(fh, VHD_FOOTER_SIZE, 0);
  try {
    parseVhdFooter(copy, 0, 'footer copy');
    return copy;
  } catch (err) {
    if (fileSize < 2 * VHD_FOOTER_SIZE) throw err;
    const trailing = await readExact(fh, VHD_FOOTER_SIZE, fileSize - VHD_FOOTER_SIZE);
    try {
      parseVhdFooter(trailing, fileSize - VHD_FOOTER_SIZE);
    } catch {
      throw err; // the copy's problem is the one to report
    }
    return trailing;
  }
}

export async function readVhdLayout(fh: FileHandle): Promise<VhdLayout> {
  const fileSize = (await fh.stat()).size;
  const footerBytes = await readFooter(fh, fileSize);
  const footer = parseVhdFooter(footerBytes, 0);
  const headerAt = footer.dataOffset ?? VHD_FOOTER_SIZE;
  const headerBytes = await readExact(fh, VHD_HEADER_SIZE, headerAt);
  const header = parseVhdHeader(headerBytes, headerAt, footer);
  const raw = await readExact(fh, batBytesFor(header.maxTableEntries), header.tableOffset);
  const bat = new Uint32Array(header.maxTableEntries);
  const bitmapBytes = bitmapBytesFor(header.blockSize);
  let dataEnd = header.tableOffset + raw.length;
  for (let i = 0; i < bat.length; i++) {
    const sector = raw.readUInt32BE(i * 4);
    bat[i] = sector;
    if (sector !== VHD_BLOCK_UNUSED) dataEnd = Math.max(dataEnd, sector * VHD_SECTOR + bitmapBytes + header.blockSize);
  }
  for (const locator of header.parentLocators) dataEnd = Math.max(dataEnd, locator.dataOffset + locator.dataSpace);
  return { footer, footerBytes, header, headerBytes, bat, bitmapBytes, dataEnd, fileSize };
}

/** The BAT as its on-disk bytes (big-endian, padded with unused entries to a whole sector). */
export function batBuffer(bat: Uint32Array): Buffer {
  const buf = Buffer.alloc(batBytesFor(bat.length), 0xff);
  for (let i = 0; i < bat.length; i++) buf.writeUInt32BE(bat[i]!, i * 4);
  return buf;
}
