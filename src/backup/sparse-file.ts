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
import { writeFully } from './file-writer.js';

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

/**
 * Takes the image piece by piece (`write`, each awaited) and writes it into `handle` from offset
 * 0. Nothing of a piece is kept once its write settles: whole blocks are written from it before
 * that, a partial block is copied. `finish` sets the length (a zero tail stays a hole). Does not
 * fsync or close: finalize.ts commits the file.
 */
export class SparseFileWriter {
  private position = 0; // file offset of the next byte of input
  private written = 0;
  private skipped = 0;
  // The block being gathered across chunks; it starts at `position - partialLength`.
  private partial = Buffer.allocUnsafe(SPARSE_BLOCK);
  private partialLength = 0;
  // A run of consecutive data blocks is written with one writev. It only refers to the current
  // chunk and to `partial`, and is flushed before write() returns.
  private run: Buffer[] = [];
  private runStart = 0;
  private runLength = 0;
  private started = false;

  constructor(private readonly handle: FileHandle) {}

  async write(raw: Uint8Array): Promise<void> {
    // Truncated first, so that stale bytes can never show through a hole.
    if (!this.started) {
      this.started = true;
      await this.handle.truncate(0);
    }
    const chunk = asBuffer(raw);
    let i = 0;
    if (this.partialLength > 0) {
      const take = Math.min(SPARSE_BLOCK - this.partialLength, chunk.length);
      chunk.copy(this.partial, this.partialLength, 0, take);
      this.partialLength += take;
      i = take;
      if (this.partialLength === SPARSE_BLOCK) {
        await this.block(this.partial, this.position + i - SPARSE_BLOCK);
        this.partial = Buffer.allocUnsafe(SPARSE_BLOCK); // the run may still refer to the old one
        this.partialLength = 0;
      }
    }
    while (chunk.length - i >= SPARSE_BLOCK) {
      await this.block(chunk.subarray(i, i + SPARSE_BLOCK), this.position + i);
      i += SPARSE_BLOCK;
    }
    if (i < chunk.length) {
      chunk.copy(this.partial, 0, i);
      this.partialLength = chunk.length - i;
    }
    this.position += chunk.length;
    await this.flush();
  }

  async finish(): Promise<SparseWriteResult> {
    if (!this.started) await this.handle.truncate(0);
    if (this.partialLength > 0) await this.block(this.partial.subarray(0, this.partialLength), this.position - this.partialLength);
    await this.flush();
    await this.handle.truncate(this.position);
    return { bytesWritten: this.written, bytesSkipped: this.skipped, length: this.position };
  }

  private async flush(): Promise<void> {
    if (this.runLength > 0) await writeFully(this.handle, this.run, this.runStart);
    this.written += this.runLength;
    this.run = [];
    this.runLength = 0;
  }

  private async block(data: Buffer, offset: number): Promise<void> {
    if (data.length === SPARSE_BLOCK ? data.equals(ZERO_BLOCK) : data.equals(ZERO_BLOCK.subarray(0, data.length))) {
      await this.flush();
      this.skipped += data.length;
      return;
    }
    if (this.runLength === 0) this.runStart = offset;
    const last = this.run.at(-1);
    // Neighbouring blocks of the same chunk are merged into one slice.
    if (last && last.buffer === data.buffer && last.byteOffset + last.length === data.byteOffset) {
      this.run[this.run.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + data.length);
    } else this.run.push(data);
    this.runLength += data.length;
  }
}

/** Consumes `source` into `handle` from offset 0 (see SparseFileWriter). */
export async function writeSparse(handle: FileHandle, source: AsyncIterable<Uint8Array>): Promise<SparseWriteResult> {
  const writer = new SparseFileWriter(handle);
  for await (const chunk of source) await writer.write(chunk);
  return writer.finish();
}
