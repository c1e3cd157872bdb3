/**
 * PUT of an XAPI import resource (/import, /import_raw_vdi) on a socket of our own, the twin of
 * raw-get.ts, instead of xen-api's putResource (node:http through http-request-plus):
 * - XAPI answers `HTTP/1.1 200` as soon as it has read the request head, BEFORE it reads the
 *   body, and a refusal (302 to the member that sees the storage, 4xx, 5xx) the same way
 *   (xapi-notes §1.10, §3.4). So the head goes out alone and the status decides whether a body
 *   byte is sent at all: a redirect is followed with nothing sent, a refusal costs nothing.
 *   node:http would start the body at once, and xen-api probes first with a second request.
 * - The body is the caller's reused buffers, written with the socket's own completion callbacks
 *   as backpressure: a buffer may be refilled once its write settled, so a restore holds a few
 *   MiB whatever the file's size.
 * - XAPI closes the connection when the import is over; the response has no body worth reading.
 *   `finish()` drains it until the server closes.
 * Trust: every socket (redirect targets included) is checked by the rules before the request
 * head, which carries the session id, is written.
 */
import { VmbackupError } from '../errors.js';
import { fail, type HttpHead, MAX_HEAD, MAX_REDIRECTS, openRawSocket, parseHttpHead, REDIRECTS, requestHead } from './raw-http.js';
import type { TrustRules } from './tls-trust.js';

export interface RawPutOptions {
  /** Which certificates to accept (tls-trust.ts); checked before the request head is written. */
  trust: TrustRules;
  /** Destroys the socket at once, whatever it is doing. */
  signal?: AbortSignal | undefined;
  /** No status line this long after the head was sent fails the request (XAPI answers at once). */
  headTimeoutMs?: number;
  /** No activity on the socket for this long (either way) ends it. */
  idleTimeoutMs?: number;
  contentType?: string;
}

/** A PUT whose server said 200 and now reads the body. */
export interface RawPutBody {
  /** The URL that took the body (after redirects). */
  url: URL;
  headers: Record<string, string>;
  /**
   * Sends one piece. Resolves once the socket is done with `chunk` (the buffer may then be
   * reused); rejects when the connection failed. Several may be in flight at once.
   */
  write(chunk: Buffer): Promise<void>;
  /** After the last byte: resolves when the server closed the connection (the import is over). */
  finish(): Promise<void>;
  /** Ends the connection at once (nothing more is sent). */
  destroy(reason?: Error): void;
  /** Whether the socket is gone (for tests and cleanup checks). */
  readonly closed: boolean;
}

type Answer = { head: HttpHead; body: RawPutBody } | { head: HttpHead; body: null };

/** One request on one connection: resolves with the status once it came (and the body writer on 2xx). */
function putOnce(url: URL, contentLength: number, opts: RawPutOptions): Promise<Answer> {
  return new Promise((resolveHead, rejectHead) => {
    const request = requestHead('PUT', url, [`Content-Length: ${contentLength}`, `Content-Type: ${opts.contentType ?? 'application/octet-stream'}`]);
    const socket = openRawSocket(url, { trust: opts.trust, request, noDelay: true });
    let head: HttpHead | null = null;
    let headText = '';
    let failure: Error | null = null;
    let serverClosed = false;
    let onServerClosed: (() => void) | null = null;
    let closed = false;

    const headTimeout = opts.headTimeoutMs ?? 60_000;
    const headTimer = setTimeout(() => socket.destroy(fail('ETIMEDOUT', `${url.host} did not answer the upload request within ${headTimeout / 1000} s`)), headTimeout);
    const idle = opts.idleTimeoutMs ?? 15 * 60_000;
    socket.setTimeout(idle, () => socket.destroy(fail('ETIMEDOUT', `no progress on the upload to ${url.host} for ${idle / 1000} s`)));
    const onAbort = () => socket.destroy(fail('ABORT_ERR', 'the transfer was cancelled'));
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });


    socket.on('data', (data: Buffer) => {
      // After the head, whatever the server says before closing is dropped (XAPI says nothing).
      if (head) return;
      headText += data.toString('latin1');
      for (;;) {
        const end = headText.indexOf('\r\n\r\n');
        if (end < 0) {
          if (headText.length > MAX_HEAD) socket.destroy(fail('BAD_RESPONSE', `no end of the HTTP head within ${MAX_HEAD} bytes`));
          return;
        }
        let parsed: HttpHead;
        try {
          parsed = parseHttpHead(headText.slice(0, end));
        } catch (err) {
          return void socket.destroy(err as Error);
        }
        headText = headText.slice(end + 4);
        // An interim "100 Continue" is not the answer.
        if (parsed.status >= 100 && parsed.status < 200) continue;
        head = parsed;
        clearTimeout(headTimer);
        if (parsed.status >= 200 && parsed.status < 300) resolveHead({ head: parsed, body });
        else {
          // A redirect or a refusal: nothing was sent, nothing will be; the connection is done.
          socket.destroy();
          resolveHead({ head: parsed, body: null });
        }
        return;
      }
    });
    socket.on('end', () => {
      serverClosed = true;
      if (!head) rejectHead(fail('ECONNRESET', `${url.host} closed the connection before answering the upload request`));
      onServerClosed?.();
    });
    socket.on('error', (err) => {
      failure ??= err;
      if (!head) rejectHead(err);
    });
    socket.on('close', () => {
      closed = true;
      clearTimeout(headTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (!head) rejectHead(failure ?? fail('ECONNRESET', `connection to ${url.host} closed`));
      onServerClosed?.();
    });

    let written = 0;
    const body: RawPutBody = {
      url,
      get headers() {
        return head?.headers ?? {};
      },
      get closed() {
        return socket.destroyed;
      },
      write(chunk) {
        if (failure || closed) return Promise.reject(failure ?? fail('ECONNRESET', `the connection to ${url.host} closed during the upload`));
        if (written + chunk.length > contentLength) return Promise.reject(fail('ERR_HTTP_CONTENT_LENGTH_MISMATCH', `more than the ${contentLength} bytes announced`));
        written += chunk.length;
        return new Promise<void>((resolve, reject) => {
          socket.write(chunk, (err) => {
            if (err) reject(failure ?? err);
            else resolve();
          });
        });
      },
      finish() {
        if (written !== contentLength) return Promise.reject(fail('ERR_HTTP_CONTENT_LENGTH_MISMATCH', `${written} bytes sent of the ${contentLength} announced`));
        return new Promise<void>((resolve, reject) => {
          onServerClosed = () => {
            socket.destroy();
            if (failure) reject(failure);
            else resolve();
          };
          if (serverClosed || closed) onServerClosed();
        });
      },
      destroy(reason) {
        socket.destroy(reason);
      },
    };
  });
}

/** XAPI's refusal of an upload, by status (the task usually has the precise error). */
function refused(head: HttpHead, url: URL): VmbackupError {
  const status = `HTTP ${head.status}${head.statusText ? ` ${head.statusText}` : ''}`;
  return new VmbackupError(`HTTP_${head.status}`, `the pool refused the upload to ${url.pathname}: ${status}`, 'see the pool\'s task list (xe task-list) and its log for the reason');
}

/**
 * Opens a PUT of `contentLength` bytes and follows redirects (nothing of the body is sent
 * before a 2xx). Resolves with the body writer; rejects with VmbackupError(HTTP_<status>) for a
 * refusal, or the socket's error.
 */
export async function rawPut(url: URL, contentLength: number, opts: RawPutOptions): Promise<RawPutBody> {
  let target = new URL(url);
  for (let hop = 0; ; hop++) {
    const { head, body } = await putOnce(target, contentLength, opts);
    if (body) return body;
    const location = head.headers.location;
    if (!REDIRECTS.has(head.status) || location === undefined) throw refused(head, target);
    if (hop >= MAX_REDIRECTS) throw new VmbackupError('TOO_MANY_REDIRECTS', `the upload to ${url.pathname} was redirected more than ${MAX_REDIRECTS} times`, 'check the pool members\' addresses (xe host-list params=address)');
    // XAPI's Location keeps the path and the query (session_id, task_id...).
    target = new URL(location, target);
  }
}
