/**
 * One link of a delta chain merged into the link below it, in place: a differencing VHD (the
 * child) into its parent's dynamic VHD file. Newest wins: every block the child holds replaces
 * the parent's (only the sectors its bitmap marks), a block the parent lacks is appended, and the
 * parent's footer takes the child's identity (uuid, size, geometry, timestamp), staying dynamic.
 * The caller then renames the parent file onto the child's path (chain/drop-point.ts).
 *
 * Re-runnable after a crash at any point, because the child is only read and every write is
 * idempotent: a block is written from the child's bytes to the same place again (appends go after
 * the highest block the parent's BAT names, never after the file's end, so orphans of a killed
 * run are overwritten, and the BAT is written only once the blocks are durable); bitmaps are ORed.
 * The footer copy at 0 is written last, so until then the parent still says who it was.
 *
 * I/O: whole blocks (bitmap and data in one positioned read and one write), a few in flight, no
 * read of a whole file.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { VmbackupError } from '../errors.js';
import { VHD_BLOCK_UNUSED, VHD_DISK_TYPE, VHD_SECTOR, vhdChecksum } from '../formats/vhd-structs.js';
import { batBuffer, batBytesFor, readExact, readVhdLayout, writeAll, type VhdLayout } from './merge-layout.js';
import { killPoint } from './merge-state.js';

export interface MergeOptions {
  /**
   * A merge resumed after a crash: the parent's footer may already carry the child's uuid (the
   * footer copy is the last write), which is then accepted as well as the child's parent uuid.
   */
  resume?: boolean;
  /** Blocks in flight; default 4. */
  concurrency?: number;
}

export interface MergeResult {
  /** Child blocks written into the parent. */
  blocks: number;
  bytesWritten: number;
  /** Byte ranges [start, end) of the parent file written, sorted and joined. */
  touched: Array<[number, number]>;
  /** The parent file's length afterwards. */
  size: number;
}

const FOOTER_DISK_TYPE_OFFSET = 60;
const FOOTER_CHECKSUM_OFFSET = 64;
const HEADER_ENTRIES_OFFSET = 28;
const HEADER_CHECKSUM_OFFSET = 36;

function broken(message: string): VmbackupError {
  return new VmbackupError('CHAIN_BROKEN', message, 'the two files are not a parent and its child; run `vmbackup verify` on both backups, and let the next run take a full');
}

export const uuidText = (b: Buffer): string => b.toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/u, '$1-$2-$3-$4-$5');

/** Refuses (CHAIN_BROKEN) unless `child` is a differencing VHD of `parent` with the same block size. */
function checkPair(parent: VhdLayout, child: VhdLayout, parentPath: string, childPath: string, resume: boolean): void {
  if (parent.footer.diskType !== VHD_DISK_TYPE.dynamic) throw broken(`${parentPath} is not a dynamic VHD (disk type ${parent.footer.diskType}): only a full is merged into`);
  if (child.footer.diskType !== VHD_DISK_TYPE.differencing) throw broken(`${childPath} is not a differencing VHD (disk type ${child.footer.diskType})`);
  if (parent.header.blockSize !== child.header.blockSize) throw broken(`${childPath} has blocks of ${child.header.blockSize} bytes, ${parentPath} of ${parent.header.blockSize}`);
  if (child.header.parentUuid.equals(parent.footer.uuid)) return;
  if (resume && child.footer.uuid.equals(parent.footer.uuid)) return;
  throw broken(`${childPath} is a difference against ${uuidText(child.header.parentUuid)}, but ${parentPath} is ${uuidText(parent.footer.uuid)}`);
}

/** Reads both files' structures and checks they can be merged; writes nothing. Returns their footer uuids. */
export async function checkMergeable(parentPath: string, childPath: string, opts: MergeOptions = {}): Promise<{ parentUuid: string; childUuid: string }> {
  const parentFh = await open(parentPath, 'r');
  try {
    const childFh = await open(childPath, 'r');
    try {
      const parent = await readVhdLayout(parentFh);
      const child = await readVhdLayout(childFh);
      checkPair(parent, child, parentPath, childPath, opts.resume ?? false);
      return { parentUuid: uuidText(parent.footer.uuid), childUuid: uuidText(child.footer.uuid) };
    } finally {
      await childFh.close();
    }
  } finally {
    await parentFh.close();
  }
}

/** Writes through one handle, keeping the ranges written and the byte count. */
class TrackedWriter {
  readonly ranges: Array<[number, number]> = [];
  bytes = 0;
  constructor(readonly fh: FileHandle) {}
  async write(buf: Uint8Array, position: number): Promise<void> {
    await writeAll(this.fh, buf, position);
    this.ranges.push([position, position + buf.length]);
    this.bytes += buf.length;
  }
  joined(): Array<[number, number]> {
    const sorted = [...this.ranges].sort((a, b) => a[0] - b[0]);
    const out: Array<[number, number]> = [];
    for (const r of sorted) {
      const last = out[out.length - 1];
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else out.push([r[0], r[1]]);
    }
    return out;
  }
}

export async function mergeChildIntoParent(parentPath: string, childPath: string, opts: MergeOptions = {}): Promise<MergeResult> {
  const parentFh = await open(parentPath, 'r+');
  try {
    const childFh = await open(childPath, 'r');
    try {
      return await merge(parentFh, childFh, parentPath, childPath, opts);
    } finally {
      await childFh.close();
    }
  } finally {
    await parentFh.close();
  }
}

async function merge(parentFh: FileHandle, childFh: FileHandle, parentPath: string, childPath: string, opts: MergeOptions): Promise<MergeResult> {
  const parent = await readVhdLayout(parentFh);
  const child = await readVhdLayout(childFh);
  checkPair(parent, child, parentPath, childPath, opts.resume ?? false);
  const out = new TrackedWriter(parentFh);
  const { blockSize } = parent.header;
  const blockLen = parent.bitmapBytes + blockSize;
  const tableOffset = parent.header.tableOffset;

  let bat = parent.bat;
  let dataEnd = parent.dataEnd;
  if (child.bat.length > bat.length) ({ bat, dataEnd } = await growBat(parentFh, parent, child.bat.length, out));
  bat = Uint32Array.from(bat);
  const batBefore = Uint32Array.from(bat);

  // Where each child block goes, decided before any write: appends in the child's file order,
  // from the data end the BAT names, so a re-run puts each block where a killed run had put it.
  const jobs: Array<{ index: number; from: number; to: number; append: boolean }> = [];
  for (let index = 0; index < child.bat.length; index++) {
    const sector = child.bat[index]!;
    if (sector !== VHD_BLOCK_UNUSED) jobs.push({ index, from: sector * VHD_SECTOR, to: bat[index]! * VHD_SECTOR, append: bat[index] === VHD_BLOCK_UNUSED });
  }
  jobs.sort((a, b) => a.from - b.from);
  for (const job of jobs) {
    if (!job.append) continue;
    job.to = dataEnd;
    dataEnd += blockLen;
  }

  const sectors = blockSize / VHD_SECTOR;
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    const buf = Buffer.allocUnsafe(blockLen);
    while (next < jobs.length) {
      const job = jobs[next++]!;
      await readExact(childFh, blockLen, job.from, buf);
      await writeBlock(out, job, buf, parent.bitmapBytes, sectors);
      killPoint(`block-${++done}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, jobs.length)) }, worker));
  for (const job of jobs) if (job.append) bat[job.index] = job.to / VHD_SECTOR;
  await parentFh.sync(); // blocks durable before the BAT points at them
  killPoint('blocks-done');

  if (!bat.every((v, i) => v === batBefore[i])) await out.write(batBuffer(bat), tableOffset);
  killPoint('bat');

  // The child's footer, made dynamic: its uuid, sizes, geometry and timestamp (XO copies the same).
  const footer = Buffer.from(child.footerBytes);
  footer.writeUInt32BE(VHD_DISK_TYPE.dynamic, FOOTER_DISK_TYPE_OFFSET);
  footer.writeUInt32BE(vhdChecksum(footer, FOOTER_CHECKSUM_OFFSET), FOOTER_CHECKSUM_OFFSET);
  const end = Math.max(dataEnd, tableOffset + batBytesFor(bat.length));
  await out.write(footer, end);
  await parentFh.truncate(end + footer.length);
  await parentFh.sync();
  killPoint('trailing-footer');
  await out.write(footer, 0);
  await parentFh.sync();
  killPoint('footer');
  return { blocks: jobs.length, bytesWritten: out.bytes, touched: out.joined(), size: end + footer.length };
}

function isSet(bitmap: Buffer, sector: number): boolean {
  return (bitmap[sector >> 3]! & (0x80 >> (sector & 7))) !== 0;
}

/** One child block (`buf`: bitmap then data) into the parent, honouring the child's bitmap. */
async function writeBlock(out: TrackedWriter, job: { to: number; append: boolean }, buf: Buffer, bitmapBytes: number, sectors: number): Promise<void> {
  const bitmap = buf.subarray(0, bitmapBytes);
  let full = true;
  for (let s = 0; s < sectors && full; s += 8) full = sectors - s >= 8 ? bitmap[s >> 3] === 0xff : [...Array(sectors - s).keys()].every((k) => isSet(bitmap, s + k));
  if (full) {
    await out.write(buf, job.to); // the common case: the whole block, bitmap included
    return;
  }
  if (job.append) {
    // The parent had no such block, so the sectors the child lacks are zeros: write them so,
    // with a full bitmap (readers that ignore bitmaps then read the same bytes).
    for (let s = 0; s < sectors; s++) if (!isSet(bitmap, s)) buf.fill(0, bitmapBytes + s * VHD_SECTOR, bitmapBytes + (s + 1) * VHD_SECTOR);
    bitmap.fill(0xff);
    await out.write(buf, job.to);
    return;
  }
  // In place, a partial block: only the marked runs of sectors, then the ORed bitmap.
  for (let s = 0; s < sectors; ) {
    if (!isSet(bitmap, s)) {
      s++;
      continue;
    }
    let e = s;
    while (e < sectors && isSet(bitmap, e)) e++;
    await out.write(buf.subarray(bitmapBytes + s * VHD_SECTOR, bitmapBytes + e * VHD_SECTOR), job.to + bitmapBytes + s * VHD_SECTOR);
    s = e;
  }
  const parentBitmap = await readExact(out.fh, bitmapBytes, job.to);
  for (let i = 0; i < bitmapBytes; i++) parentBitmap[i]! |= bitmap[i]!;
  await out.write(parentBitmap, job.to);
}

/**
 * A grown disk: the child's BAT has more entries than the parent's. The parent's BAT grows in
 * place, so the blocks lying where it will reach are first copied to the data end and re-pointed
 * (the old BAT still names the old copies until the new one is written: a crash in between loses
 * nothing), then the new BAT is written, then the header with its new entry count.
 */
async function growBat(fh: FileHandle, parent: VhdLayout, entries: number, out: TrackedWriter): Promise<{ bat: Uint32Array; dataEnd: number }> {
  const { tableOffset, blockSize } = parent.header;
  const limit = tableOffset + batBytesFor(entries);
  const blockLen = parent.bitmapBytes + blockSize;
  for (const locator of parent.header.parentLocators) {
    if (locator.dataOffset < limit) throw broken(`the parent's BAT cannot grow to ${entries} entries: a parent locator lies in the way`);
  }
  const bat = new Uint32Array(entries).fill(VHD_BLOCK_UNUSED);
  bat.set(parent.bat);
  let dataEnd = Math.max(parent.dataEnd, limit);
  const buf = Buffer.allocUnsafe(blockLen);
  for (let i = 0; i < parent.bat.length; i++) {
    if (bat[i] === VHD_BLOCK_UNUSED || bat[i]! * VHD_SECTOR >= limit) continue;
    await readExact(fh, blockLen, bat[i]! * VHD_SECTOR, buf);
    await out.write(buf, dataEnd);
    bat[i] = dataEnd / VHD_SECTOR;
    dataEnd += blockLen;
  }
  await fh.sync();
  await out.write(batBuffer(bat), tableOffset);
  await fh.sync();
  const header = Buffer.from(parent.headerBytes);
  header.writeUInt32BE(entries, HEADER_ENTRIES_OFFSET);
  header.writeUInt32BE(vhdChecksum(header, HEADER_CHECKSUM_OFFSET), HEADER_CHECKSUM_OFFSET);
  await out.write(header, parent.footer.dataOffset ?? VHD_SECTOR);
  await fh.sync();
  return { bat, dataEnd };
}

/** A VHD file's disk type and footer uuid (from the footer copy at 0, as a merge leaves it). */
export async function vhdIdentity(path: string): Promise<{ diskType: number; uuid: string }> {
  const fh = await open(path, 'r');
  try {
    const layout = await readVhdLayout(fh);
    return { diskType: layout.footer.diskType, uuid: uuidText(layout.footer.uuid) };
  } finally {
    await fh.close();
  }
}
