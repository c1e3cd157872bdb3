/**
 * ova.xml, the first member of an XVA: one XML-RPC <value> with a `version` struct and the
 * exported objects (xapi-notes §4.1). A restore reads what it needs before sending anything:
 * the VM's uuid and name (--preserve looks for a VM of that uuid; a lone file has no vm.cfg) and
 * each disk's virtual size (the SR must have room). Decoded with sax, as the pool dumps are.
 */
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import type { Duplex } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { VmbackupError } from '../errors.js';
import { detectCompression, XvaParser, zstdDecompressStream } from '../formats/index.js';
import { parseXmlRpc } from '../formats/ova-xml.js';

export interface OvaSummary {
  vm: { uuid: string; name: string; powerState: string } | null;
  disks: { name: string; virtualSize: number }[];
  /** The networks the VIFs were on (by name), as the archive records them. */
  networks: string[];
}

/** What a restore needs of ova.xml. Pure. */
export function summariseOva(xml: string): OvaSummary {
  const root = parseXmlRpc(xml) as { objects?: unknown };
  const objects = (Array.isArray(root?.objects) ? root.objects : []) as { class?: string; snapshot?: Record<string, unknown> }[];
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const vmObj = objects.find((o) => o.class === 'VM' && text(o.snapshot?.is_a_template) !== '1' && text(o.snapshot?.is_a_snapshot) !== '1') ?? objects.find((o) => o.class === 'VM');
  const vm = vmObj?.snapshot ? { uuid: text(vmObj.snapshot.uuid), name: text(vmObj.snapshot.name_label), powerState: text(vmObj.snapshot.power_state) } : null;
  const disks = objects.filter((o) => o.class === 'VDI').map((o) => ({ name: text(o.snapshot?.name_label), virtualSize: Number(text(o.snapshot?.virtual_size)) || 0 }));
  const networks = objects.filter((o) => o.class === 'network').map((o) => text(o.snapshot?.name_label));
  return { vm, disks, networks };
}

/** Largest ova.xml we read: real ones are tens of KiB. */
const OVA_MAX_BYTES = 64 * 2 ** 20;

/**
 * Reads ova.xml from the head of an XVA file (plain, gzip or zstd), stopping as soon as it is
 * whole: the rest of a 2 TB file is not read here.
 */
export async function readOvaXml(path: string): Promise<string> {
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  const parser = new XvaParser({ keepData: false, requireChecksums: false });
  let inflate: Duplex | null = null;
  let seen = 0;
  const fail = (why: string) => new VmbackupError('NOT_AN_XVA', `${path}: ${why}`, 'give a .xva, .xva.gz or .xva.zst file that vmbackup or xe vm-export wrote');
  try {
    const iterator = file[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done) throw fail('the file is empty');
    const head = first.value as Buffer;
    async function* input(): AsyncGenerator<Buffer> {
      yield head;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value as Buffer;
      }
    }
    let source: AsyncIterable<Buffer> = input();
    const kind = detectCompression(head);
    if (kind !== 'none') {
      const stream: Duplex = kind === 'gzip' ? createGunzip() : zstdDecompressStream();
      inflate = stream;
      const compressed = source;
      const pump = async () => {
        for await (const piece of compressed) if (!stream.write(piece)) await once(stream, 'drain');
        stream.end();
      };
      pump().catch((err: unknown) => stream.destroy(err as Error));
      source = stream;
    }
    for await (const piece of source) {
      seen += piece.length;
      let events;
      try {
        events = parser.feed(piece);
      } catch (err) {
        throw fail(`not a readable XVA (${(err as Error).message})`);
      }
      const ova = events.find((e) => e.type === 'ova');
      if (ova && ova.type === 'ova') return ova.xml;
      if (seen > OVA_MAX_BYTES) throw fail('no ova.xml within its first 64 MiB');
    }
    throw fail('it holds no ova.xml');
  } catch (err) {
    if (err instanceof VmbackupError) throw err;
    throw fail(`could not read it (${(err as Error).message})`);
  } finally {
    inflate?.destroy();
    file.destroy();
  }
}
