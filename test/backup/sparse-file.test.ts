import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SPARSE_BLOCK, writeSparse, type SparseWriteResult } from '../../src/backup/sparse-file.js';
import { tempDirForFile, tempDirForTest } from '../helpers/temp.js';

const MiB = 1024 * 1024;

/** A small deterministic PRNG (xorshift32), so failures reproduce. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

/** Yields `image` in chunks of the given sizes (cycled). Fresh buffers unless `reuse`, which yields one buffer overwritten each time, as some sources do. */
async function* chunked(image: Buffer, sizes: readonly number[], reuse = false): AsyncGenerator<Buffer> {
  const shared = Buffer.alloc(Math.max(1, ...sizes));
  let i = 0;
  for (let at = 0; at < image.length; i++) {
    const size = Math.min(sizes[i % sizes.length] ?? 1, image.length - at);
    if (reuse) {
      image.copy(shared, 0, at, at + size);
      yield shared.subarray(0, size);
      shared.fill(0xee); // whatever we yielded before is garbage now
    } else yield Buffer.from(image.subarray(at, at + size));
    at += size;
  }
}

async function writeImage(path: string, source: AsyncIterable<Uint8Array>): Promise<SparseWriteResult> {
  const handle = await open(path, 'w+');
  try {
    return await writeSparse(handle, source);
  } finally {
    await handle.close();
  }
}

function duBytes(path: string): number {
  const out = execFileSync('du', ['--block-size=1', path], { encoding: 'utf8' });
  return Number(out.split('\t')[0]);
}

describe('writeSparse', () => {
  const dir = tempDirForFile('sparse');

  it('writes a 64 MiB image that is 90 % zeros with holes, byte for byte', async () => {
    const size = 64 * MiB;
    const image = Buffer.alloc(size);
    const rnd = prng(42);
    // Eight runs of data at unaligned offsets (6.25 MiB, just under 10 %), plus a few lone bytes.
    for (let r = 0; r < 8; r++) {
      const at = Math.floor((r * size) / 8 + rnd() * 4 * MiB) + 13;
      for (let i = 0; i < 800 * 1024; i++) image[at + i] = 1 + Math.floor(rnd() * 255);
    }
    for (const at of [5, 3 * MiB + 1, 40 * MiB - 7]) image[at] = 0xff;
    const zeros = image.reduce((n, b) => n + (b === 0 ? 1 : 0), 0);
    expect(zeros / size).toBeGreaterThan(0.89);

    const sizes = Array.from({ length: 97 }, () => 1 + Math.floor(rnd() * 300_000)); // 1 B to ~293 KiB
    const path = join(dir, 'ninety.raw');
    const result = await writeImage(path, chunked(image, sizes));

    expect(result.length).toBe(size);
    expect(result.bytesWritten + result.bytesSkipped).toBe(size);
    expect(result.bytesSkipped / size).toBeGreaterThan(0.85);
    expect(readFileSync(path).equals(image)).toBe(true);
    const st = statSync(path);
    expect(st.size).toBe(size);
    const allocated = st.blocks * 512;
    expect(allocated).toBeLessThanOrEqual(0.15 * size);
    expect(duBytes(path)).toBeLessThanOrEqual(0.15 * size);
    // Measured, for the record (`du` is the outside opinion).
    console.log(`sparse: ${allocated} of ${size} bytes allocated (${((100 * allocated) / size).toFixed(1)} %), du ${duBytes(path)}, written ${result.bytesWritten}`);
  });

  it('an all-zero image takes (almost) no blocks and has the full length', async () => {
    const size = 64 * MiB + 12345;
    const path = join(dir, 'zero.raw');
    const result = await writeImage(path, chunked(Buffer.alloc(size), [1 * MiB + 3, 777, 65536]));
    expect(result).toEqual({ bytesWritten: 0, bytesSkipped: size, length: size });
    expect(statSync(path).size).toBe(size);
    expect(statSync(path).blocks * 512).toBeLessThan(SPARSE_BLOCK);
    expect(duBytes(path)).toBeLessThan(SPARSE_BLOCK);
    expect(readFileSync(path).equals(Buffer.alloc(size))).toBe(true);
  });

  it('survives a source that reuses its buffer after each chunk', async () => {
    const image = Buffer.alloc(4 * MiB);
    const rnd = prng(7);
    // Data and zero stretches of random length, so that blocks straddle chunks both ways.
    for (let i = 0; i < image.length; i += 1 + Math.floor(rnd() * 200_000)) {
      if (rnd() < 0.5) image.fill(1 + (i % 200), i, Math.min(image.length, i + 70_000));
    }
    const path = join(dir, 'reuse.raw');
    await writeImage(path, chunked(image, [100_000, 3, 65_536 * 3 + 1, 1_000_000], true));
    expect(readFileSync(path).equals(image)).toBe(true);
  });

  it('replaces whatever the file held before (no stale bytes behind a hole)', async () => {
    const path = join(tempDirForTest('sparse-stale'), 'old.raw');
    await writeImage(path, chunked(Buffer.alloc(1 * MiB, 0xab), [MiB]));
    await writeImage(path, chunked(Buffer.alloc(512 * 1024), [4096]));
    expect(readFileSync(path).equals(Buffer.alloc(512 * 1024))).toBe(true);
  });

  it('property: any image in any chunking reads back identical, with exact accounting', async () => {
    const block = fc.oneof(
      fc.constant('zero' as const),
      fc.constant('full' as const),
      fc.record({ at: fc.nat(SPARSE_BLOCK - 1), byte: fc.integer({ min: 1, max: 255 }) }),
    );
    const image = fc
      .tuple(fc.array(block, { maxLength: 7 }), fc.nat(SPARSE_BLOCK - 1), fc.boolean())
      .map(([blocks, tail, tailData]) => {
        const buf = Buffer.alloc(blocks.length * SPARSE_BLOCK + tail);
        blocks.forEach((b, i) => {
          if (b === 'full') buf.fill(0x5a, i * SPARSE_BLOCK, (i + 1) * SPARSE_BLOCK);
          else if (b !== 'zero') buf[i * SPARSE_BLOCK + b.at] = b.byte;
        });
        if (tailData && tail > 0) buf[buf.length - 1] = 1;
        return buf;
      });
    const sizes = fc.array(fc.integer({ min: 1, max: 3 * SPARSE_BLOCK }), { minLength: 1, maxLength: 6 });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(image, sizes, fc.boolean(), async (img, chunkSizes, reuse) => {
        const path = join(dir, `p${n++}.raw`);
        const result = await writeImage(path, chunked(img, chunkSizes, reuse));
        expect(readFileSync(path).equals(img)).toBe(true);
        let dataBytes = 0;
        for (let at = 0; at < img.length; at += SPARSE_BLOCK) {
          const b = img.subarray(at, at + SPARSE_BLOCK);
          if (b.some((x) => x !== 0)) dataBytes += b.length;
        }
        expect(result).toEqual({ bytesWritten: dataBytes, bytesSkipped: img.length - dataBytes, length: img.length });
      }),
      { numRuns: 150 },
    );
  });
});
