/**
 * The XVA verifiers check what ova.xml promises about the chunks after it: every disk with
 * chunks is one of its VDIs, ending at that VDI's virtual size (XAPI always writes the last
 * chunk, so a short disk lost its tail), and ova.xml is well-formed XML-RPC. Plain, gzip and
 * zstd XVAs go through the same check; the real XenServer export passes it.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compressedXvaVerifier, type Verifier, xvaVerifier } from '../../src/backup/verify.js';
import { VerifyFailure } from '../../src/backup/verify-failure.js';
import { xvaStream } from '../../src/formats/index.js';

const FIXTURE = readFileSync(new URL('../fixtures/xva/vmexport.bin', import.meta.url));
const MiB = 2 ** 20;

/** An ova.xml exporting one VDI `Ref:7` of `size` bytes (the shape XAPI writes, trimmed). */
function ovaXml(size: number | string, extra = ''): string {
  const member = (n: string, v: string) => `<member><name>${n}</name><value>${v}</value></member>`;
  const vdi = `<value><struct>${member('class', 'VDI')}${member('id', 'Ref:7')}${member('snapshot', `<struct>${member('virtual_size', String(size))}</struct>`)}</struct></value>`;
  return `<value><struct>${member('version', '<struct></struct>')}${member('objects', `<array><data>${vdi}${extra}</data></array>`)}</struct></value>`;
}

/** An XVA whose disk `id` has `size` bytes, each chunk holding data, under `ova`. */
async function xva(ova: string, id: string, size: number): Promise<Buffer> {
  const pieces: Buffer[] = [];
  const disk = { id, virtualSize: size, chunk: (i: number) => Buffer.alloc(Math.min(MiB, size - i * MiB), i + 1) };
  for await (const piece of xvaStream({ ovaXml: ova, disks: [disk], checksum: 'xxhash' })) pieces.push(Buffer.from(piece));
  return Buffer.concat(pieces);
}

/** Feeds `bytes` in 64 KiB pieces; the VerifyFailure it ends with, or null when it passed. */
async function verdict(verifier: Verifier, bytes: Buffer): Promise<VerifyFailure | null> {
  try {
    for (let at = 0; at < bytes.length; at += 65536) await verifier.feed(bytes.subarray(at, at + 65536));
    await verifier.end();
    return null;
  } catch (err) {
    verifier.abort();
    if (err instanceof VerifyFailure) return err;
    throw err;
  }
}

const zstd = (bytes: Buffer) => spawnSync('zstd', ['-c', '-q'], { input: bytes, maxBuffer: 64 * MiB }).stdout;

const KINDS = [
  ['plain', (b: Buffer) => b, () => xvaVerifier()],
  ['gzip', (b: Buffer) => gzipSync(b), () => compressedXvaVerifier('gzip')],
  ['zstd', zstd, () => compressedXvaVerifier('zstd')],
] as const;

describe.each(KINDS)('%s XVA: ova.xml against the chunks', (_name, pack, make) => {
  it('passes an archive whose disk ends at its virtual size, and the real XenServer export', async () => {
    expect(await verdict(make(), pack(await xva(ovaXml(3 * MiB), 'Ref:7', 3 * MiB)))).toBeNull();
    expect(await verdict(make(), pack(FIXTURE))).toBeNull();
  });

  it('a disk that ends short (its last chunk gone): disk size, naming the disk', async () => {
    const f = await verdict(make(), pack(await xva(ovaXml(4 * MiB), 'Ref:7', 3 * MiB)));
    expect(f?.where).toMatchObject({ layer: 'disk size', member: 'Ref:7' });
    expect(f?.message).toContain(`disk Ref:7 ends at byte ${3 * MiB} of its ${4 * MiB}: its last chunk is missing`);
  });

  it('chunks of a disk ova.xml does not export: disk size, naming it', async () => {
    const f = await verdict(make(), pack(await xva(ovaXml(MiB), 'Ref:9', MiB)));
    expect(f?.where).toMatchObject({ layer: 'disk size', member: 'Ref:9' });
    expect(f?.message).toContain('which ova.xml does not export');
  });

  it('an ova.xml that is not well-formed, or gives a VDI no size: ova.xml', async () => {
    const broken = await verdict(make(), pack(await xva(ovaXml(MiB).replace('</struct></value>', '</strct></value>'), 'Ref:7', MiB)));
    expect(broken?.where).toMatchObject({ layer: 'ova.xml', member: 'ova.xml', offset: 0 });
    expect(broken?.message).toMatch(/ova\.xml is not well-formed XML/);
    const sizeless = await verdict(make(), pack(await xva(ovaXml('lots'), 'Ref:7', MiB)));
    expect(sizeless?.where).toMatchObject({ layer: 'ova.xml', member: 'ova.xml' });
    expect(sizeless?.message).toContain('ova.xml gives VDI Ref:7 no valid virtual_size');
  });

  it('a VDI ova.xml lists without chunks (a CD image) is no failure', async () => {
    const cd = '<value><struct><member><name>class</name><value>VDI</value></member><member><name>id</name><value>Ref:8</value></member><member><name>snapshot</name><value><struct><member><name>virtual_size</name><value>700000000</value></member></struct></value></member></struct></value>';
    expect(await verdict(make(), pack(await xva(ovaXml(2 * MiB, cd), 'Ref:7', 2 * MiB)))).toBeNull();
  });
});
