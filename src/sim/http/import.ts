/**
 * PUT /import (xapi-notes §3.4): an XVA, plain or gzip- or zstd-compressed (told apart by magic
 * bytes, as XAPI does), becomes a new VM with new VDIs in the target SR (import-objects.ts: what
 * restore=true keeps, networks, SR_FULL, replacing a halted VM). Headers go out before
 * the body is read, or xen-api's 1 PiB probe deadlocks (§1.10). Every chunk checksum is checked
 * (force=true ignores mismatches). The task result is the new VM ref as an XML-RPC array. A
 * failure, a task.cancel or a client gone mid-body all end in abandon(): nothing of it stays.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { detectCompression, zstdDecompressStream } from '../../formats/index.js';
import { XvaParser } from '../../formats/xva-parser.js';
import { XapiFailure } from '../errors.js';
import type { SimState } from '../state.js';
import { createImportedObjects, type ImportedVm } from './import-objects.js';
import { isProbe, readBody, resolveSr } from './import-common.js';
import { beginTransfer, failBeforeHeaders, finishTransfer, sendHeaders } from './transfer.js';

/**
 * The body, decompressed when it starts with a gzip or zstd magic number. Whoever stops early
 * (a failure at ova.xml) must reach readBody's cleanup, or its listener stays on the request
 * and pauses it again for good while the failure drains the upload: hence the finally.
 */
async function* decompressed(body: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const iterator = body[Symbol.asyncIterator]();
  let input: Readable | undefined;
  try {
    const first = await iterator.next();
    if (first.done) return;
    const head = first.value;
    const rest: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => iterator };
    const kind = detectCompression(head);
    if (kind === 'none') {
      yield head;
      yield* rest;
      return;
    }
    async function* all() {
      yield head;
      yield* rest;
    }
    input = Readable.from(all(), { objectMode: false });
    const stream = kind === 'gzip' ? createGunzip() : zstdDecompressStream();
    input.on('error', (err) => stream.destroy(err));
    input.pipe(stream);
    yield* stream as AsyncIterable<Buffer>;
  } finally {
    input?.destroy();
    await iterator.return?.();
  }
}

export async function handleImport(sim: SimState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const probe = isProbe(req);
  const t = beginTransfer(sim, req, res, 'VM import', { task: !probe });
  if (!t) return;
  if (req.headers['transfer-encoding']) return failBeforeHeaders(t, new XapiFailure('IMPORT_ERROR_CANNOT_HANDLE_CHUNKED', []), 403);
  let sr: string;
  try {
    sr = resolveSr(sim, t.query);
  } catch (err) {
    return failBeforeHeaders(t, err as XapiFailure, 400);
  }
  sendHeaders(t, { 'content-type': 'application/octet-stream' });
  if (probe) {
    // xen-api's redirect probe: answer and let the client drop the connection.
    req.resume();
    req.on('end', () => res.end());
    return;
  }

  const force = t.query.get('force') === 'true';
  const parser = new XvaParser({ requireChecksums: !force, acceptBadChecksums: force });
  let imported: ImportedVm | null = null;
  const declared = Number(req.headers['content-length'] ?? 0);
  try {
    for await (const piece of decompressed(readBody(t))) {
      for (const event of parser.feed(piece)) {
        if (event.type === 'ova') imported = createImportedObjects(sim, event.xml, { sr, taskRef: t.taskRef, restore: t.query.get('restore') === 'true' });
        else if (event.type === 'chunk') imported?.write(event.disk, event.offset, event.data);
      }
      if (declared > 0 && declared < 2 ** 50) sim.tasks.progress(t.taskRef, Math.min(0.99, Number(req.socket.bytesRead) / declared));
    }
    parser.end();
    if (!imported) throw new XapiFailure('IMPORT_ERROR', ['no ova.xml in the archive']);
    const vm = imported.finish();
    finishTransfer(t, { ok: true, resultXml: `<value><array><data><value>${vm}</value></data></array></value>` });
  } catch (error) {
    imported?.abandon();
    finishTransfer(t, { ok: false, error: importFailure(error) });
  }
}

/** What XAPI reports for a bad archive: checksum failures have their own code. */
function importFailure(error: unknown): unknown {
  if (error instanceof XapiFailure) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/checksum/i.test(message)) return new XapiFailure('IMPORT_ERROR_SOME_CHECKSUMS_FAILED', []);
  return new XapiFailure('IMPORT_ERROR', [message]);
}
