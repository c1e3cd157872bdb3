/**
 * Writes a raw disk image with holes where the disk is zero, as `xe vdi-export format=raw`
 * does not: a 100 GiB disk with 5 GiB of data then takes about 5 GiB of backup_dir, and reads
 * back byte for byte the same (a hole reads as zeros).
 *
 * The file is cut into 64 KiB blocks aligned to file offsets (the input chunks can be any size
 * and alignment: a partial block is gathered in a buffer of its own). An all-zero block is not
 * written, the position just moves past it; a final ftruncate sets the full length so that
 * trailing zeros are a hole too. Zero tests use Buffer.equals against one shared zero block,
 * which is memcmp, not a JavaScript loop.
 *
 * On a file system without holes the result is the same bytes, only not smaller.
 */
import type { FileHandle } from 'node:fs/promises';

export const SPARSE_BLOCK = 64 * 1024;
const ZERO_BLOCK = Buffer.alloc(SPARSE_BLOCK);

export interface SparseWriteResult {
  /** Bytes of data written to the file. */
  bytesWritten: number;
  /** Bytes left as holes (all-zero blocks, and a zero tail). */
  bytesSkipped: number;
  /** The file's length: bytesWritten + bytesSkipped, the size of the image. */
  length: number;
}

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Writes every byte of `buffers` at `position`, whatever the kernel takes per call. */
async function writeAll(handle: FileHandle, buffers: Buffer[], position: number): Promise<void> {
  let pending = buffers.filter((b) => b.length > 0);
  let at = position;
  while (pending.length > 0) {
    const { bytesWritten } = await handle.writev(pending, at);
    if (bytesWritten <= 0) throw new Error(`writev wrote nothing at offset ${at}`);
    at += bytesWritten;
    let done = bytesWritten;
    const rest: Buffer[] = [];
    for (const b of pending) {
      if (done >= b.length) done -= b.length;
      else {
        rest.push(done > 0 ? b.subarray(done) : b);
        done = 0;
      }
    }
    pending = rest;
  }
}

/**
 * Consumes `source` into `handle` from offset 0 (the file is truncated first, so stale bytes can
 * never show through a hole). Does not fsync or close: finalize.ts commits the file.
 */
export async function writeSparse(handle: FileHandle, source: AsyncIterable<Uint8Array>): Promise<SparseWriteResult> {
  await handle.truncate(0);
  let position = 0; // file offset of the next byte of input
  let written = 0;
  let skipped = 0;
  // The block being gathered across chunks; it starts at `position - partialLength`.
  let partial = Buffer.allocUnsafe(SPARSE_BLOCK);
  let partialLength = 0;

  // A run of consecutive data blocks is written with one writev. It only refers to the current
  // chunk and to `partial`, and is flushed before the next chunk is pulled: a source may reuse
  // its buffer once we ask for more.
  let run: Buffer[] = [];
  let runStart = 0;
  let runLength = 0;
  const flush = async () => {
    if (runLength > 0) await writeAll(handle, run, runStart);
    written += runLength;
    run = [];
    runLength = 0;
  };
  const block = async (data: Buffer, offset: number) => {
    if (data.length === SPARSE_BLOCK ? data.equals(ZERO_BLOCK) : data.equals(ZERO_BLOCK.subarray(0, data.length))) {
      await flush();
      skipped += data.length;
      return;
    }
    if (runLength === 0) runStart = offset;
    const last = run.at(-1);
    // Neighbouring blocks of the same chunk are merged into one slice.
    if (last && last.buffer === data.buffer && last.byteOffset + last.length === data.byteOffset) {
      run[run.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + data.length);
    } else run.push(data);
    runLength += data.length;
  };

  for await (const raw of source) {
    const chunk = asBuffer(raw);
    let i = 0;
    if (partialLength > 0) {
      const take = Math.min(SPARSE_BLOCK - partialLength, chunk.length);
      chunk.copy(partial, partialLength, 0, take);
      partialLength += take;
      i = take;
      if (partialLength === SPARSE_BLOCK) {
        await block(partial, position + i - SPARSE_BLOCK);
        partial = Buffer.allocUnsafe(SPARSE_BLOCK); // the run may still refer to the old one
        partialLength = 0;
      }
    }
    while (chunk.length - i >= SPARSE_BLOCK) {
      await block(chunk.subarray(i, i + SPARSE_BLOCK), position + i);
      i += SPARSE_BLOCK;
    }
    if (i < chunk.length) {
      chunk.copy(partial, 0, i);
      partialLength = chunk.length - i;
    }
    position += chunk.length;
    await flush();
  }
  if (partialLength > 0) await block(partial.subarray(0, partialLength), position - partialLength);
  await flush();
  await handle.truncate(position);
  return { bytesWritten: written, bytesSkipped: skipped, length: position };
}
