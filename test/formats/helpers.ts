/** Shared test helpers for the formats tests: temp dirs, external tools, deterministic data. */
import { spawnSync } from 'node:child_process';

export { tempDirForFile as tempDir, tempDirForTest as testTempDir } from '../helpers/temp.js';

export interface RunResult {
  readonly status: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs a program to completion; fails the test with its stderr when it exits non-zero. */
export function run(program: string, args: readonly string[], options: { input?: Buffer; cwd?: string; allowFailure?: boolean } = {}): RunResult {
  const result = spawnSync(program, args, {
    input: options.input,
    cwd: options.cwd,
    maxBuffer: 512 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  const out = { status: result.status, stdout: result.stdout, stderr: result.stderr.toString('utf8') };
  if (!options.allowFailure && result.status !== 0) {
    throw new Error(`${program} ${args.join(' ')} exited with ${result.status}: ${out.stderr}`);
  }
  return out;
}

export async function collect(source: AsyncIterable<Buffer | Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of source) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

/** Deterministic non-zero bytes (xorshift32), different for each seed. */
export function pattern(seed: number, length: number): Buffer {
  const words = new Uint32Array(Math.ceil(length / 4));
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    words[i] = x;
  }
  return Buffer.from(words.buffer, 0, length);
}

/** Splits `data` at the given cut points (sorted, deduplicated, within bounds). */
export function splitAt(data: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.max(0, Math.min(data.length, c))))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    parts.push(data.subarray(start, point));
    start = point;
  }
  parts.push(data.subarray(start));
  return parts;
}

/** XORs one byte in place (noUncheckedIndexedAccess-friendly `buf[i] ^= mask`). */
export function flip(buf: Buffer, index: number, mask = 0x01): void {
  buf.writeUInt8(buf.readUInt8(index) ^ mask, index);
}
