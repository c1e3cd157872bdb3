import { describe, expect, it } from 'vitest';
import { chunkDigestOfParts, RunningDigest, sha1Hex, xxh64Hex } from '../../src/formats/checksums.js';
import { pattern } from './helpers.js';

const MIB_ZEROS = Buffer.alloc(1024 * 1024);

describe('xxh64Hex', () => {
  it('matches the reference vectors, in XAPI’s %016LX spelling', () => {
    expect(xxh64Hex(Buffer.alloc(0))).toBe('EF46DB3751D8E999');
    expect(xxh64Hex(MIB_ZEROS)).toBe('87D2A1B6E1163EF1');
    expect(xxh64Hex(Buffer.from('abc'))).toBe('44BC2CF5AD770999');
  });

  it('hashes only the bytes of a view, not its whole backing buffer', () => {
    const backing = Buffer.from('xxabcxx');
    expect(xxh64Hex(backing.subarray(2, 5))).toBe('44BC2CF5AD770999');
  });

  it('pads small values to 16 digits', () => {
    // Any digest must be 16 characters whatever its leading zeros: check a spread of inputs.
    for (let i = 0; i < 200; i++) expect(xxh64Hex(Buffer.from([i, i >> 3]))).toMatch(/^[0-9A-F]{16}$/u);
  });
});

describe('sha1Hex', () => {
  it('matches the reference vector, lowercase', () => {
    expect(sha1Hex(MIB_ZEROS)).toBe('3b71f43ff30f4b15b5cd85dd9e95ebc7e84eb5a3');
    expect(sha1Hex(Buffer.from('abc'))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
  });
});

describe('RunningDigest', () => {
  it('gives the one-shot digests while other digests and one-shot hashes interleave with it', () => {
    const a = pattern(11, 3 * 65536 + 17);
    const b = pattern(12, 2 * 65536 + 5);
    const da = new RunningDigest(['xxhash', 'sha1']);
    const db = new RunningDigest(['xxhash']);
    const pieces = (buf: Buffer) => [buf.subarray(0, 65536), buf.subarray(65536, 2 * 65536), buf.subarray(2 * 65536)];
    const [a1, a2, a3] = pieces(a);
    const [b1, b2, b3] = pieces(b);
    da.update(a1!);
    db.update(b1!);
    const between = xxh64Hex(b); // a one-shot use of the shared instance in the middle
    da.update(a2!);
    da.update(a3!);
    db.update(b2!);
    expect(chunkDigestOfParts('xxhash', [a1!, a2!])).toBe(xxh64Hex(Buffer.concat([a1!, a2!])));
    db.update(b3!);
    expect(da.digests()).toEqual({ xxhash: xxh64Hex(a), sha1: sha1Hex(a) });
    expect(db.digests()).toEqual({ xxhash: between });
  });
});
