/**
 * Content sums of a file a merge rewrote (chain/drop-point.ts): the merged full now sits in the
 * child's folder under the child's name, so the child's `vmbackup-sums.json` must describe it.
 * Only the 64 MiB segments the merge wrote are hashed again; the others keep the sums the parent
 * had for them (the merge wrote nothing there, and `vmbackup verify` compares segments). The
 * whole-file XXH64 is not kept for such a file (null): it would cost reading the whole full,
 * while the merge costs about the size of the delta.
 */
import { open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createXXHash64 } from 'hash-wasm';
import { type FileSums, readSumsRecord, SEGMENT_BYTES, SUMS_FILE, sumsRecord } from './content-sums.js';
import { writeSmallFile } from './finalize.js';

const readSums = readSumsRecord;

const READ = 8 * 2 ** 20;

async function hashRange(fh: import('node:fs/promises').FileHandle, start: number, end: number, buf: Buffer): Promise<string> {
  const h = (await createXXHash64()).init();
  for (let at = start; at < end; ) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - at), at);
    if (bytesRead === 0) break;
    h.update(buf.subarray(0, bytesRead));
    at += bytesRead;
  }
  return h.digest('hex');
}

/** The sums of `path` after a merge; `before` is what the parent's file had, `touched` what the merge wrote (null: unknown, all). */
export async function mergedFileSums(path: string, before: FileSums | null, touched: Array<[number, number]> | null): Promise<FileSums> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const count = Math.ceil(size / SEGMENT_BYTES);
    const buf = Buffer.allocUnsafe(READ);
    const segments: string[] = [];
    for (let i = 0; i < count; i++) {
      const start = i * SEGMENT_BYTES;
      const end = Math.min(size, start + SEGMENT_BYTES);
      const old = before?.segments[i];
      // A segment whose bytes or length may differ from the parent's: the last one of either file, or one the merge wrote.
      const same = old !== undefined && touched !== null && before !== null && end - start === Math.min(SEGMENT_BYTES, before.bytes - start) && !touched.some(([a, b]) => a < end && b > start);
      segments.push(same ? old : await hashRange(fh, start, end, buf));
    }
    return { bytes: size, xxh64: null, segments };
  } finally {
    await fh.close();
  }
}

/** chain/drop-point.ts's onFileReplaced: the child folder's sums record gets the merged file's entry. Idempotent. */
export async function recordMergedSums(path: string, touched: Array<[number, number]> | null, from: { folder: string; file: string }): Promise<void> {
  const childFolder = dirname(path);
  const before = (await readSums(from.folder))?.files[from.file] ?? null;
  const sums = await mergedFileSums(path, before, touched);
  const record = (await readSums(childFolder)) ?? sumsRecord({});
  record.files[basename(path)] = sums;
  await writeSmallFile(join(childFolder, SUMS_FILE), `${JSON.stringify(record)}\n`, { replace: true });
}
