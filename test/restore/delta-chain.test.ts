/**
 * A delta point's chains on disk, before any pool: the resolver (delta-chain.ts) walks parents
 * and refuses a broken chain with CHAIN_BROKEN naming the link; the sums check (delta-sums.ts)
 * refuses a link with one flipped byte with VERIFY_FAILED naming the file; the bytes the upload
 * sends (upload-source.ts chainSource) are a VHD that qemu-img converts to the point's disk.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveDeltaPoint } from '../../src/restore/delta-chain.js';
import { checkLinks, distinctLinks } from '../../src/restore/delta-sums.js';
import { chainSource } from '../../src/restore/upload-source.js';
import { tempDirForTest } from '../helpers/temp.js';
import { BLOCK, sha256, writeDeltaChain } from './delta-fixture.js';

const DISKS = [
  { key: 'xvda', userdevice: '0', vdi: randomUUID(), size: 4 * BLOCK + 512 * 3 },
  { key: 'xvdb', userdevice: '1', vdi: randomUUID(), size: 2 * BLOCK },
];
/** Full, then 3 diffs; block 4 of xvda is the short last one. */
const CHANGES: Record<string, number[]>[] = [{ xvda: [0, 1, 2], xvdb: [0] }, { xvda: [1] }, { xvda: [3, 0], xvdb: [1] }, { xvda: [4, 1] }];

async function chain() {
  const dir = tempDirForTest('delta-chain');
  const vmDir = join(dir, 'web 01');
  const points = await writeDeltaChain({ vmDir, vm: { uuid: randomUUID(), name: 'web 01' }, disks: DISKS, changes: CHANGES });
  return { dir, points };
}

async function sent(paths: string[]): Promise<Buffer> {
  const source = await chainSource(paths);
  const out = Buffer.alloc(source.size);
  let at = 0;
  try {
    while (at < source.size) {
      const n = await source.read(out.subarray(at), Math.min(1 << 20, source.size - at), at);
      expect(n).toBeGreaterThan(0);
      at += n;
    }
  } finally {
    await source.close();
  }
  return out;
}

function flipByte(path: string, at: number): void {
  const fd = openSync(path, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, at);
  b[0] = b[0]! ^ 0x01;
  writeSync(fd, b, 0, 1, at);
  closeSync(fd);
}

const abort = () => new AbortController().signal;

describe('delta point on disk: resolve, check, stream', () => {
  it('resolves each disk newest first down to its full, and every point streams its own disk (qemu-img convert = the expected image)', async () => {
    const { dir, points } = await chain();
    for (const [p, point] of points.entries()) {
      const resolved = await resolveDeltaPoint(point.path);
      expect(resolved.folders).toEqual(points.slice(0, p + 1).reverse().map((x) => x.path));
      for (const c of resolved.chains) {
        expect(c.links.map((l) => l.folder)).toEqual(points.slice(0, p + 1).reverse().map((x) => x.path));
        expect(c.links.map((l) => l.disk.kind)).toEqual([...Array(p).fill('diff'), 'full']);
        const vhd = join(dir, `${c.disk.key}-${p}.vhd`);
        writeFileSync(vhd, await sent(c.links.map((l) => l.path)));
        execFileSync('qemu-img', ['info', '-f', 'vpc', vhd]);
        execFileSync('qemu-img', ['convert', '--image-opts', `driver=vpc,force_size_calc=current_size,file.filename=${vhd}`, '-O', 'raw', `${vhd}.raw`]);
        expect(sha256(readFileSync(`${vhd}.raw`)), `${c.disk.key} at point ${p}`).toBe(sha256(point.images.get(c.disk.key)!));
      }
      await checkLinks(distinctLinks(resolved.chains), abort(), () => undefined);
    }
  });

  it('a flipped byte in a middle link: VERIFY_FAILED naming that file', async () => {
    const { points } = await chain();
    const middle = points[1]!.disks.find((d) => d.key === 'xvda')!;
    flipByte(middle.path, 3000 + 512 * 4);
    const resolved = await resolveDeltaPoint(points[3]!.path);
    const err = await checkLinks(distinctLinks(resolved.chains), abort(), () => undefined).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VERIFY_FAILED' });
    expect((err as Error).message).toContain(middle.path);
    // The points before it do not read it.
    await checkLinks(distinctLinks((await resolveDeltaPoint(points[0]!.path)).chains), abort(), () => undefined);
  });

  it('CHAIN_BROKEN: a missing parent folder, a link without success, a link that failed verify, a VHD uuid that is not the record\'s', async () => {
    const { points } = await chain();
    const broken = (folder: string) => resolveDeltaPoint(folder).then(() => null, (e: unknown) => e as { code: string; message: string });

    rmSync(join(points[2]!.path, 'success'));
    expect(await broken(points[3]!.path)).toMatchObject({ code: 'CHAIN_BROKEN', message: expect.stringContaining(`${points[2]!.path}, a link of this chain, has no success marker`) });
    writeFileSync(join(points[2]!.path, 'success'), '');

    writeFileSync(join(points[1]!.path, 'vmbackup-verify.json'), JSON.stringify({ version: 1, at: '2026-12-05T10:00:00+00:00', result: 'failed', detail: 'VHD block 1' }));
    expect(await broken(points[3]!.path)).toMatchObject({ code: 'CHAIN_BROKEN', message: expect.stringContaining('failed its last verify') });
    rmSync(join(points[1]!.path, 'vmbackup-verify.json'));

    const xvdb = points[2]!.disks.find((d) => d.key === 'xvdb')!;
    const record = JSON.parse(readFileSync(join(points[2]!.path, 'vmbackup-delta.json'), 'utf8')) as { disks: { key: string; snapshotVdi: string }[] };
    record.disks.find((d) => d.key === 'xvdb')!.snapshotVdi = randomUUID();
    writeFileSync(join(points[2]!.path, 'vmbackup-delta.json'), JSON.stringify(record));
    expect(await broken(points[2]!.path)).toMatchObject({ code: 'CHAIN_BROKEN', message: expect.stringContaining(xvdb.path) });

    renameSync(points[0]!.path, `${points[0]!.path}.gone`);
    expect(await broken(points[1]!.path)).toMatchObject({ code: 'CHAIN_BROKEN', message: expect.stringContaining(`${points[0]!.path}, the parent of ${points[1]!.path}, is missing`) });
  });
});
