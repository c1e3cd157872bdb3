import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeChildIntoParent } from '../../src/chain/merge.js';
import { VmbackupError } from '../../src/errors.js';
import { VHD_BLOCK_SIZE } from '../../src/formats/vhd-structs.js';
import { tempDirForTest } from '../helpers/temp.js';
import { blockData, expectedRaw, MIB, parsedRaw, qemuRaw, snapUuid, uuidOf, writeVhd, type DiskSpec } from './helpers.js';

/** P's full and C's diff of one disk as two files in a fresh folder. */
async function pair(disk: DiskSpec): Promise<{ dir: string; parent: string; child: string }> {
  const dir = tempDirForTest('merge');
  const parent = join(dir, 'p.vhd');
  const child = join(dir, 'c.vhd');
  await writeVhd(parent, disk.size, disk.pBlocks, 1, snapUuid('P', 0));
  await writeVhd(child, disk.cSize ?? disk.size, disk.cBlocks, 2, snapUuid('C', 0), snapUuid('P', 0));
  return { dir, parent, child };
}

async function expectImage(file: string, dir: string, raw: Buffer): Promise<void> {
  const q = qemuRaw(file, join(dir, 'out.raw'));
  expect(q.length).toBe(raw.length);
  expect(q.equals(raw)).toBe(true);
  const parsed = await parsedRaw(file);
  expect(parsed.diskType).toBe(3);
  expect(parsed.uuid).toBe(snapUuid('C', 0));
  expect(parsed.raw.equals(raw)).toBe(true);
}

/** Clears bits [from, to) of block `index`'s sector bitmap in a VHD file written by vhdStream. */
function clearBits(file: string, index: number, from: number, to: number): void {
  const buf = readFileSync(file);
  const at = buf.readUInt32BE(1536 + 4 * index) * 512;
  for (let s = from; s < to; s++) buf[at + (s >> 3)]! &= ~(0x80 >> (s & 7));
  writeFileSync(file, buf);
}

const DISK: DiskSpec = { key: 'xvda', vdi: uuidOf(0xa), size: 13 * MIB + 3 * 512, pBlocks: [0, 1, 3, 6], cBlocks: [1, 2, 5, 6] };

describe('mergeChildIntoParent', () => {
  it('writes the child over the parent in place and appends what the parent lacks: qemu and our parser read the child\'s image', async () => {
    const { dir, parent, child } = await pair(DISK);
    const before = readFileSync(parent);
    const childBefore = readFileSync(child);
    const r = await mergeChildIntoParent(parent, child);
    expect(r.blocks).toBe(4);
    await expectImage(parent, dir, expectedRaw(DISK, 'C'));
    expect(readFileSync(child).equals(childBefore)).toBe(true); // the child is only read
    // Outside the touched ranges, every byte is the parent's as it was.
    const after = readFileSync(parent);
    expect(r.size).toBe(after.length);
    const touched = (i: number): boolean => r.touched.some(([s, e]) => i >= s && i < e);
    const untouched = [];
    for (let i = 0; i < Math.min(before.length, after.length); i += 512) if (!touched(i)) untouched.push(i);
    expect(untouched.length).toBeGreaterThan(0);
    for (const i of untouched) expect(after.subarray(i, i + 512).equals(before.subarray(i, i + 512))).toBe(true);
    // Block 0 and 3 of P were not touched at all: only the child's blocks, BAT and footers were.
    expect(r.touched.reduce((n, [s, e]) => n + e - s, 0)).toBeLessThan(after.length - 2 * VHD_BLOCK_SIZE);
  });

  it('a re-run on resume gives the same bytes; without resume it refuses the parent that took the child\'s uuid', async () => {
    const { parent, child } = await pair(DISK);
    await mergeChildIntoParent(parent, child);
    const once = readFileSync(parent);
    await mergeChildIntoParent(parent, child, { resume: true });
    expect(readFileSync(parent).equals(once)).toBe(true);
    await expect(mergeChildIntoParent(parent, child)).rejects.toMatchObject({ code: 'CHAIN_BROKEN' });
  });

  it('a re-run after a half-written merge (orphan blocks past the BAT\'s end, stale trailing footer) gives the same bytes', async () => {
    const { dir, parent, child } = await pair(DISK);
    const spare = join(dir, 'p2.vhd');
    copyFileSync(parent, spare);
    await mergeChildIntoParent(spare, child);
    const good = readFileSync(spare);
    // Simulate a killed run: the appended blocks written, but not the BAT or the footers.
    const orig = readFileSync(parent);
    const half = Buffer.concat([orig.subarray(0, orig.length - 512), good.subarray(orig.length - 512, good.length - 512 - 100)]);
    writeFileSync(parent, half);
    await mergeChildIntoParent(parent, child, { resume: true });
    expect(readFileSync(parent).equals(good)).toBe(true);
  });

  it('refuses a child that is not a difference against this parent, and a parent that is not a full (CHAIN_BROKEN), writing nothing', async () => {
    const { dir, parent } = await pair(DISK);
    const stranger = join(dir, 'stranger.vhd');
    await writeVhd(stranger, DISK.size, [1], 2, snapUuid('C', 0), uuidOf(0xdead));
    const before = readFileSync(parent);
    const err = await mergeChildIntoParent(parent, stranger).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VmbackupError);
    expect(err).toMatchObject({ code: 'CHAIN_BROKEN' });
    expect((err as Error).message).toContain(uuidOf(0xdead));
    const diffParent = join(dir, 'diff-parent.vhd');
    await writeVhd(diffParent, DISK.size, [1], 1, snapUuid('P', 0), uuidOf(0xbeef));
    await expect(mergeChildIntoParent(diffParent, stranger)).rejects.toMatchObject({ code: 'CHAIN_BROKEN' });
    expect(readFileSync(parent).equals(before)).toBe(true);
  });

  it('honours the child\'s sector bitmap: unmarked sectors keep the parent\'s bytes, or zeros where the parent had no block', async () => {
    const { dir, parent, child } = await pair(DISK);
    clearBits(child, 1, 0, 100); // in place over P's block 1
    clearBits(child, 1, 3000, 3011);
    clearBits(child, 2, 10, 21); // appended (P has no block 2)
    const expected = expectedRaw(DISK, 'C');
    const pBlock1 = blockData(1, 1, DISK.size);
    pBlock1.copy(expected, VHD_BLOCK_SIZE, 0, 100 * 512);
    pBlock1.copy(expected, VHD_BLOCK_SIZE + 3000 * 512, 3000 * 512, 3011 * 512);
    expected.fill(0, 2 * VHD_BLOCK_SIZE + 10 * 512, 2 * VHD_BLOCK_SIZE + 21 * 512);
    await mergeChildIntoParent(parent, child);
    await expectImage(parent, dir, expected);
  });

  it('grows the parent\'s BAT for a grown disk, moving the blocks in its way', async () => {
    const grown: DiskSpec = { key: 'xvda', vdi: uuidOf(0xb), size: 6 * MIB, pBlocks: [0, 1, 2], cBlocks: [1, 129], cSize: 260 * MIB };
    const { dir, parent, child } = await pair(grown);
    expect(readFileSync(parent).readUInt32BE(1536)).toBe(4); // P's block 0 right after its one-sector BAT
    await mergeChildIntoParent(parent, child);
    const bat = readFileSync(parent).subarray(1536, 1536 + 130 * 4);
    expect(bat.readUInt32BE(0)).toBeGreaterThan((1536 + 1024) / 512); // moved out of the grown BAT's way
    await expectImage(parent, dir, expectedRaw(grown, 'C'));
    const once = readFileSync(parent); // a few blocks: the file is small, the disk is not
    await mergeChildIntoParent(parent, child, { resume: true });
    expect(readFileSync(parent).equals(once)).toBe(true);
  }, 120_000); // 260 MiB images through qemu-img and our parser: slow on a loaded machine
});
