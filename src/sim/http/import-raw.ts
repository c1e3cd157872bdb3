/**
 * PUT /import_raw_vdi?vdi=<ref|uuid>&format=raw|vhd (xapi-notes §3.4) into an existing VDI.
 * Raw replaces the content: written from offset 0, the rest zeros; a body longer than the VDI
 * fails with VDI_IO_ERROR. A VHD is an overlay (delta-restore.md §B.2): only the sectors its
 * blocks' bitmaps mark are written, absent blocks and clear sectors keep what the VDI held (zeros
 * for a fresh VDI), so a differencing VHD onto its base's content gives the child's state; a
 * marked sector past the VDI's end fails with VDI_IO_ERROR. The new content replaces the old
 * only on success (snapshots share content objects, which are never edited). HTTP chunked
 * encoding is refused as XAPI does. The task result is the VDI ref as XML-RPC value text.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { VHD_SECTOR, VhdParser, type VhdBlock } from '../../formats/index.js';
import { asFailure, XapiFailure } from '../errors.js';
import type { Row } from '../db/store.js';
import { StoredContent } from '../disks/content.js';
import type { SimState } from '../state.js';
import { isProbe, readBody } from './import-common.js';
import { redirectForStorage } from './redirect.js';
import { beginTransfer, failBeforeHeaders, finishTransfer, sendHeaders } from './transfer.js';

function findVdi(sim: SimState, id: string): Row {
  return sim.store.byUuid('VDI', id) ?? sim.store.expect('VDI', id);
}

function srOfRequest(sim: SimState, req: IncomingMessage): string | undefined {
  try {
    return findVdi(sim, new URL(req.url ?? '/', 'http://sim').searchParams.get('vdi') ?? '').record.SR as string;
  } catch {
    return undefined;
  }
}

export async function handleImportRaw(sim: SimState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Like exports, an import into storage this host cannot see is sent to the host that can.
  const sr = srOfRequest(sim, req);
  if (sr !== undefined && redirectForStorage(sim, req, res, [sr])) return;
  const probe = isProbe(req);
  const t = beginTransfer(sim, req, res, 'VDI import', { task: !probe });
  if (!t) return;
  if (req.headers['transfer-encoding']) return failBeforeHeaders(t, new XapiFailure('INTERNAL_ERROR', ['Cannot handle encoding: chunked']), 404);
  let vdi: Row;
  try {
    vdi = findVdi(sim, t.query.get('vdi') ?? '');
  } catch (err) {
    return failBeforeHeaders(t, asFailure(err), 404);
  }
  const format = (t.query.get('format') ?? 'raw').toLowerCase();
  if (format !== 'raw' && format !== 'vhd') return failBeforeHeaders(t, new XapiFailure('INTERNAL_ERROR', [`Unknown format ${format}`]), 404);
  sendHeaders(t, { 'content-type': 'application/octet-stream' });
  if (probe) {
    req.resume();
    req.on('end', () => res.end());
    return;
  }

  const size = Number(vdi.record.virtual_size);
  const content = new StoredContent(size, format === 'vhd' ? sim.disks.contentOf(vdi.ref) : null);
  try {
    if (format === 'raw') {
      let offset = 0;
      for await (const piece of readBody(t)) {
        if (offset + piece.length > size) throw new XapiFailure('VDI_IO_ERROR', ['Device I/O errors']);
        content.write(offset, piece);
        offset += piece.length;
        sim.tasks.progress(t.taskRef, Math.min(0.99, offset / Math.max(1, size)));
      }
    } else {
      const parser = new VhdParser();
      let expected = 0;
      let seen = 0;
      const handle = (events: ReturnType<VhdParser['feed']>) => {
        for (const event of events) {
          if (event.type === 'start') expected = event.allocatedBlocks;
          if (event.type !== 'block') continue;
          writeMarkedSectors(content, event);
          sim.tasks.progress(t.taskRef, Math.min(0.99, ++seen / Math.max(1, expected)));
        }
      };
      for await (const piece of readBody(t)) handle(parser.feed(piece));
      handle(parser.end());
    }
    sim.disks.set(vdi.ref, content);
    finishTransfer(t, { ok: true, resultXml: `<value>${vdi.ref}</value>` });
  } catch (error) {
    finishTransfer(t, { ok: false, error: error instanceof XapiFailure ? error : new XapiFailure('VDI_IO_ERROR', [error instanceof Error ? error.message : String(error)]) });
  }
}

/** Writes the runs of sectors a VHD block's bitmap marks (MSB first), as vhd-tool does. */
function writeMarkedSectors(content: StoredContent, block: VhdBlock): void {
  // block.length, not data.length: the last block is padded past the VHD's own disk size.
  const sectors = Math.ceil(block.length / VHD_SECTOR);
  const marked = (i: number) => ((block.bitmap[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0;
  let i = 0;
  while (i < sectors) {
    if (!marked(i)) {
      i++;
      continue;
    }
    let end = i;
    while (end < sectors && marked(end)) end++;
    const from = block.offset + i * VHD_SECTOR;
    const to = block.offset + Math.min(end * VHD_SECTOR, block.length);
    if (to > content.size) throw new XapiFailure('VDI_IO_ERROR', ['Device I/O errors']);
    // The parser's block bytes are a fresh join (or a view of a request chunk): ours to keep.
    content.write(from, block.data.subarray(i * VHD_SECTOR, to - block.offset), true);
    i = end;
  }
}
