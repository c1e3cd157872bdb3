/**
 * PUT /import_raw_vdi?vdi=<ref|uuid>&format=raw|vhd (xapi-notes §3.4): replaces the content of
 * an existing VDI. Raw bytes are written from offset 0; a VHD is verified and its blocks written
 * where its BAT says (absent blocks read as zeros). HTTP chunked encoding is refused as XAPI does.
 * The task result is the VDI ref as XML-RPC value text.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { VhdParser } from '../../formats/index.js';
import { asFailure, XapiFailure } from '../errors.js';
import type { Row } from '../db/store.js';
import { BLOCK_SIZE, StoredContent } from '../disks/content.js';
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
  const content = new StoredContent(size);
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
      const handle = (events: ReturnType<VhdParser['feed']>) => {
        for (const event of events) {
          if (event.type !== 'block') continue;
          const offset = event.index * BLOCK_SIZE;
          content.write(offset, event.data.subarray(0, Math.max(0, Math.min(event.data.length, size - offset))));
        }
      };
      for await (const piece of readBody(t)) handle(parser.feed(piece));
      handle(parser.end());
    }
    sim.disks.set(vdi.ref, content);
    sim.store.update(vdi.ref, { physical_utilisation: content.allocatedBytes() });
    finishTransfer(t, { ok: true, resultXml: `<value>${vdi.ref}</value>` });
  } catch (error) {
    finishTransfer(t, { ok: false, error: error instanceof XapiFailure ? error : new XapiFailure('VDI_IO_ERROR', [error instanceof Error ? error.message : String(error)]) });
  }
}
