/**
 * What raw-get.ts (export streams) and raw-put.ts (restore uploads) share: the socket, plain or
 * TLS by the URL's scheme, with the request head written only once the peer passed the trust
 * rules (the head carries the session id), and the reading of an HTTP/1.x response head.
 */
import { connect as netConnect, type OnReadOpts, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect, type TLSSocket } from 'node:tls';
import { checkRawPeer, rawTlsOptions } from './tls-connect.js';
import type { TrustRules } from './tls-trust.js';

/** A response head longer than this is no XAPI answer. */
export const MAX_HEAD = 64 * 1024;
export const REDIRECTS = new Set([301, 302, 303, 307, 308]);
export const MAX_REDIRECTS = 5;

/** An Error with a Node-style `code` (ECONNRESET, ETIMEDOUT, BAD_RESPONSE...). */
export function fail(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

export interface HttpHead {
  status: number;
  statusText: string;
  /** Lower-case names. */
  headers: Record<string, string>;
}

/** The head's text up to (not including) the blank line. Throws BAD_RESPONSE for no status line. */
export function parseHttpHead(text: string): HttpHead {
  const [statusLine = '', ...lines] = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(statusLine);
  if (!m) throw fail('BAD_RESPONSE', `not an HTTP response: ${JSON.stringify(statusLine.slice(0, 80))}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(m[1]), statusText: m[2] ?? '', headers };
}

/** `METHOD path?query HTTP/1.1` with Host, User-Agent, `extra` header lines, Connection: close. */
export function requestHead(method: string, url: URL, extra: readonly string[] = []): string {
  return [`${method} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, 'User-Agent: vmbackup', ...extra, 'Connection: close', '', ''].join('\r\n');
}

export interface RawSocketOptions {
  trust: TrustRules;
  /** Written once connected and, over TLS, once the certificate passed the rules. */
  request: string;
  /** Node's reads into caller-owned buffers (raw-get.ts). */
  onread?: OnReadOpts;
  /** Nagle off before the request (an upload's head must not wait for its body). */
  noDelay?: boolean;
}

/** Connects to `url`'s host; a certificate the rules refuse destroys the socket with that refusal, nothing written. */
export function openRawSocket(url: URL, opts: RawSocketOptions): Socket {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const tls = url.protocol === 'https:';
  const port = Number(url.port) || (tls ? 443 : 80);
  const extra = opts.onread ? { onread: opts.onread } : {};
  const socket: Socket = tls
    ? // Node's TLS sockets take onread too (tls.connect docs); @types/node does not list it.
      tlsConnect(rawTlsOptions(opts.trust, host, port, extra as ConnectionOptions))
    : netConnect({ host, port, ...extra });
  socket.once(tls ? 'secureConnect' : 'connect', () => {
    // The request carries the session id: it goes only to a certificate the rules accept.
    const refused = tls ? checkRawPeer(opts.trust, socket as TLSSocket, host, port) : null;
    if (refused) return void socket.destroy(refused);
    if (opts.noDelay) socket.setNoDelay(true);
    socket.write(opts.request);
  });
  return socket;
}
