import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/formats/errors.js';
import { VhdFile } from '../../src/formats/vhd-file.js';
import { buildVhdFooter, buildVhdHeader, vhdChecksum, VHD_BLOCK_SIZE } from '../../src/formats/vhd-structs.js';
import { vhdTableEntries } from '../../src/formats/vhd-writer.js';
import { bitmapOf, blockFileOffset, layer, layerBytes, MIB, writeLayer, xapiShapedBytes } from '../chain/vhd-build.js';
import { flip, pattern, run, tempDir } from './helpers.js';

const dir = tempDir('vhd-file');
const FULL_UUID = '11111111-2222-4333-8444-555555555555';
const DIFF_UUID = '66666666-7777-4888-9999-aaaaaaaaaaaa';

async function expectFormatError(promise: Promise<unknown>, code: string): Promise<FormatError> {
  const err = await promise.then(
    () => {
      throw new Error(`expected a FormatError ${code}`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FormatError);
  expect((err as FormatError).code).toBe(code);
  return err as FormatError;
}

function fileOf(name: string, bytes: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe('VhdFile.open and readBlock', () => {
  it('reads a dynamic VHD written by vhdStream: fields, allocation, block bytes', async () => {
    const l = layer(FULL_UUID, 7 * MIB, { 0: 1, 3: 2 }); // 4 blocks, the last one half inside the disk
    const file = await VhdFile.open(await writeLayer(dir, 'full.vhd', l));
    try {
      expect(file.uuid).toBe(FULL_UUID);
      expect(file.parentUuid).toBeNull();
      expect(file.diskType).toBe(3);
      expect(file.currentSize).toBe(7 * MIB);
      expect(file.blockSize).toBe(VHD_BLOCK_SIZE);
      expect(file.blockCount).toBe(4);
      expect(file.allocatedCount).toBe(2);
      expect([0, 1, 2, 3, 4, -1].map((i) => file.allocated(i))).toEqual([true, false, false, true, false, false]);
      expect(await file.readBlock(1)).toBeNull();
      const block = (await file.readBlock(3))!;
      expect(block.bitmap.equals(Buffer.alloc(512, 0xff))).toBe(true);
      expect(block.data.equals(l.blocks.get(3)!)).toBe(true);
      expect((await file.readBlock(0))!.data.equals(l.blocks.get(0)!)).toBe(true);
    } finally {
      await file.close();
    }
  });

  it('reads a differencing VHD: parent uuid, partial bitmap as stored', async () => {
    const bitmap = bitmapOf([[0, 8], [100, 4096]]);
    const l = { ...layer(DIFF_UUID, 6 * MIB, { 2: 5 }, FULL_UUID), bitmaps: new Map([[2, bitmap]]) };
    const file = await VhdFile.open(await writeLayer(dir, 'diff.vhd', l));
    try {
      expect(file.diskType).toBe(4);
      expect(file.parentUuid).toBe(FULL_UUID);
      const block = (await file.readBlock(2))!;
      expect(block.bitmap.equals(bitmap)).toBe(true);
      expect(block.data.equals(l.blocks.get(2)!)).toBe(true);
    } finally {
      await file.close();
    }
  });

  it('follows the header to a BAT at 2048, as XAPI base= exports have it', async () => {
    const l = layer(DIFF_UUID, 6 * MIB, { 1: 9, 2: 10 }, FULL_UUID);
    const bytes = xapiShapedBytes(l);
    expect(Number(bytes.readBigUInt64BE(512 + 16))).toBe(2048);
    const file = await VhdFile.open(fileOf('xapi.vhd', bytes));
    try {
      expect(file.blockOffset(1)).toBe(2048 + 512);
      expect((await file.readBlock(1))!.data.equals(l.blocks.get(1)!)).toBe(true);
      expect((await file.readBlock(2))!.data.equals(l.blocks.get(2)!)).toBe(true);
    } finally {
      await file.close();
    }
  });

  it('reads a file whose BAT comes after its blocks (not stream order; a merge may leave one so)', async () => {
    const size = 6 * MIB;
    const entries = vhdTableEntries(size);
    const blocks = [pattern(21, VHD_BLOCK_SIZE), pattern(22, VHD_BLOCK_SIZE)];
    const tableOffset = 1536 + blocks.length * (512 + VHD_BLOCK_SIZE);
    const bat = Buffer.alloc(Math.ceil((entries * 4) / 512) * 512, 0xff);
    bat.writeUInt32BE((1536 + 512 + VHD_BLOCK_SIZE) / 512, 0); // block 0 is the second in the file
    bat.writeUInt32BE(1536 / 512, 2 * 4); // block 2 the first
    const footer = buildVhdFooter({ currentSize: size, uuid: FULL_UUID, timestamp: 0 });
    const ones = Buffer.alloc(512, 0xff);
    const bytes = Buffer.concat([footer, buildVhdHeader({ maxTableEntries: entries, tableOffset }), ones, blocks[1]!, ones, blocks[0]!, bat, footer]);
    const file = await VhdFile.open(fileOf('bat-last.vhd', bytes));
    try {
      expect((await file.readBlock(0))!.data.equals(blocks[0]!)).toBe(true);
      expect((await file.readBlock(2))!.data.equals(blocks[1]!)).toBe(true);
      expect(file.allocated(1)).toBe(false);
    } finally {
      await file.close();
    }
  });

  it('reads a dynamic VHD written by qemu-img (its own layout and creator) to the same bytes', async () => {
    const raw = Buffer.alloc(8 * MIB);
    pattern(3, 3 * MIB).copy(raw, MIB); // blocks 0 and 1
    pattern(4, 4096).copy(raw, 7 * MIB); // block 3
    const rawPath = fileOf('qemu-src.raw', raw);
    const vhdPath = join(dir, 'qemu.vhd');
    run('qemu-img', ['convert', '-f', 'raw', '-O', 'vpc', '-o', 'subformat=dynamic,force_size=on', rawPath, vhdPath]);
    const file = await VhdFile.open(vhdPath);
    try {
      expect(file.currentSize).toBe(raw.length);
      const rebuilt = Buffer.alloc(raw.length);
      for (let i = 0; i < file.blockCount; i++) {
        const block = await file.readBlock(i);
        if (block !== null) block.data.copy(rebuilt, i * VHD_BLOCK_SIZE);
      }
      expect(rebuilt.equals(raw)).toBe(true);
      expect(file.allocated(2)).toBe(false);
    } finally {
      await file.close();
    }
  });
});

describe('VhdFile.open refuses damaged files, naming the file and the place', () => {
  const good = (): Promise<Buffer> => layerBytes(layer(FULL_UUID, 6 * MIB, { 0: 1, 2: 2 }));

  it('a bad trailing footer with a good copy at 0: refused, and the message says the copy is good', async () => {
    const bytes = await good();
    flip(bytes, bytes.length - 512 + 70);
    const path = fileOf('bad-trailer.vhd', bytes);
    const err = await expectFormatError(VhdFile.open(path), 'VHD_FOOTER_CHECKSUM');
    expect(err.message).toContain(path);
    expect(err.message).toContain('footer copy at offset 0 is good');
  });

  it('a file cut short (the last block and footer gone): refused as such', async () => {
    const bytes = await good();
    const path = fileOf('cut.vhd', bytes.subarray(0, bytes.length - 1024 * 1024));
    const err = await expectFormatError(VhdFile.open(path), 'VHD_FOOTER_COOKIE');
    expect(err.message).toContain('footer copy at offset 0 is good');
  });

  it('not a VHD at all: no mention of a good copy', async () => {
    const path = fileOf('noise.vhd', pattern(7, 64 * 1024));
    const err = await expectFormatError(VhdFile.open(path), 'VHD_FOOTER_COOKIE');
    expect(err.message).not.toContain('copy at offset 0 is good');
  });

  it('footer copy and trailing footer differ', async () => {
    const bytes = await good();
    bytes.writeUInt32BE(12345, 24); // timestamp of the copy
    bytes.writeUInt32BE(vhdChecksum(bytes.subarray(0, 512), 64), 64);
    await expectFormatError(VhdFile.open(fileOf('mismatch.vhd', bytes)), 'VHD_FOOTER_MISMATCH');
  });

  it('a BAT entry past the end of the file: the file, block and offset named', async () => {
    const bytes = await good();
    const tableOffset = Number(bytes.readBigUInt64BE(512 + 16));
    bytes.writeUInt32BE(bytes.length / 512 + 10, tableOffset + 2 * 4);
    const path = fileOf('bat-past-end.vhd', bytes);
    const err = await expectFormatError(VhdFile.open(path), 'VHD_BAT_ENTRY');
    expect(err.message).toContain(path);
    expect(err.message).toContain('block 2');
    expect(err.message).toContain(`points to offset ${(bytes.length / 512 + 10) * 512}`);
  });

  it('a BAT entry inside the header, and two blocks sharing bytes', async () => {
    const bytes = await good();
    const tableOffset = Number(bytes.readBigUInt64BE(512 + 16));
    const intoHeader = Buffer.from(bytes);
    intoHeader.writeUInt32BE(2, tableOffset); // sector 2 = offset 1024, in the header
    const err = await expectFormatError(VhdFile.open(fileOf('bat-header.vhd', intoHeader)), 'VHD_BAT_ENTRY');
    expect(err.message).toContain('overlapping the footer copy and header');
    const overlap = Buffer.from(bytes);
    overlap.writeUInt32BE(bytes.readUInt32BE(tableOffset) + 8, tableOffset + 2 * 4);
    const err2 = await expectFormatError(VhdFile.open(fileOf('bat-overlap.vhd', overlap)), 'VHD_BAT_ENTRY');
    expect(err2.message).toMatch(/blocks 0 .* and 2 .* overlap/u);
  });

  it('a block size over 32 MiB is refused before anything is allocated for it', async () => {
    const bytes = await good();
    const header = buildVhdHeader({ maxTableEntries: 1, blockSize: 64 * MIB });
    header.copy(bytes, 512);
    await expectFormatError(VhdFile.open(fileOf('huge-block.vhd', bytes)), 'VHD_HEADER_FIELD');
  });

  it('a missing file is the system error, for the caller to word', async () => {
    await expect(VhdFile.open(join(dir, 'nope.vhd'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('keeps the file handle closed after a refusal (no fd leak)', async () => {
    const bytes = await good();
    flip(bytes, bytes.length - 100);
    const path = fileOf('leak.vhd', bytes);
    const { readdirSync } = await import('node:fs');
    const before = readdirSync('/proc/self/fd').length;
    for (let i = 0; i < 20; i++) await VhdFile.open(path).catch(() => {});
    expect(readdirSync('/proc/self/fd').length).toBeLessThanOrEqual(before);
    expect(readFileSync(path).length).toBe(bytes.length);
  });
});
