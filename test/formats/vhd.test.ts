import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/formats/errors.js';
import { computeVhdGeometry } from '../../src/formats/vhd-geometry.js';
import { parseVhd, VhdParser, type VhdEvent } from '../../src/formats/vhd-parser.js';
import { buildVhdFooter, buildVhdHeader, vhdChecksum, VHD_BLOCK_SIZE } from '../../src/formats/vhd-structs.js';
import { vhdStream, vhdStreamLength, vhdTableEntries } from '../../src/formats/vhd-writer.js';
import { collect, flip, pattern, run, splitAt, tempDir } from './helpers.js';

const MIB = 1024 * 1024;
const UUID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const dir = tempDir('vhd');

interface Disk {
  readonly name: string;
  readonly size: number;
  readonly raw: Buffer;
  readonly allocated: readonly number[];
  block(index: number): Buffer | null;
}

/** A raw disk whose listed blocks hold pattern data (the last one possibly partial), the rest zeros. */
function makeDisk(name: string, size: number, allocated: readonly number[]): Disk {
  const raw = Buffer.alloc(size);
  for (const index of allocated) pattern(index + 11, Math.min(VHD_BLOCK_SIZE, size - index * VHD_BLOCK_SIZE)).copy(raw, index * VHD_BLOCK_SIZE);
  return {
    name,
    size,
    raw,
    allocated,
    block: (index) => (allocated.includes(index) ? raw.subarray(index * VHD_BLOCK_SIZE, Math.min(size, (index + 1) * VHD_BLOCK_SIZE)) : null),
  };
}

const DISKS: readonly Disk[] = [
  makeDisk('6MiB', 6 * MIB, [1]),
  makeDisk('5MiB+7sectors', 5 * MIB + 7 * 512, [0, 2]), // not a multiple of 2 MiB: block 2 is partial
  makeDisk('33MiB+512', 33 * MIB + 512, [0, 3, 7, 16]),
];

async function vhdOf(disk: Disk, creator = 'caml'): Promise<Buffer> {
  return collect(vhdStream({ size: disk.size, uuid: UUID, block: (i) => disk.block(i), creator, timestamp: new Date('2024-05-01T00:00:00Z') }));
}

async function vhdFile(disk: Disk, creator = 'caml'): Promise<string> {
  const file = join(dir, `${disk.name}-${creator.replace(/[^a-z]/gu, '')}.vhd`);
  writeFileSync(file, await vhdOf(disk, creator));
  return file;
}

function qemuInfo(args: string[]): { virtualSize: number; stderr: string } {
  const result = run('qemu-img', ['info', '--output=json', ...args]);
  return { virtualSize: (JSON.parse(result.stdout.toString('utf8')) as { 'virtual-size': number })['virtual-size'], stderr: result.stderr };
}

const currentSizeOpts = (file: string): string[] => ['--image-opts', `driver=vpc,force_size_calc=current_size,file.filename=${file}`];

function parseAll(parts: readonly Buffer[]): VhdEvent[] {
  const parser = new VhdParser();
  const events: VhdEvent[] = [];
  for (const part of parts) events.push(...parser.feed(part));
  events.push(...parser.end());
  return events;
}

function rebuild(events: readonly VhdEvent[]): Buffer {
  const start = events[0];
  if (start?.type !== 'start') throw new Error('no start event');
  const raw = Buffer.alloc(start.footer.currentSize);
  for (const event of events) if (event.type === 'block') event.data.copy(raw, event.offset, 0, event.length);
  return raw;
}

function expectFormatError(fn: () => unknown, code: string): FormatError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).code).toBe(code);
    return err as FormatError;
  }
  throw new Error(`expected a FormatError ${code}`);
}

/** Rewrites a u32 in a footer/header copy and fixes its checksum, to test field checks alone. */
function patchU32(bytes: Buffer, structOffset: number, structSize: number, field: number, value: number, checksumField: number): Buffer {
  const copy = Buffer.from(bytes);
  const struct = copy.subarray(structOffset, structOffset + structSize);
  struct.writeUInt32BE(value, field);
  struct.writeUInt32BE(vhdChecksum(struct, checksumField), checksumField);
  return copy;
}

describe('computeVhdGeometry (vhd-lib’s algorithm)', () => {
  it('matches hand-computed values', () => {
    expect(computeVhdGeometry(6 * MIB)).toMatchObject({ cylinders: 181, heads: 4, sectorsPerTrack: 17, chsSize: 181 * 4 * 17 * 512 });
    expect(computeVhdGeometry(100 * MIB)).toMatchObject({ cylinders: 1004, heads: 12, sectorsPerTrack: 17 });
    expect(computeVhdGeometry(1024 * MIB)).toMatchObject({ cylinders: 2081, heads: 16, sectorsPerTrack: 63 });
    expect(computeVhdGeometry(2000 * 1024 * MIB)).toMatchObject({ cylinders: 65535, heads: 16, sectorsPerTrack: 255 });
  });

  it('never gives less than the size below the CHS maximum (so qemu never truncates)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65535 * 16 * 255 - 1 }), (sectors) => {
        expect(computeVhdGeometry(sectors * 512).chsSize).toBeGreaterThanOrEqual(sectors * 512);
      }),
    );
  });
});

describe('vhdStream', () => {
  it.each(DISKS)('writes footer, header, BAT, blocks, footer in stream order ($name)', async (disk) => {
    const bytes = await vhdOf(disk);
    expect(bytes.length).toBe(vhdStreamLength(disk.size, disk.allocated.length));
    expect(bytes.toString('latin1', 0, 8)).toBe('conectix');
    expect(bytes.toString('latin1', 28, 32)).toBe('caml');
    expect(bytes.toString('latin1', 512, 520)).toBe('cxsparse');
    expect(bytes.subarray(bytes.length - 512).equals(bytes.subarray(0, 512))).toBe(true);
    const entries = vhdTableEntries(disk.size);
    const firstBlock = 1536 + Math.ceil((entries * 4) / 512) * 512;
    disk.allocated.forEach((index, n) => {
      const sector = bytes.readUInt32BE(1536 + index * 4);
      expect(sector * 512).toBe(firstBlock + n * (512 + VHD_BLOCK_SIZE));
      expect(bytes.subarray(sector * 512, sector * 512 + 512).every((b) => b === 0xff)).toBe(true);
    });
    for (let index = 0; index < entries; index++) {
      if (!disk.allocated.includes(index)) expect(bytes.readUInt32BE(1536 + index * 4)).toBe(0xffffffff);
    }
  });

  it('reads only the allocated blocks when told which they are', async () => {
    const disk = DISKS[2]!;
    const asked: number[] = [];
    const bytes = await collect(
      vhdStream({ size: disk.size, uuid: UUID, allocated: (i) => disk.allocated.includes(i), block: (i) => (asked.push(i), disk.block(i)) }),
    );
    expect(asked).toEqual(disk.allocated);
    expect(rebuild(parseAll([bytes])).equals(disk.raw)).toBe(true);
  });

  it('rejects sizes that are not whole sectors and short blocks other than the last', async () => {
    await expect(collect(vhdStream({ size: 1000, uuid: UUID, block: () => null }))).rejects.toThrow(RangeError);
    await expect(collect(vhdStream({ size: 4 * MIB, uuid: UUID, block: (i) => (i === 0 ? Buffer.alloc(10, 1) : null) }))).rejects.toThrow(RangeError);
  });
});

describe('qemu-img reads our VHDs', () => {
  it.each(DISKS)('qemu-img info: current size with force_size_calc, CHS size by default, no checksum warning ($name)', async (disk) => {
    const file = await vhdFile(disk);
    const exact = qemuInfo(currentSizeOpts(file));
    expect(exact.virtualSize).toBe(disk.size);
    expect(exact.stderr).not.toMatch(/checksum/iu);
    // With creator "caml" qemu trusts the CHS geometry; the BAT covers it, so the file opens.
    expect(qemuInfo(['-f', 'vpc', file]).virtualSize).toBe(computeVhdGeometry(disk.size).chsSize);
  });

  it.each(DISKS)('qemu-img convert gives byte-identical raw ($name)', async (disk) => {
    const file = await vhdFile(disk);
    const out = join(dir, `${disk.name}.raw`);
    run('qemu-img', ['convert', ...currentSizeOpts(file), '-O', 'raw', out]);
    expect(readFileSync(out).equals(disk.raw)).toBe(true);
    // Without the option: the same bytes followed by zeros up to the CHS size.
    const chs = join(dir, `${disk.name}-chs.raw`);
    run('qemu-img', ['convert', '-f', 'vpc', '-O', 'raw', file, chs]);
    const chsRaw = readFileSync(chs);
    expect(chsRaw.length).toBe(computeVhdGeometry(disk.size).chsSize);
    expect(chsRaw.subarray(0, disk.size).equals(disk.raw)).toBe(true);
    expect(chsRaw.subarray(disk.size).every((b) => b === 0)).toBe(true);
  });

  it('with creator "tap\\0" plain -f vpc gives the exact size', async () => {
    const disk = DISKS[1]!;
    const file = await vhdFile(disk, 'tap\0');
    expect(qemuInfo(['-f', 'vpc', file]).virtualSize).toBe(disk.size);
  });

  it('refuses a "caml" VHD whose BAT covers only currentSize (why we size the BAT for the CHS size)', () => {
    const size = 6 * MIB;
    const footer = buildVhdFooter({ currentSize: size, uuid: UUID, timestamp: 0 });
    const file = join(dir, 'small-bat.vhd');
    writeFileSync(file, Buffer.concat([footer, buildVhdHeader({ maxTableEntries: 3 }), Buffer.alloc(512, 0xff), footer]));
    const result = run('qemu-img', ['info', '-f', 'vpc', file], { allowFailure: true });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('Page table too small');
  });
});

describe('VhdParser', () => {
  it.each(DISKS)('accepts our VHD and rebuilds the raw disk ($name)', async (disk) => {
    const events = parseAll([await vhdOf(disk)]);
    const start = events[0]!;
    expect(start.type === 'start' && start.allocatedBlocks).toBe(disk.allocated.length);
    expect(start.type === 'start' && start.footer.uuid.toString('hex')).toBe(UUID.replace(/-/gu, ''));
    expect(events.flatMap((e) => (e.type === 'block' ? [e.index] : []))).toEqual(disk.allocated);
    expect(events.every((e) => e.type !== 'block' || e.bitmap.every((b) => b === 0xff))).toBe(true);
    expect(rebuild(events).equals(disk.raw)).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'end', blocks: disk.allocated.length });
  });

  it('gives the same blocks however the stream is split', async () => {
    const disk = DISKS[1]!;
    const bytes = await vhdOf(disk);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 12 }), (cuts) => {
        expect(rebuild(parseAll(splitAt(bytes, cuts))).equals(disk.raw)).toBe(true);
      }),
      { numRuns: 20 },
    );
  });

  it('accepts a dynamic VHD written by qemu-img (creator qem2), via parseVhd', async () => {
    const disk = DISKS[2]!;
    const raw = join(dir, 'for-qemu.raw');
    const vhd = join(dir, 'by-qemu.vhd');
    writeFileSync(raw, disk.raw);
    run('qemu-img', ['convert', '-m', '1', '-f', 'raw', '-O', 'vpc', '-o', 'subformat=dynamic,force_size=on', raw, vhd]);
    const bytes = readFileSync(vhd);
    expect(bytes.toString('latin1', 28, 32)).toBe('qem2');
    const events: VhdEvent[] = [];
    for await (const event of parseVhd(splitAt(bytes, [100, 70000, 3 * MIB]))) events.push(event);
    expect(rebuild(events).equals(disk.raw)).toBe(true);
  });

  it('accepts a differencing VHD with its parent UUID', async () => {
    const parent = '11111111-2222-3333-4444-555555555555';
    const bytes = await collect(vhdStream({ size: 4 * MIB, uuid: UUID, block: (i) => (i === 1 ? pattern(5, VHD_BLOCK_SIZE) : null), diskType: 4, parentUuid: parent }));
    const start = parseAll([bytes])[0]!;
    expect(start.type === 'start' && start.footer.diskType).toBe(4);
    expect(start.type === 'start' && start.header.parentUuid.toString('hex')).toBe(parent.replace(/-/gu, ''));
  });

  describe('rejects', () => {
    const disk = DISKS[0]!; // 6 MiB: 3 blocks in the disk, 4 BAT entries (CHS size), block 1 present

    it('a corrupted footer checksum', async () => {
      const bytes = Buffer.from(await vhdOf(disk));
      flip(bytes, 100, 1);
      expect(expectFormatError(() => parseAll([bytes]), 'VHD_FOOTER_CHECKSUM').offset).toBe(0);
    });

    it('a corrupted header checksum', async () => {
      const bytes = Buffer.from(await vhdOf(disk));
      flip(bytes, 512 + 900, 1);
      expect(expectFormatError(() => parseAll([bytes]), 'VHD_HEADER_CHECKSUM').offset).toBe(512);
    });

    it('a BAT entry beyond the disk size, or pointing into the metadata', async () => {
      const beyond = Buffer.from(await vhdOf(disk));
      beyond.writeUInt32BE(10_000, 1536 + 3 * 4);
      expect(expectFormatError(() => parseAll([beyond]), 'VHD_BAT_ENTRY').offset).toBe(1536 + 12);
      const inside = Buffer.from(await vhdOf(disk));
      inside.writeUInt32BE(2, 1536 + 0 * 4);
      expectFormatError(() => parseAll([inside]), 'VHD_BAT_ENTRY');
    });

    it('BAT entries that overlap (not stream-ordered)', async () => {
      const bytes = Buffer.from(await vhdOf(disk));
      bytes.writeUInt32BE(bytes.readUInt32BE(1536 + 4) + 1, 1536); // block 0 starts one sector into block 1
      expectFormatError(() => parseAll([bytes]), 'VHD_ORDER');
    });

    it('a trailing footer different from the first', async () => {
      const bytes = Buffer.from(await vhdOf(disk));
      flip(bytes, bytes.length - 512 + 24, 1); // the timestamp
      expect(expectFormatError(() => parseAll([bytes]), 'VHD_FOOTER_MISMATCH').offset).toBe(bytes.length - 512);
    });

    it('truncation anywhere, and data after the footer', async () => {
      const bytes = await vhdOf(disk);
      fc.assert(
        fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (cut) => {
          expectFormatError(() => parseAll([bytes.subarray(0, cut)]), 'VHD_TRUNCATED');
        }),
        { numRuns: 40 },
      );
      expect(expectFormatError(() => parseAll([bytes.subarray(0, 4000)]), 'VHD_TRUNCATED').message).toContain('block 1');
      expectFormatError(() => parseAll([Buffer.concat([bytes, Buffer.alloc(1)])]), 'VHD_TRAILING_DATA');
    });

    it('what is not a dynamic VHD', async () => {
      const bytes = await vhdOf(disk);
      expectFormatError(() => parseAll([Buffer.alloc(4096)]), 'VHD_FOOTER_COOKIE');
      expectFormatError(() => parseAll([patchU32(bytes, 0, 512, 60, 2, 64)]), 'VHD_DISK_TYPE'); // fixed
      expectFormatError(() => parseAll([patchU32(bytes, 0, 512, 12, 0x20000, 64)]), 'VHD_FOOTER_FIELD'); // version
      expectFormatError(() => parseAll([patchU32(bytes, 512, 1024, 28, 2, 36)]), 'VHD_HEADER_FIELD'); // BAT too small
      expectFormatError(() => parseAll([patchU32(bytes, 512, 1024, 32, 3 * MIB, 36)]), 'VHD_HEADER_FIELD'); // block size
    });
  });
});
