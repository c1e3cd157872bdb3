/**
 * zstd through the zstd program: Node 20 has no zstd in node:zlib. The child process is wrapped
 * as a Duplex so it pipes like a zlib stream: bytes written go to zstd's stdin, zstd's stdout is
 * what you read, with backpressure both ways. A non-zero exit becomes an error on the stream
 * (never a silently short output), and destroying the stream kills the child.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { Duplex } from 'node:stream';
import type { Readable, Writable } from 'node:stream';
import { VmbackupError } from '../errors.js';
import { FormatError } from './errors.js';

export interface ZstdOptions {
  /** Compression level 1..22; default 3 (zstd's default and XAPI's). */
  readonly level?: number;
  /** Worker threads; default 0 = one per core (`-T0`). */
  readonly threads?: number;
  /** The program to run; default "zstd" from PATH. */
  readonly program?: string;
}

export const ZSTD_MISSING_MESSAGE = 'zstd compression needs the zstd program: apt install zstd';

export function zstdCompressStream(options: ZstdOptions = {}): Duplex {
  const level = options.level ?? 3;
  if (!Number.isInteger(level) || level < 1 || level > 22) throw new RangeError(`zstd level must be 1..22: ${level}`);
  const threads = options.threads ?? 0;
  const args = ['-c', '-q', `-${level}`, `-T${threads}`];
  if (level > 19) args.unshift('--ultra');
  return new ZstdProcessStream(args, 'compress', options.program ?? 'zstd');
}

export function zstdDecompressStream(options: Pick<ZstdOptions, 'program'> = {}): Duplex {
  return new ZstdProcessStream(['-d', '-c', '-q'], 'decompress', options.program ?? 'zstd');
}

class ZstdProcessStream extends Duplex {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private readonly mode: 'compress' | 'decompress';
  private stderr = '';
  private exitCode: number | null | undefined;
  private stdoutEnded = false;

  constructor(args: string[], mode: 'compress' | 'decompress', program: string) {
    super();
    this.mode = mode;
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    child.on('error', (err: NodeJS.ErrnoException) => {
      this.destroy(err.code === 'ENOENT' ? new VmbackupError('ZSTD_MISSING', ZSTD_MISSING_MESSAGE, 'apt install zstd') : err);
    });
    child.stdout.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) child.stdout.pause();
    });
    child.stdout.on('end', () => {
      this.stdoutEnded = true;
      this.settle();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 4096) this.stderr += chunk.toString('utf8');
    });
    // EPIPE when zstd exits before reading everything: its exit status says why, see settle().
    child.stdin.on('error', () => undefined);
    child.on('close', (code: number | null) => {
      this.exitCode = code;
      this.settle();
    });
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.child.stdin.write(chunk)) callback();
    else this.child.stdin.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.child.stdin.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
    callback(error);
  }

  /** Ends the readable side once zstd has exited and all its output was pushed, or fails. */
  private settle(): void {
    if (this.exitCode === undefined || this.destroyed) return;
    if (this.exitCode !== 0) {
      const detail = this.stderr.trim() || `exit status ${this.exitCode ?? 'none (killed)'}`;
      this.destroy(
        this.mode === 'decompress'
          ? new FormatError('ZSTD_CORRUPT', `zstd could not decompress the stream: ${detail}`)
          : new VmbackupError('ZSTD_FAILED', `zstd compression failed: ${detail}`),
      );
      return;
    }
    if (this.stdoutEnded) this.push(null);
  }
}
