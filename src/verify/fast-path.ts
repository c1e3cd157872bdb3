/**
 * The fast path of one export file: its bytes against vmbackup-sums.json, without the structural
 * pass. Why that is enough: a backup records the sums of bytes its stream verifier had already
 * accepted, before they were written (backup/transfer.ts feeds the verifier before the sums take
 * a piece), and commits the file only after the verifier's end passed. A file whose length and
 * every segment's XXH64 equal its record is therefore, byte for byte, what the full verifier
 * accepted: running the tar, chunk, gzip/zstd or VHD checks again would only repeat it.
 *
 * Anything else (a length or a segment that differs, a file that cannot be read, a record that
 * does not fit the file) returns null: the caller runs the structural pass, which names the
 * layer, member and offset. What the stream could not know is still checked here: a raw disk's
 * length against its vdi.cfg (the same as the structural pass would) and a VHD's virtual size
 * in its footer against its vdi.cfg (its first 512 bytes).
 */
import { open } from 'node:fs/promises';
import { parseVhdFooter, VHD_FOOTER_SIZE } from '../formats/index.js';
import type { FileFinding, FileToCheck } from './check-file.js';
import { readSegments } from './threads.js';

export interface FastVerdict {
  findings: FileFinding[];
  bytes: number;
  /** Segments compared. */
  segments: number;
}

/** What the OK line's basis says of a file that took the fast path. */
export function fastPathNote(f: FileToCheck, segments: number): string {
  const n = `XXH64 sums, ${segments} segment${segments === 1 ? '' : 's'}`;
  return f.spec.kind === 'raw'
    ? `identical to the bytes written (${n}; a raw disk has no checksum of its own)`
    : `identical to the bytes verified while they streamed (${n})`;
}

/** The file's verdict by its sums, or null when only the structural pass can judge it. Throws only the signal's reason. */
export async function fastCheck(f: FileToCheck, readers: number, signal: AbortSignal, onBytes: (done: number) => void): Promise<FastVerdict | null> {
  const sums = f.sums;
  if (!sums) return null;
  const { entry, segmentBytes } = sums;
  let size: number;
  let footer: Buffer | null = null;
  try {
    const handle = await open(f.path, 'r');
    try {
      size = (await handle.stat()).size;
      if (f.spec.kind === 'vhd' && f.virtualSize != null && size >= VHD_FOOTER_SIZE) {
        footer = Buffer.alloc(VHD_FOOTER_SIZE);
        await handle.read(footer, 0, VHD_FOOTER_SIZE, 0);
      }
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
  const expected = Math.ceil(size / segmentBytes);
  if (size !== entry.bytes || entry.segments.length !== expected) return null;
  if (f.spec.kind === 'raw' && f.spec.size !== size) return null;

  const findings: FileFinding[] = [];
  if (footer !== null) {
    let footerSize: number;
    try {
      footerSize = parseVhdFooter(footer, 0, 'footer copy').currentSize;
    } catch {
      return null;
    }
    if (footerSize !== f.virtualSize) {
      findings.push({ file: f.file, layer: 'VHD footer', member: null, offset: 0, decompressed: false, reason: `the disk size in the footer is ${footerSize} bytes; vdi.cfg says ${f.virtualSize}` });
    }
  }

  let read;
  try {
    read = await readSegments({ path: f.path, bytes: size, segmentBytes, segments: entry.segments }, readers, signal, onBytes);
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    return null;
  }
  if (!read.same) return null;
  return { findings, bytes: read.bytes, segments: expected };
}
