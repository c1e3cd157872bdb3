import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha1Hex, xxh64Hex } from '../../src/formats/checksums.js';
import { FormatError } from '../../src/formats/errors.js';
import { TAR_END, tarHeader, tarPadding } from '../../src/formats/tar-header.js';
import { XVA_CHUNK_SIZE } from '../../src/formats/xva-names.js';
import { parseXva, XvaParser, type XvaEvent, type XvaParserOptions } from '../../src/formats/xva-parser.js';
import { xvaStream, type XvaDiskSource } from '../../src/formats/xva-writer.js';
import { collect, flip, pattern, splitAt } from './helpers.js';

const MIB = XVA_CHUNK_SIZE;
const FIXTURE = readFileSync(new URL('../fixtures/xva/vmexport.bin', import.meta.url));
const OVA = '<value><struct/></value>';

function parseAll(parts: readonly Buffer[], options?: XvaParserOptions): XvaEvent[] {
  const parser = new XvaParser(options);
  const events: XvaEvent[] = [];
  for (const part of parts) events.push(...parser.feed(part));
  events.push(...parser.end());
  return events;
}

function expectFormatError(fn: () => unknown, code: string, member?: string): FormatError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FormatError);
    const error = err as FormatError;
    expect(error.code).toBe(code);
    if (member !== undefined) {
      expect(error.member).toBe(member);
      expect(error.message).toContain(member);
    }
    return error;
  }
  throw new Error(`expected a FormatError ${code}`);
}

/** Rebuilds each disk from chunk events: what XAPI's importer would write. */
function rebuild(events: readonly XvaEvent[]): Map<string, Buffer> {
  const disks = new Map<string, Buffer>();
  const end = events.find((e) => e.type === 'end');
  if (end?.type !== 'end') throw new Error('no end event');
  for (const disk of end.disks) disks.set(disk.id, Buffer.alloc(disk.size));
  for (const event of events) if (event.type === 'chunk') event.data.copy(disks.get(event.disk)!, event.offset);
  return disks;
}

/** A hand-made tar member (header, body, padding). */
function member(name: string, body: Buffer | string): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
  return Buffer.concat([tarHeader(name, bytes.length), bytes, tarPadding(bytes.length)]);
}

/** A data member followed by its xxhash member. */
function chunk(name: string, data: Buffer): Buffer {
  return Buffer.concat([member(name, data), member(`${name}.xxhash`, xxh64Hex(data))]);
}

function sampleDisks(): { disks: XvaDiskSource[]; contents: Map<string, Buffer> } {
  const contents = new Map<string, Buffer>();
  const make = (id: string, size: number, nonZero: (i: number) => boolean): XvaDiskSource => {
    const content = Buffer.alloc(size);
    for (let i = 0; i * MIB < size; i++) if (nonZero(i)) pattern(i + id.length * 100, Math.min(MIB, size - i * MIB)).copy(content, i * MIB);
    contents.set(id, content);
    return { id, virtualSize: size, chunk: (i) => (nonZero(i) ? content.subarray(i * MIB, Math.min(size, (i + 1) * MIB)) : null) };
  };
  return {
    disks: [make('Ref:5', 6 * MIB + 4096, (i) => i % 3 === 1), make('Ref:10', 3 * MIB, (i) => i === 1), make('Ref:7', MIB, () => false)],
    contents,
  };
}

describe('XvaParser on the writer’s output', () => {
  it.each(['xxhash', 'sha1'] as const)('accepts %s exports and rebuilds every disk byte for byte', async (kind) => {
    const { disks, contents } = sampleDisks();
    const xva = await collect(xvaStream({ ovaXml: OVA, disks, checksum: kind }));
    const events = parseAll([xva]);
    expect(events[0]).toEqual({ type: 'ova', xml: OVA });
    const end = events.at(-1)!;
    expect(end.type === 'end' && end.checksum).toBe(kind);
    expect(end.type === 'end' && end.disks.map((d) => [d.id, d.size])).toEqual([
      ['Ref:10', 3 * MIB],
      ['Ref:5', 6 * MIB + 4096],
      ['Ref:7', MIB],
    ]);
    expect(end.type === 'end' && end.archiveBytes).toBe(xva.length);
    const rebuilt = rebuild(events);
    for (const [id, content] of contents) expect(rebuilt.get(id)!.equals(content)).toBe(true);
  });

  it('gives the same events however the stream is split', async () => {
    const { disks } = sampleDisks();
    const xva = await collect(xvaStream({ ovaXml: OVA, disks, checksum: 'xxhash' }));
    const summary = (events: XvaEvent[]): unknown[] =>
      events.map((e) => (e.type === 'chunk' ? [e.disk, e.index, e.offset, xxh64Hex(e.data)] : e));
    const whole = summary(parseAll([xva]));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: xva.length }), { maxLength: 20 }), (cuts) => {
        expect(summary(parseAll(splitAt(xva, cuts)))).toEqual(whole);
      }),
      { numRuns: 25 },
    );
  });

  it('computes offsets sequentially across keep-alive chunks', async () => {
    const content = Buffer.concat([0, 1, 2, 3, 4].map((i) => pattern(i + 1, MIB)));
    const disk: XvaDiskSource = {
      id: 'Ref:3',
      virtualSize: 5 * MIB,
      chunk: (i) => (i === 3 ? null : content.subarray(i * MIB, (i + 1) * MIB)),
      keepAliveBefore: (i) => i === 2,
    };
    content.fill(0, 3 * MIB, 4 * MIB);
    const events = parseAll([await collect(xvaStream({ ovaXml: OVA, disks: [disk], checksum: 'xxhash' }))]);
    const chunks = events.flatMap((e) => (e.type === 'chunk' ? [[e.index, e.offset, e.data.length]] : []));
    // Numbers 0 1 (2 = keep-alive) 3 (4 = zero chunk 3, skipped) 5: offsets do not follow number × 1 MiB.
    expect(chunks).toEqual([
      [0, 0, MIB],
      [1, MIB, MIB],
      [2, 2 * MIB, 0],
      [3, 2 * MIB, MIB],
      [5, 4 * MIB, MIB],
    ]);
    const end = events.at(-1)!;
    expect(end.type === 'end' && end.disks[0]).toMatchObject({ chunks: 5, keepAlives: 1, size: 5 * MIB });
    expect(rebuild(events).get('Ref:3')!.equals(content)).toBe(true);
  });

  it('checks the final disk sizes when given', async () => {
    const { disks } = sampleDisks();
    const xva = await collect(xvaStream({ ovaXml: OVA, disks, checksum: 'sha1' }));
    const sizes = { 'Ref:10': 3 * MIB, 'Ref:5': 6 * MIB + 4096, 'Ref:7': MIB };
    expect(parseAll([xva], { diskSizes: sizes }).at(-1)!.type).toBe('end');
    expectFormatError(() => parseAll([xva], { diskSizes: { ...sizes, 'Ref:5': 7 * MIB } }), 'XVA_DISK_SIZE', 'Ref:5');
    expectFormatError(() => parseAll([xva], { diskSizes: { ...sizes, 'Ref:9': MIB } }), 'XVA_DISK_SIZE', 'Ref:9');
  });

  it('reports the end once, from end()', () => {
    const parser = new XvaParser();
    expect(parser.feed(FIXTURE).some((e) => e.type === 'end')).toBe(false);
    expect(parser.end().map((e) => e.type)).toEqual(['end']);
    expect(parser.end()).toEqual([]);
  });

  it('works through parseXva on an async source', async () => {
    const { disks } = sampleDisks();
    const types: string[] = [];
    for await (const event of parseXva(xvaStream({ ovaXml: OVA, disks, checksum: 'xxhash' }))) types.push(event.type);
    expect(types[0]).toBe('ova');
    expect(types.at(-1)).toBe('end');
    expect(types.filter((t) => t === 'chunk')).toHaveLength(3 + 4 + 1); // Ref:10: 0 1 2; Ref:5: 0 1 4 6; Ref:7: 0
  });
});

describe('XvaParser on the real XenServer 5.6 export', () => {
  it('accepts it: legacy .checksum members, two all-zero chunks of disk Ref:20', () => {
    const events = parseAll([FIXTURE]);
    const ova = events[0];
    expect(ova?.type === 'ova' && ova.xml.startsWith('<value>')).toBe(true);
    expect(events.flatMap((e) => (e.type === 'chunk' ? [[e.member, e.offset, e.data.length, e.checksum]] : []))).toEqual([
      ['Ref:20/00000000', 0, MIB, 'sha1'],
      ['Ref:20/00000001', MIB, MIB, 'sha1'],
    ]);
    expect(events.at(-1)).toEqual({
      type: 'end',
      disks: [{ id: 'Ref:20', chunks: 2, keepAlives: 0, dataBytes: 2 * MIB, size: 2 * MIB }],
      checksum: 'sha1',
      archiveBytes: FIXTURE.length,
    });
  });
});

describe('XvaParser rejects', () => {
  const ova = member('ova.xml', OVA);
  const a0 = pattern(1, MIB);
  const a1 = pattern(2, MIB);

  it('a flipped byte in a chunk, naming the chunk', async () => {
    const xva = await collect(xvaStream({ ovaXml: OVA, checksum: 'xxhash', disks: [{ id: 'Ref:1', virtualSize: 2 * MIB, chunk: (i) => (i === 0 ? a0 : a1) }] }));
    const chunk1 = xva.indexOf(tarHeader('Ref:1/00000001', MIB));
    const broken = Buffer.from(xva);
    flip(broken, chunk1 + 512 + 12345, 0x40);
    const error = expectFormatError(() => parseAll([broken]), 'XVA_CHECKSUM_MISMATCH', 'Ref:1/00000001');
    expect(error.offset).toBe(chunk1);
    expect(error.message).toContain('Ref:1/00000001.xxhash');
  });

  it('a flipped byte in the legacy export, naming the chunk', () => {
    const broken = Buffer.from(FIXTURE);
    broken[26624 + 512 + MIB + 1024 + 512 + 7] = 1; // inside Ref:20/00000001
    expectFormatError(() => parseAll([broken]), 'XVA_CHECKSUM_MISMATCH', 'Ref:20/00000001');
  });

  it('a wrong checksum member, and a right one in the wrong case', () => {
    const wrong = Buffer.concat([ova, member('Ref:1/00000000', a0), member('Ref:1/00000000.xxhash', xxh64Hex(a1)), TAR_END]);
    expectFormatError(() => parseAll([wrong]), 'XVA_CHECKSUM_MISMATCH', 'Ref:1/00000000');
    const lower = Buffer.concat([ova, member('Ref:1/00000000', a0), member('Ref:1/00000000.xxhash', xxh64Hex(a0).toLowerCase()), TAR_END]);
    expectFormatError(() => parseAll([lower]), 'XVA_CHECKSUM_MISMATCH', 'Ref:1/00000000');
    const sha = Buffer.concat([ova, member('Ref:1/00000000', a0), member('Ref:1/00000000.checksum', sha1Hex(a1)), TAR_END]);
    expectFormatError(() => parseAll([sha]), 'XVA_CHECKSUM_MISMATCH', 'Ref:1/00000000');
  });

  it('a missing checksum member (before another chunk, and at the end), unless not required', () => {
    const between = Buffer.concat([ova, member('Ref:1/00000000', a0), chunk('Ref:1/00000001', a1), TAR_END]);
    const error = expectFormatError(() => parseAll([between]), 'XVA_CHECKSUM_MISSING', 'Ref:1/00000000');
    expect(error.message).toContain('found Ref:1/00000001');
    const atEnd = Buffer.concat([ova, chunk('Ref:1/00000000', a0), member('Ref:1/00000001', a1), TAR_END]);
    expectFormatError(() => parseAll([atEnd]), 'XVA_CHECKSUM_MISSING', 'Ref:1/00000001');
    const events = parseAll([between], { requireChecksums: false });
    expect(events.flatMap((e) => (e.type === 'chunk' ? [[e.member, e.checksum]] : []))).toEqual([
      ['Ref:1/00000000', null],
      ['Ref:1/00000001', 'xxhash'],
    ]);
  });

  it('a checksum member that does not follow its chunk', () => {
    const orphan = Buffer.concat([ova, chunk('Ref:1/00000000', a0), member('Ref:1/00000001.xxhash', xxh64Hex(a1)), TAR_END]);
    expectFormatError(() => parseAll([orphan]), 'XVA_CHECKSUM_ORPHAN', 'Ref:1/00000001.xxhash');
  });

  it('chunk numbers that do not increase', () => {
    const same = Buffer.concat([ova, chunk('Ref:1/00000001', a0), chunk('Ref:1/00000001', a1), TAR_END]);
    expectFormatError(() => parseAll([same]), 'XVA_CHUNK_ORDER', 'Ref:1/00000001');
    const back = Buffer.concat([ova, chunk('Ref:1/00000002', a0), chunk('Ref:1/00000001', a1), TAR_END]);
    expectFormatError(() => parseAll([back]), 'XVA_CHUNK_ORDER', 'Ref:1/00000001');
  });

  it('disks out of string order, or a disk coming back', () => {
    const numeric = Buffer.concat([ova, chunk('Ref:5/00000000', a0), chunk('Ref:10/00000000', a1), TAR_END]);
    expectFormatError(() => parseAll([numeric]), 'XVA_DISK_ORDER', 'Ref:10/00000000');
    const back = Buffer.concat([ova, chunk('Ref:1/00000000', a0), chunk('Ref:2/00000000', a1), chunk('Ref:1/00000001', a1), TAR_END]);
    expectFormatError(() => parseAll([back]), 'XVA_DISK_ORDER', 'Ref:1/00000001');
  });

  it('ova.xml not first', () => {
    const late = Buffer.concat([chunk('Ref:1/00000000', a0), ova, TAR_END]);
    expectFormatError(() => parseAll([late]), 'XVA_OVA_NOT_FIRST', 'Ref:1/00000000');
  });

  it('an archive without members', () => {
    expectFormatError(() => parseAll([TAR_END]), 'XVA_EMPTY');
  });

  it('unknown members', () => {
    const odd = Buffer.concat([ova, member('README', 'hello'), TAR_END]);
    expectFormatError(() => parseAll([odd]), 'XVA_UNEXPECTED_MEMBER', 'README');
  });

  it('a stream truncated anywhere', async () => {
    const { disks } = sampleDisks();
    const xva = await collect(xvaStream({ ovaXml: OVA, disks, checksum: 'xxhash' }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: xva.length - 1 }), fc.integer({ min: 0, max: xva.length }), (cut, split) => {
        const head = xva.subarray(0, cut);
        expectFormatError(() => parseAll(splitAt(head, [split])), 'TAR_TRUNCATED');
      }),
      { numRuns: 60 },
    );
    // Cut points that matter, with the member named when the cut is inside one.
    const chunk1 = xva.indexOf(tarHeader('Ref:10/00000001', MIB));
    expectFormatError(() => parseAll([xva.subarray(0, chunk1 + 512 + 1)]), 'TAR_TRUNCATED', 'Ref:10/00000001');
    expectFormatError(() => parseAll([xva.subarray(0, chunk1 + 512 + MIB + 512 + 3)]), 'TAR_TRUNCATED', 'Ref:10/00000001.xxhash');
    expectFormatError(() => parseAll([xva.subarray(0, 10)]), 'TAR_TRUNCATED');
    expectFormatError(() => parseAll([xva.subarray(0, 0)]), 'TAR_TRUNCATED');
  });

  it('missing end blocks', () => {
    const body = Buffer.concat([ova, chunk('Ref:1/00000000', a0)]);
    expect(expectFormatError(() => parseAll([body]), 'TAR_TRUNCATED').message).toContain('end-of-archive blocks are missing');
    expect(expectFormatError(() => parseAll([Buffer.concat([body, Buffer.alloc(512)])]), 'TAR_TRUNCATED').message).toContain(
      'only one',
    );
  });

  it('a corrupted tar header, naming its offset', async () => {
    const xva = Buffer.from(FIXTURE);
    xva[26624 + 124 + 3] = 0x37; // the size field of Ref:20/00000000
    expect(expectFormatError(() => parseAll([xva]), 'TAR_HEADER_CHECKSUM').offset).toBe(26624);
  });
});

describe('XvaParser gaps', () => {
  it('fills a gap with zeros of the first chunk’s length × missing chunks', () => {
    const ova = member('ova.xml', OVA);
    const a = pattern(1, MIB);
    const b = pattern(2, MIB);
    const events = parseAll([Buffer.concat([ova, chunk('Ref:1/00000000', a), chunk('Ref:1/00000003', b), TAR_END])]);
    expect(events.flatMap((e) => (e.type === 'chunk' ? [e.offset] : []))).toEqual([0, 3 * MIB]);
  });

  it('uses the first chunk of the whole archive for that length, like XAPI’s importer', () => {
    const ova = member('ova.xml', OVA);
    const small = pattern(1, 1000); // a first disk of 1000 bytes
    const b = pattern(2, MIB);
    const events = parseAll([Buffer.concat([ova, chunk('Ref:1/00000000', small), chunk('Ref:2/00000000', b), chunk('Ref:2/00000002', b), TAR_END])]);
    expect(events.flatMap((e) => (e.type === 'chunk' ? [[e.disk, e.offset]] : []))).toEqual([
      ['Ref:1', 0],
      ['Ref:2', 0],
      ['Ref:2', MIB + 1000],
    ]);
  });
});
