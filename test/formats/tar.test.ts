import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/formats/errors.js';
import { TAR_END, tarHeader, tarPadding, type TarEntry } from '../../src/formats/tar-header.js';
import { TarParser } from '../../src/formats/tar-parser.js';
import { flip, pattern, run, splitAt, testTempDir } from './helpers.js';

const FIXTURE = readFileSync(new URL('../fixtures/xva/vmexport.bin', import.meta.url));

interface Member {
  name: string;
  size: number;
  offset: number;
  body: Buffer;
}

/** Parses `parts` in order with our TarParser, returning members with their bodies reassembled. */
function parseAll(parts: readonly Buffer[]): { members: Member[]; endOffset: number | undefined } {
  const members: Member[] = [];
  let bodies: Buffer[] = [];
  let endOffset: number | undefined;
  const parser = new TarParser({
    header: () => {
      bodies = [];
    },
    data: (slice) => bodies.push(Buffer.from(slice)),
    memberEnd: (entry: TarEntry) => members.push({ name: entry.name, size: entry.size, offset: entry.offset, body: Buffer.concat(bodies) }),
    end: (offset) => {
      endOffset = offset;
    },
  });
  for (const part of parts) parser.feed(part);
  parser.end();
  return { members, endOffset };
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

describe('tarHeader', () => {
  it('writes the ova.xml header byte for byte as the real XenServer export has it', () => {
    expect(tarHeader('ova.xml', 26014).equals(FIXTURE.subarray(0, 512))).toBe(true);
  });

  it('writes the chunk and checksum headers byte for byte as the real export has them', () => {
    const chunk0 = 512 + 26014 + tarPadding(26014).length;
    expect(tarHeader('Ref:20/00000000', 1048576).equals(FIXTURE.subarray(chunk0, chunk0 + 512))).toBe(true);
    const checksum0 = chunk0 + 512 + 1048576;
    expect(tarHeader('Ref:20/00000000.checksum', 40).equals(FIXTURE.subarray(checksum0, checksum0 + 512))).toBe(true);
  });

  it('uses a NUL typeflag, no ustar magic, mode/uid/gid/mtime 0, and GNU tar lists it as a regular file', () => {
    const header = tarHeader('Ref:5/00000001', 1234);
    expect(header[156]).toBe(0);
    expect(header.subarray(257, 265).every((b) => b === 0)).toBe(true);
    expect(header.toString('latin1', 100, 108)).toBe('0000000\0');
    const dir = testTempDir('tarhdr');
    const file = join(dir, 'one.tar');
    writeFileSync(file, Buffer.concat([header, pattern(1, 1234), tarPadding(1234), TAR_END]));
    const listing = run('tar', ['-tvf', file]).stdout.toString('utf8');
    expect(listing).toMatch(/^---------- 0\/0 +1234 1970-01-01 00:00 Ref:5\/00000001\n$/u);
  });

  it('rejects names that do not fit a V7 header', () => {
    expect(() => tarHeader('x'.repeat(101), 1)).toThrow(RangeError);
    expect(() => tarHeader('', 1)).toThrow(RangeError);
  });

  it('TAR_END is exactly two zero blocks and padding completes 512-byte blocks', () => {
    expect(TAR_END.length).toBe(1024);
    expect(TAR_END.every((b) => b === 0)).toBe(true);
    expect(tarPadding(0).length).toBe(0);
    expect(tarPadding(1).length).toBe(511);
    expect(tarPadding(512).length).toBe(0);
    expect(tarPadding(40).length).toBe(472);
  });
});

describe('TarParser', () => {
  it('reads the real XenServer export: members, sizes, offsets and bodies', () => {
    const { members, endOffset } = parseAll([FIXTURE]);
    expect(members.map((m) => [m.name, m.size])).toEqual([
      ['ova.xml', 26014],
      ['Ref:20/00000000', 1048576],
      ['Ref:20/00000000.checksum', 40],
      ['Ref:20/00000001', 1048576],
      ['Ref:20/00000001.checksum', 40],
    ]);
    expect(members[0]!.body.toString('utf8', 0, 7)).toBe('<value>');
    expect(members[1]!.offset).toBe(26624);
    expect(members[2]!.body.toString('latin1')).toBe('3b71f43ff30f4b15b5cd85dd9e95ebc7e84eb5a3');
    expect(endOffset).toBe(FIXTURE.length - 1024);
  });

  it('gives the same members however the input is split', () => {
    const whole = parseAll([FIXTURE]).members;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: FIXTURE.length }), { maxLength: 12 }), (cuts) => {
        const split = parseAll(splitAt(FIXTURE, cuts)).members;
        expect(split.map((m) => [m.name, m.offset, m.body.length])).toEqual(whole.map((m) => [m.name, m.offset, m.body.length]));
        split.forEach((m, i) => expect(m.body.equals(whole[i]!.body)).toBe(true));
      }),
      { numRuns: 40 },
    );
  });

  it('reads a ustar archive written by GNU tar, with zero padding to a 10 KiB record', () => {
    const dir = testTempDir('gnutar');
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'a.bin'), pattern(7, 3000));
    writeFileSync(join(dir, 'src', 'empty'), '');
    const archive = run('tar', ['--format=ustar', '-cf', '-', '-C', join(dir, 'src'), 'a.bin', 'empty']).stdout;
    expect(archive.length % 10240).toBe(0);
    const { members } = parseAll([archive]);
    expect(members.map((m) => [m.name, m.size])).toEqual([
      ['a.bin', 3000],
      ['empty', 0],
    ]);
    expect(members[0]!.body.equals(pattern(7, 3000))).toBe(true);
  });

  it('rejects a header with a bad checksum, naming its offset', () => {
    const broken = Buffer.from(FIXTURE);
    flip(broken, 26624 + 3, 0x01); // in the name of Ref:20/00000000
    const error = expectFormatError(() => parseAll([broken]), 'TAR_HEADER_CHECKSUM');
    expect(error.offset).toBe(26624);
    expect(error.message).toContain('offset 26624');
  });

  it('reports truncation inside a member with its name and offset', () => {
    const cut = 26624 + 512 + 1000;
    const error = expectFormatError(() => parseAll([FIXTURE.subarray(0, cut)]), 'TAR_TRUNCATED');
    expect(error.member).toBe('Ref:20/00000000');
    expect(error.message).toContain(`offset ${cut}`);
    expect(error.message).toContain('1000 of 1048576 bytes');
  });

  it('reports missing end blocks, and a single one', () => {
    expect(expectFormatError(() => parseAll([FIXTURE.subarray(0, FIXTURE.length - 1024)]), 'TAR_TRUNCATED').message).toContain(
      'end-of-archive blocks are missing',
    );
    expect(expectFormatError(() => parseAll([FIXTURE.subarray(0, FIXTURE.length - 512)]), 'TAR_TRUNCATED').message).toContain(
      'only one of the two',
    );
    expect(expectFormatError(() => parseAll([FIXTURE.subarray(0, FIXTURE.length - 700)]), 'TAR_TRUNCATED').message).toContain(
      'inside a tar header',
    );
  });

  it('rejects a lone zero block followed by a member, and data after the end', () => {
    const member = Buffer.concat([tarHeader('a', 1), Buffer.alloc(512)]);
    const lone = Buffer.concat([member, Buffer.alloc(512), member, TAR_END]);
    expectFormatError(() => parseAll([lone]), 'TAR_LONE_ZERO_BLOCK');
    const trailing = Buffer.concat([member, TAR_END, Buffer.alloc(100), Buffer.from('x')]);
    expect(expectFormatError(() => parseAll([trailing]), 'TAR_TRAILING_DATA').offset).toBe(member.length + 1024 + 100);
    // Trailing zeros are fine (GNU tar pads to a record).
    expect(parseAll([Buffer.concat([member, TAR_END, Buffer.alloc(9216)])]).members).toHaveLength(1);
  });

  it('keeps failing after the first error', () => {
    const parser = new TarParser({ header: () => {}, data: () => {}, memberEnd: () => {}, end: () => {} });
    expect(() => parser.feed(Buffer.alloc(512, 1))).toThrow(FormatError);
    expect(() => parser.feed(TAR_END)).toThrow(FormatError);
    expect(() => parser.end()).toThrow(FormatError);
  });
});
