import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { VmbackupError } from '../../src/errors.js';
import { detectCompression, gunzipStream, gzipStream } from '../../src/formats/compression.js';
import { FormatError } from '../../src/formats/errors.js';
import { XvaParser } from '../../src/formats/xva-parser.js';
import { xvaReadable, type XvaWriterOptions } from '../../src/formats/xva-writer.js';
import { zstdCompressStream, zstdDecompressStream, ZSTD_MISSING_MESSAGE } from '../../src/formats/zstd.js';
import { collect, pattern, run, tempDir } from './helpers.js';

const MIB = 1024 * 1024;
const dir = tempDir('compress');

function sampleXva(): XvaWriterOptions {
  const chunks = [pattern(1, MIB), null, Buffer.alloc(MIB, 7), pattern(4, MIB), null];
  return { ovaXml: '<value/>', checksum: 'xxhash', disks: [{ id: 'Ref:2', virtualSize: 5 * MIB, chunk: (i) => chunks[i] ?? null }] };
}

describe.each([
  { name: 'gzip', compress: () => gzipStream(), decompress: () => gunzipStream(), test: ['gzip', '-t'], magic: 'gzip' },
  { name: 'zstd', compress: () => zstdCompressStream(), decompress: () => zstdDecompressStream(), test: ['zstd', '-q', '-t'], magic: 'zstd' },
] as const)('$name', ({ name, compress, decompress, test, magic }) => {
  const plainFile = join(dir, `plain-${name}.xva`);
  const packedFile = join(dir, `export.xva.${name}`);

  it('compresses an XVA into a file the command-line tool accepts', async () => {
    await pipeline(xvaReadable(sampleXva()), createWriteStream(plainFile));
    await pipeline(xvaReadable(sampleXva()), compress(), createWriteStream(packedFile));
    run(test[0], [...test.slice(1), packedFile]);
    const packed = readFileSync(packedFile);
    expect(packed.length).toBeLessThan(readFileSync(plainFile).length);
    expect(detectCompression(packed)).toBe(magic);
  });

  it('decompresses back to the same bytes, which still verify as an XVA', async () => {
    const restored = await collect(Readable.from([readFileSync(packedFile)]).pipe(decompress()));
    expect(restored.equals(readFileSync(plainFile))).toBe(true);
    const parser = new XvaParser();
    parser.feed(restored);
    expect(parser.end().at(-1)!.type).toBe('end');
  });

  it('decompresses what the command-line tool compressed', async () => {
    const packed = run(name, ['-c', plainFile]).stdout;
    expect((await collect(Readable.from([packed]).pipe(decompress()))).equals(readFileSync(plainFile))).toBe(true);
  });
});

describe('zstd streams', () => {
  it('reports corrupt input as an error on the stream', async () => {
    const garbage = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(1000, 0x55)]);
    const error = await collect(Readable.from([garbage]).pipe(zstdDecompressStream())).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).code).toBe('ZSTD_CORRUPT');
  });

  it('says how to install zstd when the program is missing', async () => {
    const stream = zstdCompressStream({ program: join(dir, 'no-such-zstd') });
    const error = await collect(Readable.from([Buffer.from('x')]).pipe(stream)).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(VmbackupError);
    expect((error as VmbackupError).message).toBe(ZSTD_MISSING_MESSAGE);
    expect(ZSTD_MISSING_MESSAGE).toBe('zstd compression needs the zstd program: apt install zstd');
  });

  it('honours the level and handles an empty input', async () => {
    const data = Buffer.concat([pattern(3, 200_000), Buffer.alloc(800_000)]);
    const fast = await collect(Readable.from([data]).pipe(zstdCompressStream({ level: 1 })));
    const small = await collect(Readable.from([data]).pipe(zstdCompressStream({ level: 19 })));
    expect(small.length).toBeLessThanOrEqual(fast.length);
    expect(run('zstd', ['-d', '-c'], { input: small }).stdout.equals(data)).toBe(true);
    const empty = await collect(Readable.from([Buffer.alloc(0)]).pipe(zstdCompressStream()));
    expect((await collect(Readable.from([empty]).pipe(zstdDecompressStream()))).length).toBe(0);
    expect(() => zstdCompressStream({ level: 0 })).toThrow(RangeError);
  });

  it('keeps backpressure: a large input streams through without loss', async () => {
    const parts = Array.from({ length: 64 }, (_, i) => pattern(i + 1, 256 * 1024));
    const packed = await collect(Readable.from(parts).pipe(zstdCompressStream()));
    const restored = await collect(Readable.from([packed]).pipe(zstdDecompressStream()));
    expect(restored.equals(Buffer.concat(parts))).toBe(true);
  });
});

describe('detectCompression', () => {
  it('recognises the magics and nothing else', () => {
    expect(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0]))).toBe('zstd');
    expect(detectCompression(Buffer.from([0x1f, 0x8b, 8]))).toBe('gzip');
    expect(detectCompression(Buffer.from('ova.xml'))).toBe('none');
    expect(detectCompression(Buffer.from('conectix'))).toBe('none');
    expect(detectCompression(Buffer.from([0x28, 0xb5]))).toBe('none');
    expect(detectCompression(Buffer.alloc(0))).toBe('none');
  });
});
