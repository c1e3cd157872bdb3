/**
 * GET /export_raw_vdi?vdi=<ref|uuid>&format=raw|vhd[&base=<ref|uuid>] (xapi-notes §3.2,
 * delta-restore.md §B.1): the disk as raw bytes (zeros included: the client makes holes), or as a
 * stream-ordered dynamic VHD of its blocks that hold data. An unknown format is a 404 and an
 * INTERNAL_ERROR on the task, as in XAPI.
 *
 * With base=, XAPI's vhd-tool shape: a differencing VHD (disk type 4), footer uid a fresh random
 * uuid per export, time stamp 0, header parent uuid the base's SM-level VHD uid (not its VDI uuid)
 * and parent name its host path, one zero sector at 1536, the BAT at 2048, then whole 2 MiB
 * blocks with all-ones bitmaps: every block that may differ from the base (export-delta.ts), a
 * block now empty sent as zeros. The base is looked up after the headers, as XAPI does, so a
 * refused base is a 200 with an empty body and a failed task.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { vhdStream } from '../../formats/vhd-writer.js';
import { asFailure, XapiFailure } from '../errors.js';
import type { Row } from '../db/store.js';
import { BLOCK_SIZE, chunkCount, chunkLength, type DiskContent } from '../disks/content.js';
import type { SimState } from '../state.js';
import { assertAttachable, blockHasData, blockOf, checkBase, deltaBlocks, hostPathOf, resolveBase, vhdUidOf } from './export-delta.js';
import { redirectForStorage } from './redirect.js';
import { beginTransfer, failBeforeHeaders, finishTransfer, sendHeaders, streamBody, type TransferContext } from './transfer.js';

const CONTENT_TYPES: Record<string, string> = { raw: 'application/octet-stream', vhd: 'application/vhd' };
/** vhd-tool's limit (Constants.max_vhd_size): 2040 GiB. */
const MAX_VHD_SIZE = 2040 * 2 ** 30;
/** XAPI's base= exports have the BAT at 2048, after one sector kept for a parent locator. */
const DELTA_TABLE_OFFSET = 2048;
/** VHD time stamp 0 (2000-01-01), as vhd-tool writes it. */
const VHD_EPOCH = new Date(Date.UTC(2000, 0, 1));

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

function srOfRequest(sim: SimState, req: IncomingMessage): string | undefined {
  try {
    const vdi = findVdi(sim, new URL(req.url ?? '/', 'http://sim').searchParams.get('vdi') ?? '');
    return vdi.record.SR as string;
  } catch {
    return undefined;
  }
}

/** The VHD body: without a base, the blocks holding data; with one, XAPI's differencing shape. */
function vhdBody(sim: SimState, vdi: Row, content: DiskContent, base: Row | null): AsyncGenerator<Buffer> {
  const size = Math.ceil(content.size / 512) * 512;
  // `allocated` answers the BAT from the chunks' presence: without it vhdStream builds every block twice.
  if (!base) return vhdStream({ size, uuid: String(vdi.record.uuid), allocated: (i) => blockHasData(content, i), block: (i) => blockOf(content, i) });
  const included = deltaBlocks(content, sim.disks.contentOf(base.ref));
  return vhdStream({
    size,
    uuid: randomUUID(),
    timestamp: VHD_EPOCH,
    diskType: 4,
    parentUuid: vhdUidOf(base),
    parentUnicodeName: hostPathOf(sim, base),
    tableOffset: DELTA_TABLE_OFFSET,
    allocated: (i) => included.has(i),
    // A changed block that is empty now still goes out, as zeros: the base may hold data there.
    block: (i) => (included.has(i) ? blockOf(content, i) ?? Buffer.alloc(Math.min(BLOCK_SIZE, size - i * BLOCK_SIZE)) : null),
  });
}

/** What XAPI checks after the 200 headers, while attaching the disks: throws the task's failure. */
function checkAfterHeaders(sim: SimState, t: TransferContext, vdi: Row, format: string): Row | null {
  if (format === 'vhd' && Number(vdi.record.virtual_size) > MAX_VHD_SIZE) {
    throw new XapiFailure('VDI_TOO_LARGE', [vdi.ref, String(MAX_VHD_SIZE)]);
  }
  assertAttachable(vdi);
  const baseId = t.query.get('base');
  if (baseId === null) return null;
  const base = resolveBase(sim, baseId);
  checkBase(sim, vdi, base);
  return base;
}

export async function handleExportRaw(sim: SimState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const sr = srOfRequest(sim, req);
  if (sr !== undefined && redirectForStorage(sim, req, res, [sr])) return;
  const t = beginTransfer(sim, req, res, 'Export of VDI');
  if (!t) return;
  let vdi: Row;
  try {
    vdi = findVdi(sim, t.query.get('vdi') ?? '');
  } catch (err) {
    return failBeforeHeaders(t, asFailure(err));
  }
  const format = (t.query.get('format') ?? 'raw').toLowerCase();
  if (!CONTENT_TYPES[format]) return failBeforeHeaders(t, new XapiFailure('INTERNAL_ERROR', [`Unknown format ${format}`]), 404);
  if (t.query.has('base') && format !== 'vhd') return failBeforeHeaders(t, new XapiFailure('INTERNAL_ERROR', ['base is only supported with format=vhd']), 400);
  // Scoped faults match the disk (uuid, name), what it is a snapshot of, or its VM.
  const faults = sim.faults.forStream(t.url.pathname, vdi.record);
  if (faults.http500) return failBeforeHeaders(t, new XapiFailure('INTERNAL_ERROR', ['injected fault: HTTP 500']));

  sendHeaders(t, {
    'content-type': CONTENT_TYPES[format]!,
    'content-disposition': `attachment; filename="${String(vdi.record.uuid)}.${format}"`,
  });
  let base: Row | null;
  try {
    base = checkAfterHeaders(sim, t, vdi, format);
  } catch (error) {
    return finishTransfer(t, { ok: false, error });
  }
  // The content now: a disk written or churned later is a new content object, this one stays.
  const content = sim.disks.contentOf(vdi.ref);
  const body = format === 'raw' ? rawBytes(content) : vhdBody(sim, vdi, content, base);
  const total = Math.max(1, content.size);
  try {
    await streamBody(t, body, faults, (n) => sim.tasks.progress(t.taskRef, Math.min(0.99, n / total)));
    finishTransfer(t, { ok: true });
  } catch (error) {
    finishTransfer(t, { ok: false, error });
  }
}
