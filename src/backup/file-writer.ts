/**
 * How a download reaches the file. Measured here on 4 GiB over TLS (bench/ has the full
 * benchmark; this box is a 2-core VM where page-cache writes are expensive and noisy):
 * - synchronous writes on the main thread, as the pieces arrive: 9–10 s, 5 s of kernel CPU,
 *   like curl; with small pieces (a TLS record is 16 KiB) gathered into 256 KiB first: 6.5–8 s;
 * - copying into a pool of buffers written by libuv's threads, one write at a time: 11–15 s,
 *   7–12 s of kernel CPU (worse with 1 MiB writes than with 128 KiB: the source of a big write
 *   is no longer in the CPU cache);
 * - several writes in flight: 16 s of kernel CPU, the threads spinning on the inode lock.
 * So pieces are written as they come, through a 256 KiB staging buffer that stays in the cache.
 * A write blocks the event loop for the time the kernel takes to copy 256 KiB, which also
 * throttles the network when the disk is slower: the backpressure a download needs. What this
 * gives up: a file system that hangs (a dead NFS hard mount) hangs the process, signals
 * included; the next run then removes the snapshot this one could not.
 */
import { fdatasync, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/** Writes every byte of `buffers` at `position`, whatever the kernel takes per call. */
export async function writeFully(handle: FileHandle, buffers: Buffer[], position: number): Promise<void> {
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
 * Writes each piece as it arrives, synchronously, at its offset, then lets the caller reuse
 * the buffer. Every `syncEvery` bytes a datasync runs in the background (on libuv's pool), so
 * the page cache is flushed while the download goes on and the fsync before the final rename
 * has almost nothing left to do (it took a second per 4 GiB here, done at the end).
 */
export class DirectWriter {
  private position = 0;
  /** Small pieces (a TLS record is 16 KiB) gathered here, so that a write moves 256 KiB. */
  private readonly staging: Buffer;
  private staged = 0;
  private unsynced = 0;
  private syncing: Promise<void> | null = null;
  private failure: unknown = null;

  constructor(
    private readonly handle: FileHandle,
    private readonly syncEvery = 512 << 20,
    stagingBytes = 256 << 10,
  ) {
    this.staging = Buffer.allocUnsafe(stagingBytes);
  }

  /** Bytes taken so far. */
  get length(): number {
    return this.position + this.staged;
  }

  write(chunk: Buffer): undefined {
    if (this.failure) throw this.failure;
    if (this.staged + chunk.length <= this.staging.length) {
      chunk.copy(this.staging, this.staged);
      this.staged += chunk.length;
      if (this.staged === this.staging.length) this.flush();
      return undefined;
    }
    this.flush();
    if (chunk.length >= this.staging.length) this.put(chunk);
    else {
      chunk.copy(this.staging, 0);
      this.staged = chunk.length;
    }
    return undefined;
  }

  /** Writes what is staged, waits for a datasync under way; throws the first failure. */
  async finish(): Promise<number> {
    this.flush();
    await this.syncing;
    if (this.failure) throw this.failure;
    return this.position;
  }

  async abandon(): Promise<void> {
    this.staged = 0;
    await this.syncing;
  }

  private flush(): void {
    if (this.staged === 0) return;
    const staged = this.staged;
    this.staged = 0;
    this.put(this.staging.subarray(0, staged));
  }

  private put(bytes: Buffer): void {
    writeFullySync(this.handle.fd, bytes, this.position);
    this.position += bytes.length;
    this.unsynced += bytes.length;
    if (this.unsynced >= this.syncEvery && this.syncing === null) {
      this.unsynced = 0;
      this.syncing = new Promise<void>((resolve) =>
        fdatasync(this.handle.fd, (err) => {
          if (err) this.failure ??= err;
          this.syncing = null;
          resolve();
        }),
      );
    }
  }
}

/** writeSync until every byte of `chunk` is written at `position`. */
function writeFullySync(fd: number, chunk: Buffer, position: number): void {
  let done = 0;
  while (done < chunk.length) {
    const n = writeSync(fd, chunk, done, chunk.length - done, position + done);
    if (n <= 0) throw new Error(`write wrote nothing at offset ${position + done}`);
    done += n;
  }
}
