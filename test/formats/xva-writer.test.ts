import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chunkDigest, PrefixDigest, type ChecksumKind } from '../../src/formats/checksums.js';
import { estimateXvaSize, XVA_CHUNK_SIZE } from '../../src/formats/xva-names.js';
import { xvaStream, type XvaDiskSource } from '../../src/formats/xva-writer.js';
import { collect, pattern, run, tempDir, testTempDir } from './helpers.js';

const MIB = XVA_CHUNK_SIZE;
const OVA = '<value><struct><member><name>version</name><value>test</value></member></struct></value>';

/**
 * Two disks whose ids sort differently as strings and as numbers, covering: null and explicit
 * all-zero chunks in the middle (skipped), a null first chunk and a null short last chunk (both
 * kept, as zeros).
 */
function sampleDisks(): { disks: XvaDiskSource[]; contents: Map<string, Buffer> } {
  const ref5Size = 5 * MIB + 1000;
  const ref5: (Buffer | null)[] = [pattern(50, MIB), null, Buffer.alloc(MIB), pattern(53, MIB), null, null];
  const ref10: (Buffer | null)[] = [null, pattern(101, MIB), pattern(102, MIB)];
  const contents = new Map<string, Buffer>();
  const disk = (id: string, size: number, chunks: (Buffer | null)[]): XvaDiskSource => {
    contents.set(id, Buffer.concat(chunks.map((c, i) => c ?? Buffer.alloc(Math.min(MIB, size - i * MIB)))));
    return { id, virtualSize: size, chunk: (i) => chunks[i] ?? null };
  };
  return { disks: [disk('Ref:5', ref5Size, ref5), disk('Ref:10', 3 * MIB, ref10)], contents };
}

/** Member names and sizes the writer must produce for sampleDisks(), in order. */
function expectedMembers(kind: ChecksumKind): [string, number][] {
  const ext = kind === 'xxhash' ? '.xxhash' : '.checksum';
  const digest = kind === 'xxhash' ? 16 : 40;
  const chunk = (name: string, size: number): [string, number][] => [
    [name, size],
    [name + ext, digest],
  ];
  return [
    ['ova.xml', Buffer.byteLength(OVA)],
    ...chunk('Ref:10/00000000', MIB),
    ...chunk('Ref:10/00000001', MIB),
    ...chunk('Ref:10/00000002', MIB),
    ...chunk('Ref:5/00000000', MIB),
    ...chunk('Ref:5/00000003', MIB),
    ...chunk('Ref:5/00000005', 1000),
  ];
}

/** `tar -tvf` → [name, size] pairs, checking every member is a regular file with mode 0, 0/0, epoch. */
function listWithGnuTar(file: string): [string, number][] {
  const lines = run('tar', ['-tvf', file]).stdout.toString('utf8').trimEnd().split('\n');
  return lines.map((line) => {
    const match = /^---------- 0\/0 +(\d+) 1970-01-01 00:00 (.+)$/u.exec(line);
    if (match === null) throw new Error(`unexpected tar -tv line: ${line}`);
    return [match[2]!, Number(match[1])];
  });
}

describe.each(['xxhash', 'sha1'] as const)('xvaStream with %s checksums', (kind) => {
  const dir = tempDir(`xva-${kind}`);
  const file = join(dir, 'export.xva');

  it('produces members in XAPI’s order, as GNU tar lists them', async () => {
    const { disks } = sampleDisks();
    writeFileSync(file, await collect(xvaStream({ ovaXml: OVA, disks, checksum: kind })));
    expect(listWithGnuTar(file)).toEqual(expectedMembers(kind));
  });

  it('ends with exactly two zero blocks, the length a multiple of 512', () => {
    const bytes = readFileSync(file);
    expect(bytes.length % 512).toBe(0);
    expect(bytes.subarray(bytes.length - 1024).every((b) => b === 0)).toBe(true);
    // Exactly two: the block before them is the last checksum member's (non-zero) content.
    expect(bytes.subarray(bytes.length - 1536, bytes.length - 1024).some((b) => b !== 0)).toBe(true);
    const members = expectedMembers(kind);
    const expectedLength = members.reduce((sum, [, size]) => sum + 512 + Math.ceil(size / 512) * 512, 0) + 1024;
    expect(bytes.length).toBe(expectedLength);
    expect(bytes.length).toBeLessThanOrEqual(estimateXvaSize([5 * MIB + 1000, 3 * MIB]));
  });

  it('extracts with GNU tar, and every chunk matches its checksum member per sha1sum/xxhsum', () => {
    const out = join(dir, 'extracted');
    run('mkdir', ['-p', out]);
    run('tar', ['-xf', file, '-C', out]);
    run('chmod', ['-R', 'u+rwX', out]); // members have mode 0, unreadable to non-root users
    const { contents } = sampleDisks();
    let checked = 0;
    for (const diskDir of readdirSync(out).filter((name) => name.startsWith('Ref:'))) {
      const names = readdirSync(join(out, diskDir)).filter((name) => /^\d{8}$/u.test(name));
      const paths = names.map((name) => join(out, diskDir, name));
      const tool = kind === 'sha1' ? run('sha1sum', paths) : run('xxhsum', ['-H64', ...paths]);
      const digests = new Map(
        tool.stdout
          .toString('utf8')
          .trimEnd()
          .split('\n')
          .map((line) => {
            const [digest, path] = line.split(/ +/u);
            return [path!, digest!];
          }),
      );
      for (const path of paths) {
        const member = readFileSync(`${path}${kind === 'sha1' ? '.checksum' : '.xxhash'}`, 'latin1');
        const fromTool = digests.get(path)!;
        expect(member).toBe(kind === 'sha1' ? fromTool : fromTool.toUpperCase());
        expect(member).toMatch(kind === 'sha1' ? /^[0-9a-f]{40}$/u : /^[0-9A-F]{16}$/u);
        // And the chunk holds the source disk's bytes at number × 1 MiB.
        const index = Number(path.slice(-8));
        const source = contents.get(diskDir)!;
        expect(readFileSync(path).equals(source.subarray(index * MIB, (index + 1) * MIB))).toBe(true);
        checked++;
      }
    }
    expect(checked).toBe(6);
    expect(statSync(join(out, 'ova.xml')).size).toBe(Buffer.byteLength(OVA));
    expect(readFileSync(join(out, 'ova.xml'), 'utf8')).toBe(OVA);
  });
});

describe('xvaStream', () => {
  it('yields the caller’s chunk Buffers themselves, not copies', async () => {
    const data = pattern(9, MIB);
    const yielded: Buffer[] = [];
    for await (const part of xvaStream({ ovaXml: OVA, checksum: 'xxhash', disks: [{ id: 'Ref:1', virtualSize: MIB, chunk: () => data }] })) {
      yielded.push(part);
    }
    expect(yielded.some((part) => part === data)).toBe(true);
  });

  it('writes the first and last chunks of an all-zero disk and nothing else', async () => {
    const dir = testTempDir('xva-zero');
    const file = join(dir, 'zero.xva');
    writeFileSync(file, await collect(xvaStream({ ovaXml: OVA, checksum: 'sha1', disks: [{ id: 'Ref:7', virtualSize: 4 * MIB, chunk: () => null }] })));
    expect(listWithGnuTar(file).map(([name]) => name)).toEqual([
      'ova.xml',
      'Ref:7/00000000',
      'Ref:7/00000000.checksum',
      'Ref:7/00000003',
      'Ref:7/00000003.checksum',
    ]);
  });

  it('numbers chunks after a keep-alive one higher, as XAPI does', async () => {
    const dir = testTempDir('xva-keepalive');
    const file = join(dir, 'ka.xva');
    const disk: XvaDiskSource = {
      id: 'Ref:3',
      virtualSize: 4 * MIB,
      chunk: (i) => pattern(i + 1, MIB),
      keepAliveBefore: (i) => i === 2,
    };
    writeFileSync(file, await collect(xvaStream({ ovaXml: OVA, checksum: 'xxhash', disks: [disk] })));
    expect(listWithGnuTar(file).filter(([name]) => !name.endsWith('.xxhash'))).toEqual([
      ['ova.xml', Buffer.byteLength(OVA)],
      ['Ref:3/00000000', MIB],
      ['Ref:3/00000001', MIB],
      ['Ref:3/00000002', 0],
      ['Ref:3/00000003', MIB],
      ['Ref:3/00000004', MIB],
    ]);
    const empty = readFileSync(file);
    expect(empty.includes(Buffer.from('EF46DB3751D8E999'))).toBe(true); // XXH64 of the empty keep-alive
  });

  it('rejects chunks of the wrong length and duplicate disk ids', async () => {
    const wrong = xvaStream({ ovaXml: OVA, checksum: 'sha1', disks: [{ id: 'Ref:1', virtualSize: MIB, chunk: () => Buffer.alloc(10, 1) }] });
    await expect(collect(wrong)).rejects.toThrow(/expected 1048576/u);
    const dup = xvaStream({
      ovaXml: OVA,
      checksum: 'sha1',
      disks: [
        { id: 'Ref:1', virtualSize: MIB, chunk: () => null },
        { id: 'Ref:1', virtualSize: MIB, chunk: () => null },
      ],
    });
    await expect(collect(dup)).rejects.toThrow(/duplicate disk id/u);
  });
});

describe('estimateXvaSize', () => {
  it('is 1 MiB + Σ ceil(size / 1 MiB) × (1 MiB + 1536 B)', () => {
    expect(estimateXvaSize([])).toBe(MIB);
    expect(estimateXvaSize([1])).toBe(MIB + MIB + 1536);
    expect(estimateXvaSize([2 * MIB, 2 * MIB + 1])).toBe(MIB + 5 * (MIB + 1536));
  });
});


describe('chunks given in pieces', () => {
  it('write the same bytes as whole chunks, with digests taken from the source or computed', async () => {
    for (const kind of ['xxhash', 'sha1'] as ChecksumKind[]) {
      const whole = [pattern(7, MIB), pattern(8, MIB - 100)];
      const size = 2 * MIB - 100;
      const asBuffers = await collect(xvaStream({ ovaXml: OVA, checksum: kind, disks: [{ id: 'Ref:1', virtualSize: size, chunk: (i) => whole[i]! }] }));
      const asParts = await collect(
        xvaStream({
          ovaXml: OVA,
          checksum: kind,
          disks: [
            {
              id: 'Ref:1',
              virtualSize: size,
              chunk: (i) => {
                const data = whole[i]!;
                const parts = [data.subarray(0, 1000), data.subarray(1000, data.length - 16), data.subarray(data.length - 16)];
                // The first chunk brings its digest (as the simulator does); the second does not.
                if (i > 0) return { parts };
                const digest = new PrefixDigest(data.subarray(0, data.length - 16)).digest(kind, data.subarray(data.length - 16));
                expect(digest).toBe(chunkDigest(kind, data));
                return { parts, digest: { [kind]: digest } };
              },
            },
          ],
        }),
      );
      expect(asParts.equals(asBuffers)).toBe(true);
    }
  });
});
