/**
 * The parsers' verify-only mode (keepData: false), used by the backup engine, whose network
 * reads land in one reused buffer: everything must be checked as it passes, and nothing of a
 * fed buffer may be read after `feed` returns.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sha1Hex, xxh64Hex } from '../../src/formats/checksums.js';
import { FormatError } from '../../src/formats/errors.js';
import { TAR_END, tarHeader, tarPadding } from '../../src/formats/tar-header.js';
import { VhdParser } from '../../src/formats/vhd-parser.js';
import { vhdStream } from '../../src/formats/vhd-writer.js';
import { XvaParser } from '../../src/formats/xva-parser.js';
import { xvaStream } from '../../src/formats/xva-writer.js';
import { collect, flip, pattern } from './helpers.js';

const FIXTURE = readFileSync(new URL('../fixtures/xva/vmexport.bin', import.meta.url));

/**
 * Feeds `data` as a network socket with one reused buffer would: each piece is copied into the
 * same buffer, fed, and the buffer is then scribbled over, so a parser that kept a view of it
 * sees garbage.
 */
function feedThroughOneBuffer(feed: (b: Buffer) => unknown, data: Buffer, piece: number): void {
  const buffer = Buffer.alloc(piece);
  for (let at = 0; at < data.length; at += piece) {
    const n = data.copy(buffer, 0, at, at + piece);
    feed(buffer.subarray(0, n));
    buffer.fill(0xa5);
  }
}

function member(name: string, body: Buffer | string): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
  return Buffer.concat([tarHeader(name, bytes.length), bytes, tarPadding(bytes.length)]);
}

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof FormatError ? err.code : String(err);
  }
  return undefined;
}

describe('XvaParser with keepData: false', () => {
  const written = () => collect(xvaStream({ ovaXml: '<value/>', checksum: 'xxhash', disks: [{ id: 'Ref:1', virtualSize: 3 * 2 ** 20, chunk: (i: number) => pattern(i + 1, 2 ** 20) }] }));

  it.each([4096, 65_537, 2 ** 20])('verifies every chunk through one reused buffer of %i bytes (xxhash and legacy sha1)', async (piece) => {
    for (const data of [await written(), FIXTURE]) {
      const parser = new XvaParser({ keepData: false });
      let chunks = 0;
      feedThroughOneBuffer((b) => (chunks += parser.feed(b).filter((e) => e.type === 'chunk').length), data, piece);
      parser.end();
      expect(chunks).toBeGreaterThan(0);
    }
  });

  it('keeps its own copy of the small members (ova.xml, checksums) that straddle pieces', () => {
    const a = pattern(3, 1000);
    const b = pattern(4, 1000);
    const archive = Buffer.concat([
      member('ova.xml', '<value><struct><member><name>a</name></member></struct></value>'),
      member('Ref:1/00000000', a),
      member('Ref:1/00000000.xxhash', xxh64Hex(a)),
      member('Ref:1/00000001', b),
      member('Ref:1/00000001.xxhash', xxh64Hex(b)),
      TAR_END,
    ]);
    const parser = new XvaParser({ keepData: false });
    const events: string[] = [];
    feedThroughOneBuffer((piece) => events.push(...parser.feed(piece).map((e) => (e.type === 'ova' ? e.xml : e.type))), archive, 5);
    expect(events).toEqual(['<value><struct><member><name>a</name></member></struct></value>', 'chunk', 'chunk']);
  });

  it('still finds a flipped byte, with pieces that split chunks anywhere', async () => {
    const data = Buffer.from(FIXTURE);
    flip(data, 1536 + 700_000);
    const parser = new XvaParser({ keepData: false });
    expect(codeOf(() => feedThroughOneBuffer((b) => parser.feed(b), data, 10_007))).toBe('XVA_CHECKSUM_MISMATCH');
  });

  it('refuses an archive that switches checksum kinds (XAPI never writes one)', () => {
    const a = pattern(7, 1024);
    const b = pattern(8, 1024);
    const archive = Buffer.concat([
      member('ova.xml', '<value/>'),
      member('Ref:1/00000000', a),
      member('Ref:1/00000000.xxhash', xxh64Hex(a)),
      member('Ref:1/00000001', b),
      member('Ref:1/00000001.checksum', sha1Hex(b)),
      TAR_END,
    ]);
    expect(new XvaParser({ keepData: true }).feed(archive).filter((e) => e.type === 'chunk')).toHaveLength(2);
    expect(codeOf(() => new XvaParser({ keepData: false }).feed(archive))).toBe('XVA_CHECKSUM_KIND_CHANGED');
  });
});

describe('VhdParser with keepData: false', () => {
  it('verifies a VHD through one reused buffer, and still finds a damaged trailing footer', async () => {
    const size = 6 * 2 ** 20;
    const vhd = await collect(vhdStream({ size, uuid: '3f1c0a52-7a43-4a6e-9d11-6d1c2b7e8f90', block: (i) => (i === 0 || i === 2 ? pattern(i + 1, 2 ** 21) : null) }));
    const parser = new VhdParser({ keepData: false });
    const blocks: number[] = [];
    feedThroughOneBuffer((b) => blocks.push(...parser.feed(b).flatMap((e) => (e.type === 'block' ? [e.index] : []))), vhd, 65_536);
    expect(parser.end().map((e) => e.type)).toEqual(['end']);
    expect(blocks).toEqual([0, 2]);

    const damaged = Buffer.from(vhd);
    flip(damaged, damaged.length - 100);
    const again = new VhdParser({ keepData: false });
    expect(
      codeOf(() => {
        feedThroughOneBuffer((b) => again.feed(b), damaged, 65_536);
        again.end();
      }),
    ).toMatch(/^VHD_/);
  });
});
