/**
 * GET /export (xapi-notes §3.1): a whole VM as an XVA tar, optionally gzip- or zstd-compressed
 * as a whole (no Content-Encoding header). The VM must be halted or suspended, or be a
 * snapshot. Progress is (bytes of tar sent) / (sum of the disks' virtual sizes), as
 * Stream_vdi.made_progress reports it, rate-limited like XAPI's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable, type Duplex } from 'node:stream';
import { createGzip } from 'node:zlib';
import { xvaStream } from '../../formats/xva-writer.js';
import { zstdCompressStream } from '../../formats/index.js';
import { asFailure, XapiFailure } from '../errors.js';
import { CHUNK_SIZE } from '../disks/content.js';
import type { Row } from '../db/store.js';
import type { SimState } from '../state.js';
import type { Value } from '../schema/types.js';
import { buildOvaXml } from './ova-xml.js';
import { redirectForStorage, srsOfVm } from './redirect.js';
import { beginTransfer, failBeforeHeaders, finishTransfer, sendHeaders, streamBody } from './transfer.js';

type Compression = 'none' | 'gzip' | 'zstd';

/** use_compression=true|gzip gives gzip, zstd gives zstd, anything else none (§3.1). */
export function compressionOf(value: string | null): Compression {
  if (value === 'true' || value === 'gzip') return 'gzip';
  if (value === 'zstd') return 'zstd';
  return 'none';
}

/** Compresses a byte source, keeping errors on both sides visible to the consumer. */
export function compressed(source: AsyncIterable<Buffer>, kind: Exclude<Compression, 'none'>): AsyncIterable<Buffer> {
  const compressor: Duplex = kind === 'gzip' ? createGzip() : zstdCompressStream();
  const input = Readable.from(source, { objectMode: false });
  input.on('error', (err) => compressor.destroy(err));
  input.pipe(compressor);
  return compressor;
}

/** Counts the bytes a source yields (before compression); each piece is a moment to report progress. */
async function* counted(source: AsyncIterable<Buffer>, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    onBytes(total);
    yield chunk;
  }
}

function findVm(sim: SimState, query: URLSearchParams): Row {
  const uuid = query.get('uuid');
  if (uuid !== null) {
    const row = sim.store.byUuid('VM', uuid);
    if (!row) throw new XapiFailure('UUID_INVALID', ['VM', uuid]);
    return row;
  }
  return sim.store.expect('VM', query.get('ref') ?? '');
}

function setOperation(sim: SimState, vm: Row, taskRef: string, on: boolean): void {
  if (!sim.store.get(vm.ref)) return;
  const ops = { ...(vm.record.current_operations as Record<string, Value>) };
  if (on) ops[taskRef] = 'export';
  else delete ops[taskRef];
  sim.store.update(vm.ref, { current_operations: ops });
}

function vmOfRequest(sim: SimState, req: IncomingMessage): Row | undefined {
  try {
    return findVm(sim, new URL(req.url ?? '/', 'http://sim').searchParams);
  } catch {
    return undefined;
  }
}

export async function handleExport(sim: SimState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const wanted = vmOfRequest(sim, req);
  if (wanted && redirectForStorage(sim, req, res, srsOfVm(sim, wanted.ref))) return;
  const t = beginTransfer(sim, req, res, 'Export of VM');
  if (!t) return;
  let vm: Row;
  try {
    vm = findVm(sim, t.query);
  } catch (err) {
    failBeforeHeaders(t, asFailure(err));
    return;
  }
  const faults = sim.faults.forStream(t.url.pathname, vm.record);
  if (faults.http500) return failBeforeHeaders(t, new XapiFailure('INTERNAL_ERROR', ['injected fault: HTTP 500']));
  const power = String(vm.record.power_state);
  if (!vm.record.is_a_snapshot && power !== 'Halted' && power !== 'Suspended') {
    return failBeforeHeaders(t, new XapiFailure('VM_BAD_POWER_STATE', [vm.ref, 'halted, suspended', power.toLowerCase()]));
  }

  const { xml, disks } = buildOvaXml(sim.store, vm.ref, { preservePowerState: t.query.get('preserve_power_state') === 'true' });
  const totalBytes = Math.max(1, disks.reduce((sum, d) => sum + d.virtualSize, 0));
  // Progress is the share of the disks read, empty chunks included, as XAPI's
  // Stream_vdi.made_progress counts it: not the bytes sent, which sparse disks keep tiny.
  const read = new Map<string, number>();
  const readSoFar = () => Math.min(totalBytes, [...read.values()].reduce((sum, n) => sum + n, 0));
  const source = xvaStream({
    ovaXml: xml,
    checksum: sim.options.xvaChecksum,
    disks: disks.map((d) => {
      const content = sim.disks.contentOf(d.vdiRef);
      const kind = sim.options.xvaChecksum;
      return {
        id: d.id,
        virtualSize: d.virtualSize,
        chunk: (i: number) => {
          read.set(d.id, Math.min(d.virtualSize, (i + 1) * CHUNK_SIZE));
          return content.pieces ? content.pieces(i, kind) : content.chunk(i);
        },
      };
    }),
  });
  const progress = counted(source, () => sim.tasks.progress(t.taskRef, Math.min(0.99, readSoFar() / totalBytes)));
  const compression = compressionOf(t.query.get('use_compression'));
  const body = compression === 'none' ? progress : compressed(progress, compression);

  setOperation(sim, vm, t.taskRef, true);
  sendHeaders(t, { 'content-type': 'application/octet-stream', 'Content-Disposition': 'attachment; filename="export.xva"' });
  try {
    await streamBody(t, body, faults, () => undefined);
    finishTransfer(t, { ok: true });
  } catch (error) {
    finishTransfer(t, { ok: false, error });
  } finally {
    setOperation(sim, vm, t.taskRef, false);
  }
}
