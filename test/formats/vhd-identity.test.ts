import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/formats/errors.js';
import { VhdIdentityRewriter, type VhdIdentity } from '../../src/formats/vhd-identity.js';
import { VhdParser, type VhdEvent } from '../../src/formats/vhd-parser.js';
import { vhdChecksum } from '../../src/formats/vhd-structs.js';
import { expectedRaw, layer, layerBytes, MIB, xapiShapedBytes } from '../chain/vhd-build.js';
import { run, splitAt, tempDir } from './helpers.js';

const dir = tempDir('vhd-identity');
const XAPI_RANDOM = '0a0a0a0a-0b0b-4c0c-8d0d-0e0e0e0e0e0e';
const SM_PARENT = 'ab000000-0000-4000-8000-000000000000';
const SNAPSHOT = '3c1d2e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5';
const BASE_SNAPSHOT = 'f5e4d3c2-b1a0-4f9e-8d7c-6b5a4f3e2d1c';

/** Feeds `parts` through a rewriter and returns everything it gave back, joined. */
function rewrite(identity: VhdIdentity, parts: readonly Buffer[]): Buffer {
  const rewriter = new VhdIdentityRewriter(identity);
  const out: Buffer[] = [];
  for (const part of parts) out.push(...rewriter.push(part));
  out.push(...rewriter.end());
  return Buffer.concat(out);
}

function parse(bytes: Buffer): VhdEvent[] {
  const parser = new VhdParser();
  return [...parser.feed(bytes), ...parser.end()];
}

function uuidAt(bytes: Buffer, at: number): string {
  const hex = bytes.toString('hex', at, at + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Pieces of random sizes, many of them 1 byte, some across the head and the tail. */
function randomPieces(bytes: Buffer, seed: number): Buffer[] {
  let x = seed >>> 0 || 1;
  const next = (n: number): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
  const cuts: number[] = [];
  for (let at = 0; at < bytes.length; ) {
    const near = at < 2100 || at > bytes.length - 1100;
    at += near ? 1 + next(40) : 1 + next(900_000);
    cuts.push(at);
  }
  for (let i = 0; i < 200; i++) cuts.push(bytes.length - 1 - i); // 1-byte pieces at the very end
  return splitAt(bytes, cuts);
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

describe('VhdIdentityRewriter', () => {
  it('gives a full its snapshot uuid: same length, both footers identical, qemu-img and our parser read it', async () => {
    const l = layer(XAPI_RANDOM, 9 * MIB, { 0: 1, 4: 2 });
    const input = await layerBytes(l);
    const out = rewrite({ uuid: SNAPSHOT }, randomPieces(input, 17));
    expect(out.length).toBe(input.length);
    expect(uuidAt(out, 68)).toBe(SNAPSHOT);
    expect(out.subarray(out.length - 512).equals(out.subarray(0, 512))).toBe(true);
    // Only the uuid and the footer checksum changed, in both footers.
    const changed: number[] = [];
    for (let i = 0; i < out.length; i++) if (out[i] !== input[i]) changed.push(i % (out.length - 512));
    expect(changed.every((i) => (i >= 64 && i < 68) || (i >= 68 && i < 84))).toBe(true);

    const events = parse(out);
    expect(events[0]).toMatchObject({ type: 'start' });
    expect(uuidAt((events[0] as Extract<VhdEvent, { type: 'start' }>).footer.uuid, 0)).toBe(SNAPSHOT);
    expect(events.at(-1)).toMatchObject({ type: 'end', blocks: 2 });

    const file = join(dir, 'full.vhd');
    writeFileSync(file, out);
    const info = run('qemu-img', ['info', '--output=json', '-f', 'vpc', file]);
    expect(info.stderr).toBe('');
    expect(JSON.parse(info.stdout.toString('utf8'))).toMatchObject({ format: 'vpc' });
    const raw = join(dir, 'full.raw');
    run('qemu-img', ['convert', '--image-opts', `driver=vpc,force_size_calc=current_size,file.filename=${file}`, '-O', 'raw', raw]);
    expect(run('cmp', [raw, '-'], { input: expectedRaw([l]) }).status).toBe(0);
  });

  it('gives an XAPI-shaped differencing disk (BAT at 2048) its uuid and parent uuid, both checksums recomputed', async () => {
    const l = layer(XAPI_RANDOM, 6 * MIB, { 1: 3, 2: 4 }, SM_PARENT);
    const input = xapiShapedBytes(l);
    const identity = { uuid: SNAPSHOT, parentUuid: BASE_SNAPSHOT };
    const out = rewrite(identity, randomPieces(input, 99));
    expect(out.length).toBe(input.length);
    expect(uuidAt(out, 68)).toBe(SNAPSHOT);
    expect(uuidAt(out, 512 + 40)).toBe(BASE_SNAPSHOT);
    expect(out.readUInt32BE(64)).toBe(vhdChecksum(out.subarray(0, 512), 64));
    expect(out.readUInt32BE(512 + 36)).toBe(vhdChecksum(out.subarray(512, 1536), 36));
    expect(out.subarray(out.length - 512).equals(out.subarray(0, 512))).toBe(true);
    expect(out.subarray(1536).subarray(0, -512).equals(input.subarray(1536).subarray(0, -512))).toBe(true);

    const start = parse(out)[0] as Extract<VhdEvent, { type: 'start' }>;
    expect(start.footer.diskType).toBe(4);
    expect(uuidAt(start.header.parentUuid, 0)).toBe(BASE_SNAPSHOT);
    expect(start.header.tableOffset).toBe(2048);

    const file = join(dir, 'diff.vhd');
    writeFileSync(file, out);
    const info = run('qemu-img', ['info', '--output=json', '-f', 'vpc', file]);
    expect(info.stderr).toBe('');
  });

  it('gives the same bytes whatever the pieces (1-byte pieces, random cuts, one piece)', async () => {
    const input = xapiShapedBytes(layer(XAPI_RANDOM, 4 * MIB + 512, { 0: 7, 2: 8 }, SM_PARENT));
    const identity = { uuid: SNAPSHOT, parentUuid: BASE_SNAPSHOT };
    const whole = rewrite(identity, [input]);
    const head = input.subarray(0, 4096);
    const tail = input.subarray(input.length - 2048);
    const oneByte = (b: Buffer): Buffer[] => [...b].map((v) => Buffer.from([v]));
    expect(rewrite(identity, [...oneByte(head), input.subarray(4096, input.length - 2048), ...oneByte(tail)]).equals(whole)).toBe(true);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: input.length }), { maxLength: 30 }), (cuts) => {
        expect(rewrite(identity, splitAt(input, cuts)).equals(whole)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('copies what it holds back: the caller may reuse its buffer after push', async () => {
    const input = await layerBytes(layer(XAPI_RANDOM, 4 * MIB, { 1: 5 }));
    const rewriter = new VhdIdentityRewriter({ uuid: SNAPSHOT });
    const out: Buffer[] = [];
    const scratch = Buffer.alloc(1000);
    for (let at = 0; at < input.length; at += scratch.length) {
      const n = input.copy(scratch, 0, at);
      for (const piece of rewriter.push(scratch.subarray(0, n))) out.push(Buffer.from(piece)); // the writer copies before the next read
      scratch.fill(0xee);
    }
    out.push(...rewriter.end());
    expect(Buffer.concat(out).equals(rewrite({ uuid: SNAPSHOT }, [input]))).toBe(true);
  });

  it('refuses a stream that is not a VHD, at its first 512 bytes', () => {
    const rewriter = new VhdIdentityRewriter({ uuid: SNAPSHOT });
    expect(rewriter.push(Buffer.from('HTTP/1.1 200 OK\r\n'))).toEqual([]);
    expectFormatError(() => rewriter.push(Buffer.alloc(600, 0x41)), 'VHD_FOOTER_COOKIE');
    expectFormatError(() => rewriter.end(), 'VHD_FOOTER_COOKIE'); // stays failed
  });

  it('refuses a parent uuid for a dynamic disk, and a differencing disk without one', async () => {
    const full = await layerBytes(layer(XAPI_RANDOM, 4 * MIB, { 0: 1 }));
    const err = expectFormatError(() => rewrite({ uuid: SNAPSHOT, parentUuid: BASE_SNAPSHOT }, [full]), 'VHD_IDENTITY');
    expect(err.message).toContain('not a differencing disk');
    const diff = xapiShapedBytes(layer(XAPI_RANDOM, 4 * MIB, { 0: 1 }, SM_PARENT));
    expectFormatError(() => rewrite({ uuid: SNAPSHOT }, [diff]), 'VHD_IDENTITY');
  });

  it('refuses a stream cut short (its end is not the footer it began with), and one cut inside its head', async () => {
    const input = await layerBytes(layer(XAPI_RANDOM, 4 * MIB, { 0: 1, 1: 2 }));
    const cut = input.subarray(0, input.length - 700_000);
    const err = expectFormatError(() => rewrite({ uuid: SNAPSHOT }, [cut]), 'VHD_FOOTER_MISMATCH');
    expect(err.message).toContain(`ended at offset ${cut.length}`);
    expectFormatError(() => rewrite({ uuid: SNAPSHOT }, [input.subarray(0, 1000)]), 'VHD_TRUNCATED');
    // A damaged header checksum is not silently recomputed.
    const damaged = Buffer.from(input);
    damaged[512 + 300] = damaged[512 + 300]! ^ 1;
    expectFormatError(() => rewrite({ uuid: SNAPSHOT }, [damaged]), 'VHD_HEADER_CHECKSUM');
  });
});
