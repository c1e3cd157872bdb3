/**
 * GET /pool/xmldbdump?session_id=...[&task_id=...] (xapi-notes §3.3): the pool database as XML,
 * the body of XO's pool metadata backup. XAPI answers `200 OK`, `Connection: close`,
 * `Cache-Control: no-cache, no-store` with no content-type and no length (the body ends at
 * connection close); sendHeaders adds only those and the simulator's usual task-id/Server.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { XapiFailure } from '../errors.js';
import { beginTransfer, failBeforeHeaders, finishTransfer, sendHeaders, streamBody } from '../http/transfer.js';
import type { SimState } from '../state.js';
import { dumpXmlDb } from './write.js';

/** Written in pieces so that the stream faults (drop, stall, throttle) act inside the body. */
const PIECE = 64 * 1024;

async function* pieces(body: Buffer): AsyncGenerator<Buffer> {
  for (let at = 0; at < body.length; at += PIECE) yield body.subarray(at, at + PIECE);
}

export async function handleDbDump(sim: SimState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // XAPI's task name for this handler (pool_db_backup.ml, pull_database_backup_handler).
  const t = beginTransfer(sim, req, res, 'Dumping database as XML');
  if (!t) return;
  const faults = sim.faults.forStream(t.url.pathname);
  if (faults.http500) return failBeforeHeaders(t, new XapiFailure('INTERNAL_ERROR', ['injected fault: HTTP 500']));
  // Taken before the headers, as XAPI snapshots the database before writing it out.
  const body = Buffer.from(dumpXmlDb(sim.store), 'utf8');
  sendHeaders(t, {});
  try {
    await streamBody(t, pieces(body), faults, (n) => sim.tasks.progress(t.taskRef, Math.min(0.99, n / body.length)));
    finishTransfer(t, { ok: true });
  } catch (error) {
    finishTransfer(t, { ok: false, error });
  }
}
