import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { VmbackupError } from '../../src/errors.js';
import { openChain, type VhdChain } from '../../src/chain/open-chain.js';
import { readChainBlock, syntheticVhd } from '../../src/chain/synthetic.js';
import { VhdFile } from '../../src/formats/vhd-file.js';
import { VhdIdentityRewriter } from '../../src/formats/vhd-identity.js';
import { parseVhd } from '../../src/formats/vhd-parser.js';
import { VHD_BLOCK_SIZE } from '../../src/formats/vhd-structs.js';
import { collect, run, testTempDir } from '../formats/helpers.js';
import { bitmapOf, blockFileOffset, expectedRaw, layer, layerBytes, MIB, writeLayer, xapiShapedBytes, type Layer } from './vhd-build.js';

const U = (n: number): string => `${n.toString(16).padStart(8, '0')}-0000-4000-8000-0000000000${n.toString(16).padStart(2, '0')}`;

/** Writes the layers (newest first) as files and opens them as a chain. */
async function chainOf(dir: string, layers: readonly Layer[]): Promise<{ chain: VhdChain; paths: string[] }> {
  const paths: string[] = [];
  for (const [i, l] of layers.entries()) paths.push(await writeLayer(dir, `link${layers.length - 1 - i}.vhd`, l));
  return { chain: await openChain(paths), paths };
}

/** The synthetic VHD written to a file, checked by qemu-img and our parser; returns its path. */
async function writeSynthetic(dir: string, chain: VhdChain): Promise<{ path: string; bytes: Buffer }> {
  const synthetic = syntheticVhd(chain);
  const bytes = await collect(synthetic.stream());
  expect(bytes.length).toBe(synthetic.length);
  const path = join(dir, 'synthetic.vhd');
  writeFileSync(path, bytes);
  return { path, bytes };
}

function qemuRaw(dir: string, vhd: string): Buffer {
  const info = run('qemu-img', ['info', '--output=json', '-f', 'vpc', vhd]);
  expect(info.stderr).toBe('');
  const raw = join(dir, 'out.raw');
  run('qemu-img', ['convert', '--image-opts', `driver=vpc,force_size_calc=current_size,file.filename=${vhd}`, '-O', 'raw', raw]);
  return readFileSync(raw);
}

async function expectChainBroken(promise: Promise<unknown>, ...parts: string[]): Promise<VmbackupError> {
  const err = await promise.then(
    () => {
      throw new Error('expected CHAIN_BROKEN');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VmbackupError);
  expect((err as VmbackupError).code).toBe('CHAIN_BROKEN');
  for (const part of parts) expect((err as VmbackupError).message).toContain(part);
  expect((err as VmbackupError).hint).toMatch(/vmbackup verify/u);
  return err as VmbackupError;
}

describe('syntheticVhd: one dynamic VHD from a chain, the newest block wins', () => {
  it('full + 2 diffs with whole blocks: qemu-img converts it to the expected raw; the footer is the newest uuid', async () => {
    const dir = testTempDir('chain');
    const size = 11 * MIB; // 6 blocks, the last half inside the disk
    const layers = [
      layer(U(3), size, { 1: 31, 5: 35 }, U(2)),
      layer(U(2), size, { 1: 21, 2: 22 }, U(1)),
      layer(U(1), size, { 0: 10, 1: 11, 2: 12, 4: 14 }),
    ];
    const { chain } = await chainOf(dir, layers);
    try {
      const synthetic = syntheticVhd(chain);
      expect(synthetic).toMatchObject({ uuid: U(3), size, allocatedBlocks: 5 });
      const { path, bytes } = await writeSynthetic(dir, chain);
      expect(qemuRaw(dir, path).equals(expectedRaw(layers))).toBe(true);
      const events = [];
      for await (const event of parseVhd([bytes])) events.push(event);
      const start = events[0] as Extract<(typeof events)[number], { type: 'start' }>;
      expect(start.footer.diskType).toBe(3);
      expect(start.footer.uuid.toString('hex')).toBe(U(3).replace(/-/gu, ''));
      expect(events.at(-1)).toMatchObject({ type: 'end', blocks: 5 });
      expect((await collect(synthetic.rawStream())).equals(expectedRaw(layers))).toBe(true);
    } finally {
      await chain.close();
    }
  });

  it('honours partial bitmaps: clear sectors come from the next file below that has them, else zeros', async () => {
    const dir = testTempDir('chain');
    const size = 8 * MIB;
    // Sectors whose bit is clear hold 0xEE garbage in the file: reading them would show.
    const garbage = (l: Layer, index: number, bitmap: Buffer): Layer => {
      const data = Buffer.from(l.blocks.get(index)!);
      for (let s = 0; s < 4096; s++) if ((bitmap[s >> 3]! & (0x80 >> (s & 7))) === 0) data.fill(0xee, s * 512, (s + 1) * 512);
      return { ...l, blocks: new Map([...l.blocks, [index, data]]), bitmaps: new Map([...(l.bitmaps ?? []), [index, bitmap]]) };
    };
    let top = layer(U(13), size, { 0: 130, 1: 131, 3: 133 }, U(12));
    top = garbage(top, 0, bitmapOf([[0, 1], [7, 9], [4000, 4096]])); // block 0: the rest from below
    top = garbage(top, 3, bitmapOf([[10, 20]])); // block 3: nothing below has it -> zeros
    let mid = layer(U(12), size, { 0: 120 }, U(11));
    mid = garbage(mid, 0, bitmapOf([[0, 2048]])); // first half here, second half from the full
    const full = layer(U(11), size, { 0: 110, 1: 111 });
    const layers = [top, mid, full];
    const { chain } = await chainOf(dir, layers);
    try {
      const expected = expectedRaw(layers);
      // The expectation itself mixes the three sources and zeros as meant.
      expect(expected.subarray(512, 1024).equals(mid.blocks.get(0)!.subarray(512, 1024))).toBe(true);
      expect(expected.subarray(MIB, MIB + 512).equals(full.blocks.get(0)!.subarray(MIB, MIB + 512))).toBe(true);
      expect(expected.subarray(6 * MIB, 6 * MIB + 5120).every((b) => b === 0)).toBe(true);
      const { path } = await writeSynthetic(dir, chain);
      expect(qemuRaw(dir, path).equals(expected)).toBe(true);
      expect((await readChainBlock(chain, 0))!.equals(expected.subarray(0, VHD_BLOCK_SIZE))).toBe(true);
      expect(await readChainBlock(chain, 2)).toBeNull();
    } finally {
      await chain.close();
    }
  });

  it('a disk grown between backups: blocks past the parent’s end are zeros, even if the parent file has bytes there', async () => {
    const dir = testTempDir('chain');
    const full = layer(U(21), 3 * MIB, { 1: 211 }); // block 1 holds 1 MiB of the disk, 1 MiB of padding
    const child = { ...layer(U(22), 7 * MIB, { 1: 221, 3: 223 }, U(21)), bitmaps: new Map([[1, bitmapOf([[3000, 3100]])]]) };
    const childData = Buffer.from(child.blocks.get(1)!);
    for (let s = 0; s < 4096; s++) if (s < 3000 || s >= 3100) childData.fill(0xee, s * 512, (s + 1) * 512);
    const grown: Layer = { ...child, blocks: new Map([...child.blocks, [1, childData]]) };
    const paths = [await writeLayer(dir, 'child.vhd', grown), join(dir, 'full.vhd')];
    const fullBytes = await layerBytes(full);
    const at = blockFileOffset(fullBytes, 1) + 512 + MIB;
    fullBytes.fill(0xab, at, at + MIB); // padding past the old end: must not appear
    writeFileSync(paths[1]!, fullBytes);
    const chain = await openChain(paths);
    try {
      const expected = expectedRaw([grown, full]);
      expect(expected.subarray(2 * MIB + 2048 * 512, 2 * MIB + 3000 * 512).every((b) => b === 0)).toBe(true);
      const { path } = await writeSynthetic(dir, chain);
      expect(qemuRaw(dir, path).equals(expected)).toBe(true);
    } finally {
      await chain.close();
    }
  });

  it('a chain 8 files deep (full + 7 diffs) gives the same bytes as its expected raw, each block read from one file', async () => {
    const dir = testTempDir('chain');
    const size = 16 * MIB;
    const layers: Layer[] = [];
    for (let depth = 7; depth >= 0; depth--) {
      const blocks: Record<number, number> = depth === 0 ? { 0: 1, 1: 2, 2: 3, 3: 4, 4: 5, 5: 6, 6: 7, 7: 8 } : { [depth]: 100 + depth, [(depth + 3) % 8]: 200 + depth };
      layers.push(layer(U(40 + depth), size, blocks, depth === 0 ? undefined : U(40 + depth - 1)));
    }
    const { chain } = await chainOf(dir, layers);
    const reads = vi.spyOn(VhdFile.prototype, 'readBlock');
    try {
      const { path } = await writeSynthetic(dir, chain);
      expect(reads).toHaveBeenCalledTimes(8); // whole blocks: one read per block, from the file that wins
      expect(qemuRaw(dir, path).equals(expectedRaw(layers))).toBe(true);
    } finally {
      reads.mockRestore();
      await chain.close();
    }
  });

  it('XAPI-shaped diffs (BAT at 2048, random uuid, SM parent) given their identity by VhdIdentityRewriter chain and restore', async () => {
    const dir = testTempDir('chain');
    const size = 6 * MIB;
    const full = layer(U(61), size, { 0: 1, 1: 2, 2: 3 });
    const fromXapi = layer('deadbeef-0000-4000-8000-000000000001', size, { 1: 9 }, 'deadbeef-0000-4000-8000-0000000000aa');
    const rewriter = new VhdIdentityRewriter({ uuid: U(62), parentUuid: U(61) });
    const diffBytes = Buffer.concat([...rewriter.push(xapiShapedBytes(fromXapi)), ...rewriter.end()]);
    const paths = [join(dir, 'diff.vhd'), await writeLayer(dir, 'full.vhd', full)];
    writeFileSync(paths[0]!, diffBytes);
    const chain = await openChain(paths, { expect: [{ uuid: U(62), parentUuid: U(61) }, { uuid: U(61), parentUuid: null }] });
    try {
      const expected = expectedRaw([{ ...fromXapi, uuid: U(62) }, full]);
      const { path } = await writeSynthetic(dir, chain);
      expect(qemuRaw(dir, path).equals(expected)).toBe(true);
    } finally {
      await chain.close();
    }
  });

  it('the same bytes with or without read-ahead, and from a second stream() of one synthetic', async () => {
    const dir = testTempDir('chain');
    const size = 12 * MIB;
    const layers = [layer(U(72), size, { 0: 5, 3: 6, 5: 7 }, U(71)), layer(U(71), size, { 0: 1, 1: 2, 4: 4, 5: 8 })];
    const { chain } = await chainOf(dir, layers);
    try {
      const synthetic = syntheticVhd(chain);
      const first = await collect(synthetic.stream());
      expect((await collect(synthetic.stream())).equals(first)).toBe(true);
      expect((await collect(syntheticVhd(chain, { readAhead: 0 }).stream())).equals(first)).toBe(true);
      expect((await collect(syntheticVhd(chain, { readAhead: 1 }).rawStream())).equals(expectedRaw(layers))).toBe(true);
    } finally {
      await chain.close();
    }
  });

  it('a chain of one full is that full, block for block', async () => {
    const dir = testTempDir('chain');
    const full = layer(U(51), 5 * MIB, { 0: 1, 2: 3 });
    const { chain } = await chainOf(dir, [full]);
    try {
      const { bytes } = await writeSynthetic(dir, chain);
      expect(bytes.equals(await layerBytes(full))).toBe(true); // same timestamp, uuid, layout
    } finally {
      await chain.close();
    }
  });
});

describe('openChain refuses what is not one chain: CHAIN_BROKEN naming the file and both uuids', () => {
  const size = 4 * MIB;

  it('a child whose parent uuid is not the next file’s uuid', async () => {
    const dir = testTempDir('chain');
    const paths = [
      await writeLayer(dir, 'c.vhd', layer(U(2), size, { 0: 1 }, U(9))),
      await writeLayer(dir, 'p.vhd', layer(U(1), size, { 0: 2 })),
    ];
    await expectChainBroken(openChain(paths), paths[0]!, U(9), U(1), paths[1]!);
  });

  it('a missing file', async () => {
    const dir = testTempDir('chain');
    const paths = [await writeLayer(dir, 'c.vhd', layer(U(2), size, { 0: 1 }, U(1))), join(dir, 'gone.vhd')];
    await expectChainBroken(openChain(paths), 'gone.vhd', 'missing');
  });

  it('the oldest file not a full, a middle one not a diff', async () => {
    const dir = testTempDir('chain');
    const diff = await writeLayer(dir, 'd.vhd', layer(U(2), size, { 0: 1 }, U(1)));
    await expectChainBroken(openChain([diff]), 'must be a full');
    const full1 = await writeLayer(dir, 'f1.vhd', layer(U(1), size, { 0: 1 }));
    const full2 = await writeLayer(dir, 'f2.vhd', layer(U(3), size, { 0: 1 }));
    await expectChainBroken(openChain([full2, full1]), full2, 'differencing');
  });

  it('the record’s uuids against the files', async () => {
    const dir = testTempDir('chain');
    const paths = [
      await writeLayer(dir, 'c.vhd', layer(U(2), size, { 0: 1 }, U(1))),
      await writeLayer(dir, 'p.vhd', layer(U(1), size, { 0: 2 })),
    ];
    await expectChainBroken(openChain(paths, { expect: [{ uuid: U(7) }] }), paths[0]!, U(2), U(7));
    await expectChainBroken(openChain(paths, { expect: [undefined, { parentUuid: U(5) }] }), paths[1]!, 'none (a full)', U(5));
    const chain = await openChain(paths, { expect: [{ uuid: U(2).toUpperCase(), parentUuid: U(1) }, { uuid: U(1), parentUuid: null }] });
    await chain.close();
  });

  it('a disk that shrank, and a damaged link', async () => {
    const dir = testTempDir('chain');
    const paths = [
      await writeLayer(dir, 'c.vhd', layer(U(2), size, { 0: 1 }, U(1))),
      await writeLayer(dir, 'p.vhd', layer(U(1), 2 * size, { 0: 2 })),
    ];
    await expectChainBroken(openChain(paths), 'smaller than its parent');
    const bytes = readFileSync(paths[1]!);
    rmSync(paths[1]!);
    writeFileSync(paths[1]!, bytes.subarray(0, bytes.length - 4096));
    await expectChainBroken(openChain(paths), paths[1]!, 'not a readable VHD', 'footer copy at offset 0 is good');
  });
});
