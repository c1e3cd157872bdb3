/**
 * What every XAPI HTTP handler does around its data (xapi-notes §2.1, §3): authenticate
 * (session_id in the query or a cookie, else HTTP Basic), run "as" the task given by task_id or
 * an internal one, answer with raw headers and no Content-Length (the body ends when the
 * connection closes), and on a failure after the headers just cut the stream while the task
 * fails. Injected faults (drop, stall, throttle, corrupt, 500) act here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { asFailure, XapiFailure } from '../errors.js';
import type { StreamFaults } from '../faults.js';
import type { SimState } from '../state.js';

export interface TransferContext {
  sim: SimState;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  query: URLSearchParams;
  taskRef: string;
  /** Aborted by task.cancel (reason: TASK_CANCELLED) or by the client going away. */
  signal: AbortSignal;
}

const XAPI_SERVER = 'xapi/24.19';

function sessionFromCookie(req: IncomingMessage): string | undefined {
  const cookie = req.headers.cookie ?? '';
  return /(?:^|;\s*)session_id=([^;]+)/.exec(cookie)?.[1];
}

/** True when the request carries a valid session, or a valid user:password (Basic auth). */
function authenticated(sim: SimState, req: IncomingMessage, query: URLSearchParams): boolean {
  const session = query.get('session_id') ?? sessionFromCookie(req);
  if (session && sim.sessions.get(decodeURIComponent(session))) return true;
  const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (!basic) return false;
  const [user, ...rest] = Buffer.from(basic, 'base64').toString('utf8').split(':');
  return user === sim.options.user && rest.join(':') === sim.options.password && !sim.faults.loginRejected();
}

/**
 * Starts a transfer: checks auth and joins the task_id task or creates one (none with
 * `task: false`, for xen-api's probe requests). Null when it answered 401.
 */
export function beginTransfer(sim: SimState, req: IncomingMessage, res: ServerResponse, label: string, opts: { task?: boolean } = {}): TransferContext | null {
  const url = new URL(req.url ?? '/', 'http://sim');
  const query = url.searchParams;
  const given = query.get('task_id');
  if (!authenticated(sim, req, query)) {
    if (given && sim.tasks.isPending(given)) sim.tasks.fail(given, new XapiFailure('SESSION_AUTHENTICATION_FAILED', ['', 'Authentication failure']));
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="xapi"', Connection: 'close' });
    res.end();
    return null;
  }
  const taskRef = given && sim.tasks.isPending(given) ? given : opts.task === false ? '' : sim.tasks.create(label, '');
  const signal = taskRef ? sim.tasks.begin(taskRef) : new AbortController().signal;
  if (taskRef) sim.tasks.progress(taskRef, 0, true);
  const client = new AbortController();
  res.on('close', () => client.abort(new XapiFailure('CLIENT_ERROR', ['the client closed the connection'])));
  return { sim, req, res, url, query, taskRef, signal: AbortSignal.any([signal, client.signal]) };
}

/** XAPI's 500 page, sent when a handler fails before its headers; the task fails too. */
export function failBeforeHeaders(t: TransferContext, failure: XapiFailure, status = 500): void {
  t.sim.tasks.fail(t.taskRef, failure);
  t.res.writeHead(status, { 'content-type': 'text/html', Connection: 'close' });
  t.res.end(`<html><body><h1>HTTP ${status} internal server error</h1>An unexpected error occurred; please wait a while and try again. If the problem persists, please contact your support representative.<h1> Additional information </h1>${failure.message}</body></html>`);
}

/** 200 with XAPI's headers and no Content-Length; flushed at once (imports read after this). */
export function sendHeaders(t: TransferContext, headers: Record<string, string>): void {
  // Without this, Node would frame the body as chunked; XAPI's body ends at connection close.
  t.res.useChunkedEncodingByDefault = false;
  t.res.writeHead(200, {
    Connection: 'close',
    'Cache-Control': 'no-cache, no-store',
    'task-id': t.taskRef,
    Server: XAPI_SERVER,
    ...headers,
  });
  t.res.flushHeaders();
}

function write(res: ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = res.write(chunk, (err) => (err ? reject(err) : undefined));
    if (ok) resolve();
    else {
      const onDrain = () => {
        res.off('close', onClose);
        resolve();
      };
      const onClose = () => {
        res.off('drain', onDrain);
        reject(new XapiFailure('CLIENT_ERROR', ['the client closed the connection']));
      };
      res.once('drain', onDrain);
      res.once('close', onClose);
    }
  });
}

/**
 * Streams `body` to the client, applying stream faults, reporting progress through `onBytes`.
 * Resolves when all was sent; rejects with the failure that cut the stream (the caller fails the
 * task; the client only sees a body that ended early).
 */
export async function streamBody(t: TransferContext, body: AsyncIterable<Buffer>, faults: StreamFaults, onBytes: (total: number) => void): Promise<number> {
  let sent = 0;
  let stalled = false;
  const started = Date.now();
  for await (const piece of body) {
    if (t.signal.aborted) throw t.signal.reason;
    let chunk = piece;
    if (faults.corruptAt !== undefined && faults.corruptAt >= sent && faults.corruptAt < sent + chunk.length) {
      // A copy: the disk generator hands out buffers it keeps and reuses (an empty chunk, a
      // cached block), which must stay right for every later export.
      chunk = Buffer.from(chunk);
      chunk[faults.corruptAt - sent] = chunk[faults.corruptAt - sent]! ^ 0xff;
    }
    if (faults.dropAfter !== undefined && sent + chunk.length >= faults.dropAfter) {
      chunk = chunk.subarray(0, faults.dropAfter - sent);
      if (chunk.length > 0) await write(t.res, chunk);
      sent += chunk.length;
      onBytes(sent);
      throw new XapiFailure('VDI_IO_ERROR', ['Device I/O errors']);
    }
    await write(t.res, chunk);
    sent += chunk.length;
    onBytes(sent);
    if (faults.stall && !stalled && sent >= faults.stall.afterBytes) {
      stalled = true;
      await sleep(faults.stall.ms, undefined, { signal: t.signal }).catch(() => undefined);
      if (t.signal.aborted) throw t.signal.reason;
    }
    if (faults.throttle) {
      const due = started + (sent / faults.throttle) * 1000;
      if (due > Date.now()) await sleep(due - Date.now(), undefined, { signal: t.signal }).catch(() => undefined);
    }
  }
  return sent;
}

/** Ends a transfer that sent headers: success ends the body, failure cuts the connection. */
export function finishTransfer(t: TransferContext, outcome: { ok: true; resultXml?: string } | { ok: false; error: unknown }): void {
  if (outcome.ok) {
    t.sim.tasks.progress(t.taskRef, 1, true);
    t.sim.tasks.succeed(t.taskRef, outcome.resultXml ?? '');
    t.res.end();
    return;
  }
  t.sim.tasks.fail(t.taskRef, asFailure(outcome.error));
  // A failure after the headers: the connection just ends (the status stays 200), so the client
  // learns of it from the task. An upload still in flight is read to its end first: cutting it
  // would give the client a connection reset instead of the task's error.
  if (t.req.complete || t.req.destroyed) t.res.end();
  else {
    t.req.on('end', () => t.res.end());
    t.req.on('close', () => t.res.end());
    t.req.resume();
  }
}
