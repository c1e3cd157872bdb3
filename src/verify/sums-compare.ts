/**
 * A file read now against what vmbackup-sums.json says was written: its length, and the XXH64 of
 * each segment, so that a changed byte is named by the byte range of its segment. For a VHD the
 * range is also said in the VHD's own terms (its footer, header, BAT or blocks), read from the
 * file's BAT. Pure, but for `vhdLayout`, which reads the few KiB of a VHD's head.
 */
import type { FileHandle } from 'node:fs/promises';
import type { FileSums } from '../backup/content-sums.js';
import { parseVhdFooter, parseVhdHeader, VHD_BLOCK_UNUSED, VHD_FOOTER_SIZE, VHD_HEADER_SIZE, VHD_SECTOR } from '../formats/index.js';

/** Bytes [start, end) of a file whose content is not what was written. */
export interface ChangedRange {
  start: number;
  end: number;
  /** The segments' digests, read and recorded, for the first segment of the range. */
  read: string;
  recorded: string;
}

/**
 * The ranges of changed segments, adjacent ones merged. Only segments that are whole in both the
 * file and the record are compared when the lengths differ (the length is its own finding).
 */
export function changedRanges(read: readonly string[], actualBytes: number, sums: FileSums, segmentBytes: number): ChangedRange[] {
  const sameLength = actualBytes === sums.bytes;
  const comparable = sameLength ? Math.min(read.length, sums.segments.length) : Math.floor(Math.min(actualBytes, sums.bytes) / segmentBytes);
  const out: ChangedRange[] = [];
  for (let i = 0; i < comparable; i++) {
    if (read[i] === sums.segments[i]) continue;
    const start = i * segmentBytes;
    const end = Math.min((i + 1) * segmentBytes, actualBytes);
    const last = out[out.length - 1];
    if (last && last.end === start) last.end = end;
    else out.push({ start, end, read: read[i]!, recorded: sums.segments[i]! });
  }
  return out;
}

/** Where a VHD's parts lie in its file, from its head and BAT. */
export interface VhdLayout {
  fileBytes: number;
  headerOffset: number;
  batOffset: number;
  batBytes: number;
  /** Each allocated block: its index and [start, end) in the file (bitmap and data). */
  blocks: { index: number; start: number; end: number }[];
}

/** A VHD's layout, or null when its head does not parse (the verifier has said why). */
export async function vhdLayout(handle: FileHandle, fileBytes: number): Promise<VhdLayout | null> {
  try {
    const head = Buffer.alloc(VHD_FOOTER_SIZE + VHD_HEADER_SIZE);
    await handle.read(head, 0, head.length, 0);
    const footer = parseVhdFooter(head, 0, 'footer copy');
    const headerOffset = footer.dataOffset!;
    const headerBytes = headerOffset === VHD_FOOTER_SIZE ? head.subarray(VHD_FOOTER_SIZE) : Buffer.alloc(VHD_HEADER_SIZE);
    if (headerOffset !== VHD_FOOTER_SIZE) await handle.read(headerBytes, 0, VHD_HEADER_SIZE, headerOffset);
    const header = parseVhdHeader(headerBytes, headerOffset, footer);
    const batBytes = Math.ceil((header.maxTableEntries * 4) / VHD_SECTOR) * VHD_SECTOR;
    if (header.tableOffset + batBytes > fileBytes) return null;
    const bat = Buffer.alloc(batBytes);
    await handle.read(bat, 0, batBytes, header.tableOffset);
    const blockBytes = Math.ceil(header.blockSize / VHD_SECTOR / 8 / VHD_SECTOR) * VHD_SECTOR + header.blockSize;
    const blocks: VhdLayout['blocks'] = [];
    for (let index = 0; index < header.maxTableEntries; index++) {
      const entry = bat.readUInt32BE(index * 4);
      if (entry !== VHD_BLOCK_UNUSED) blocks.push({ index, start: entry * VHD_SECTOR, end: entry * VHD_SECTOR + blockBytes });
    }
    return { fileBytes, headerOffset, batOffset: header.tableOffset, batBytes, blocks };
  } catch {
    return null;
  }
}

/** "the VHD BAT, VHD blocks 3-5": what of a VHD lies in [start, end). */
export function vhdPartsIn(layout: VhdLayout, start: number, end: number): string {
  const meets = (a: number, b: number) => a < end && b > start;
  const parts: string[] = [];
  if (meets(0, VHD_FOOTER_SIZE)) parts.push('the VHD footer copy');
  if (meets(layout.headerOffset, layout.headerOffset + VHD_HEADER_SIZE)) parts.push('the VHD header');
  if (meets(layout.batOffset, layout.batOffset + layout.batBytes)) parts.push('the VHD BAT');
  const blocks = layout.blocks.filter((b) => meets(b.start, b.end)).map((b) => b.index);
  if (blocks.length > 0) parts.push(`VHD ${blocks.length === 1 ? 'block' : 'blocks'} ${indexRuns(blocks)}`);
  if (meets(layout.fileBytes - VHD_FOOTER_SIZE, layout.fileBytes)) parts.push('the VHD trailing footer');
  return parts.join(', ');
}

/** [1,2,3,7] → "1-3, 7" (at most 8 runs, then "…"). */
function indexRuns(sorted: readonly number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    runs.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return runs.length > 8 ? `${runs.slice(0, 8).join(', ')}, …` : runs.join(', ');
}
