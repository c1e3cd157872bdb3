/**
 * GET /export_raw_vdi?vdi=<ref|uuid>&format=raw|vhd[&base=<ref|uuid>] (xapi-notes §3.2): the
 * disk as raw bytes (zeros included: the client makes holes), or as a stream-ordered dynamic VHD;
 * with base=, a differencing VHD holding only the blocks that differ from the base. An unknown
 * format is a 404 and an INTERNAL_ERROR on the task, as in XAPI.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { vhdStream } from '../../formats/vhd-writer.js';
import { asFailure, XapiFailure } from '../errors.js';
import type { Row } from '../db/store.js';
import { BLOCK_SIZE, CHUNK_SIZE, chunkCount, chunkLength, type DiskContent } from '../disks/content.js';
import type { SimState } from '../state.js';
import { redirectForStorage } from './redirect.js';
import { beginTransfer, failBeforeHeaders, finishTransfer, sendHeaders, streamBody } from './transfer.js';

const CONTENT_TYPES: Record<string, string> = { raw: 'application/octet-stream', vhd: 'application/vhd' };

function findVdi(sim: SimState, id: string): Row {
  const byUuid = sim.store.byUuid('VDI', id);
  return byUuid ?? sim.store.expect('VDI', id);
}

async function* rawBytes(content: DiskContent): AsyncGenerator<Buffer> {
  for (let i = 0; i < chunkCount(content.size); i++) {
    const pieces = content.pieces?.(i);
    if (pieces) yield* pieces.parts;
    else yield content.chunk(i) ?? Buffer.alloc(chunkLength(content.size, i));
  }
}

/** A 2 MiB VHD block from two 1 MiB chunks, or null when both are empty. */
function blockOf(content: DiskContent, index: number): Buffer | null {
  const first = content.chunk(index * 2);
  const second = (index * 2 + 1) * CHUNK_SIZE < content.size ? content.chunk(index * 2 + 1) : null;
  if (!first && !second) return null;
  const length = Math.min(BLOCK_SIZE, content.size - index * BLOCK_SIZE);
  const block = Buffer.alloc(length);
  first?.copy(block, 0);
  second?.copy(block, CHUNK_SIZE);
  return block;
}

function srOfRequest(sim: SimState, req: IncomingMessage): string | undefined {
  try {
    const vdi = findVdi(sim, new URL(req.url ?? '/', 'http://sim').searchParams.get('vdi') ?? '');
    return vdi.record.SR as string;
  } catch {
    return undefined;
  }
}

export async function handleExportRaw(sim: SimState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const sr = srOfRequest(sim, req);
  if (sr !== undefined && redirectForStorage(sim, req, res, [sr])) return;
  const t = beginTransfer(sim, req, res, 'Export of VDI');
  if (!t) return;
  let vdi: Row;
  let base: Row | null = null;
  try {
    vdi = findVdi(sim, t.query.get('vdi') ?? '');
    const baseId = t.query.get('base');
    if (baseId !== null) base = findVdi(sim, baseId);
  } catch (err) {
    return failBeforeHeaders(t, asFailure(err));
  }
  const format = (t.query.get('format') ?? 'raw').toLowerCase();
  if (!CONTENT_TYPES[format]) return failBeforeHeaders(t, new XapiFailure('INTERNAL_ERROR', [`Unknown format ${format}`]), 404);
  if (base && format !== 'vhd') return failBeforeHeaders(t, new XapiFailure('INTERNAL_ERROR', ['base is only supported with format=vhd']), 400);
  // Scoped faults match the disk (uuid, name), what it is a snapshot of, or its VM.
  const faults = sim.faults.forStream(t.url.pathname, vdi.record);
  if (faults.http500) return failBeforeHeaders(t, new XapiFailure('INTERNAL_ERROR', ['injected fault: HTTP 500']));

  const content = sim.disks.contentOf(vdi.ref);
  const baseContent = base ? sim.disks.contentOf(base.ref) : null;
  const differs = (index: number): boolean => {
    if (!baseContent) return true;
    const a = blockOf(content, index);
    const b = blockOf(baseContent, index);
    return a === null ? b !== null : b === null || !a.equals(b);
  };
  const body =
    format === 'raw'
      ? rawBytes(content)
      : vhdStream({
          size: Math.ceil(content.size / 512) * 512,
          uuid: String(vdi.record.uuid),
          block: (i) => (differs(i) ? blockOf(content, i) ?? (baseContent ? Buffer.alloc(BLOCK_SIZE) : null) : null),
          ...(base ? { diskType: 4 as const, parentUuid: String(base.record.uuid) } : {}),
        });
  sendHeaders(t, {
    'content-type': CONTENT_TYPES[format]!,
    'content-disposition': `attachment; filename="${String(vdi.record.uuid)}.${format}"`,
  });
  const total = Math.max(1, content.size);
  try {
    await streamBody(t, body, faults, (n) => sim.tasks.progress(t.taskRef, Math.min(0.99, n / total)));
    finishTransfer(t, { ok: true });
  } catch (error) {
    finishTransfer(t, { ok: false, error });
  }
}
