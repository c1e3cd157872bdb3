/**
 * GET of an XAPI HTTP resource (/export, /export_raw_vdi, /pool/xmldbdump) on a socket of our
 * own, rather than through xen-api's undici request:
 * - undici 6 (all xen-api 4.7 accepts) crashes the process with an uncatchable
 *   `assert(!this.paused)` when a close-delimited body (every XAPI export) ends while the
 *   consumer applies backpressure (nodejs/undici#5360, fixed only in undici 8, Node 22). A slow
 *   backup disk is exactly that consumer, and a crash leaves a snapshot behind.
 * - XAPI's handlers answer `HTTP/1.x 200` with `Connection: close` and neither Content-Length nor
 *   chunked encoding (xapi-notes §2.1): the body is every byte until the server closes. That
 *   needs no general HTTP client, and a socket can then read into one reused buffer of 1 MiB
 *   (`onread`): one syscall and no allocation per MiB, where a stream allocates per 64 KiB and the
 *   garbage collector pays for it at several hundred MB/s.
 * The consumer gets views into that buffer, valid until its returned promise settles (the
 * socket stays paused meanwhile): it must copy what it keeps.
 */
import { fail, type HttpHead, MAX_HEAD, MAX_REDIRECTS, openRawSocket, parseHttpHead, REDIRECTS, requestHead } from './raw-http.js';
import type { TrustRules } from './tls-trust.js';

export interface RawGetOptions {
  /** Which certificates to accept (tls-trust.ts); checked before the request is written. */
  trust: TrustRules;
  signal?: AbortSignal | undefined;
  /** No byte for this long (XAPI sends keep-alive chunks every few seconds) ends the transfer. */
  idleTimeoutMs?: number;
  readBufferBytes?: number;
}

/** Called with each piece of the body; may return a promise, during which reading pauses. */
export type BodyConsumer = (chunk: Buffer) => Promise<void> | void;

export interface RawBody {
  /** Feeds the whole body to `consume`; resolves when the server closed after the last byte. */
  pump(consume: BodyConsumer): Promise<void>;
  destroy(reason?: Error): void;
}

export interface RawResponse {
  status: number;
  statusText: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: RawBody;
}

function parseHead(text: string): HttpHead {
  const head = parseHttpHead(text);
  // A redirect's body is dropped unread, however it is framed.
  if (!REDIRECTS.has(head.status) && /chunked/i.test(head.headers['transfer-encoding'] ?? '')) throw fail('BAD_RESPONSE', 'chunked transfer encoding, which XAPI does not send');
  return head;
}

/** One request on one connection. */
function getOnce(url: URL, opts: RawGetOptions): Promise<RawResponse> {
  return new Promise((resolveHead, rejectHead) => {
    const bufferBytes = opts.readBufferBytes ?? 1 << 20;
    let headBytes: Buffer[] = [];
    let headLength = 0;
    let head: HttpHead | null = null;
    let remaining = Infinity; // bytes of body left when a Content-Length came
    let consume: BodyConsumer | null = null;
    let settle: { resolve: () => void; reject: (e: unknown) => void } | null = null;
    let ended = false;
    let failure: unknown = null;

    // Read buffers: one is reused while the consumer keeps up. Reads that arrive while it works
    // on a piece (pause() does not stop data a TLS record already decrypted) get buffers of
    // their own and wait in `queue`, in order.
    const spare: Buffer[] = [];
    const queue: { view: Buffer; owner: Buffer | null }[] = [];
    const recycle = (owner: Buffer | null) => {
      if (owner) spare.push(owner);
    };
    let busy = false;

    const finishBody = (err: unknown) => {
      if (err) failure ??= err;
      ended = true;
      if (settle && !busy && queue.length === 0) failure ? settle.reject(failure) : settle.resolve();
    };
    /** Hands queued pieces to the consumer, one at a time; resumes reading when all are done. */
    const drain = () => {
      while (queue.length > 0 && consume !== null && !busy) {
        const { view, owner } = queue.shift()!;
        let waiting: Promise<void> | void;
        try {
          waiting = consume(view);
        } catch (err) {
          queue.length = 0;
          socket.destroy(err as Error);
          return;
        }
        if (waiting) {
          busy = true;
          waiting.then(
            () => {
              busy = false;
              recycle(owner);
              drain();
            },
            (err: unknown) => {
              busy = false;
              queue.length = 0;
              socket.destroy(err as Error);
            },
          );
          return;
        }
        recycle(owner);
      }
      if (queue.length > 0 || busy || consume === null) return;
      if (ended) finishBody(null);
      else socket.resume();
    };
    const onBody = (view: Buffer, owner: Buffer | null): boolean => {
      const piece = view.length > remaining ? view.subarray(0, remaining) : view;
      remaining -= piece.length;
      if (remaining === 0) socket.end();
      if (piece.length > 0) queue.push({ view: piece, owner });
      else recycle(owner);
      drain();
      return !busy && queue.length === 0 && consume !== null;
    };
    const onread = {
      buffer: () => spare.pop() ?? Buffer.allocUnsafe(bufferBytes),
      callback: (n: number, buf: Uint8Array): boolean => {
        const owner = buf as Buffer;
        const view = Buffer.from(buf.buffer, buf.byteOffset, n);
        if (head) return onBody(view, owner);
        headBytes.push(Buffer.from(view));
        spare.push(owner);
        headLength += n;
        const all = Buffer.concat(headBytes, headLength);
        const end = all.indexOf('\r\n\r\n');
        if (end < 0) {
          if (headLength > MAX_HEAD) socket.destroy(fail('BAD_RESPONSE', `no end of the HTTP head within ${MAX_HEAD} bytes`));
          headBytes = [all];
          return true;
        }
        try {
          head = parseHead(all.subarray(0, end).toString('latin1'));
        } catch (err) {
          socket.destroy(err as Error);
          return false;
        }
        const length = head.headers['content-length'];
        if (length !== undefined && /^\d+$/.test(length)) remaining = Number(length);
        const rest = all.subarray(end + 4);
        if (rest.length > 0) onBody(rest, null);
        resolveHead({ ...head, body });
        return false; // paused until pump()
      },
    };
    const socket = openRawSocket(url, { trust: opts.trust, request: requestHead('GET', url), onread });
    const idle = opts.idleTimeoutMs ?? 15 * 60_000;
    socket.setTimeout(idle, () => socket.destroy(fail('ETIMEDOUT', `no data from ${url.host} for ${idle / 1000} s`)));
    const onAbort = () => socket.destroy(fail('ABORT_ERR', 'the transfer was cancelled'));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (err) => {
      if (!head) rejectHead(err);
      finishBody(err);
    });
    socket.on('end', () => {
      if (!head) rejectHead(fail('ECONNRESET', `${url.host} closed the connection before answering`));
      finishBody(remaining > 0 && remaining !== Infinity ? fail('ECONNRESET', `the body ended ${remaining} bytes short of its Content-Length`) : null);
    });
    socket.on('close', () => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (!head) rejectHead(fail('ECONNRESET', `connection to ${url.host} closed`));
      if (!ended) finishBody(fail('ECONNRESET', 'the connection closed before the end of the body'));
    });

    const body: RawBody = {
      pump(consumer) {
        return new Promise<void>((resolve, reject) => {
          settle = { resolve, reject };
          consume = consumer;
          drain();
        });
      },
      destroy(reason) {
        socket.destroy(reason);
      },
    };
  });
}

/** The response of a GET, after redirects. Any status is returned; a redirect's body is dropped. */
export async function rawGet(url: URL, query: Record<string, string>, opts: RawGetOptions): Promise<RawResponse> {
  let target = new URL(url);
  for (const [k, v] of Object.entries(query)) target.searchParams.set(k, v);
  for (let hop = 0; ; hop++) {
    const res = await getOnce(target, opts);
    const location = res.headers.location;
    if (!REDIRECTS.has(res.status) || location === undefined || hop >= MAX_REDIRECTS) return res;
    res.body.destroy();
    // XAPI's Location keeps the path and the query (session_id, task_id...).
    target = new URL(location, target);
  }
}
