/**
 * Our GET for XAPI transfers against servers that answer as XAPI does (raw sockets, HTTP/1.0,
 * Connection: close, no Content-Length), over plain TCP and TLS: every byte arrives, in order,
 * whatever the consumer's pace, although the client reads into reused buffers.
 */
import { createHash } from 'node:crypto';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import selfsigned from 'selfsigned';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintOfPem, parseFingerprint } from '../../src/xapi/fingerprint.js';
import { type BodyConsumer, rawGet } from '../../src/xapi/raw-get.js';
import { emptyRules } from '../../src/xapi/tls-trust.js';
import { pattern } from '../formats/helpers.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

let tlsKey = '';
let tlsCert = '';
beforeAll(async () => {
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  tlsKey = pems.private;
  tlsCert = pems.cert;
}, 30_000);

type Handler = (socket: Socket, request: string) => void;

/** A server that reads the request head and lets `handle` write the raw answer. */
const strict = emptyRules();
const insecure = { ...emptyRules(), insecure: true };

async function serve(handle: Handler, tls = false): Promise<URL> {
  const onSocket = (socket: Socket) => {
    let head = '';
    socket.on('data', function onData(d: Buffer) {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      handle(socket, head);
    });
    socket.on('error', () => undefined);
  };
  const server = tls ? createTlsServer({ key: tlsKey, cert: tlsCert }, onSocket) : createNetServer(onSocket);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return new URL(`${tls ? 'https' : 'http'}://127.0.0.1:${port}/export`);
}

/** Writes `body` in pieces of random sizes, as XAPI streams, then closes. */
function xapiAnswer(body: Buffer, extraHead = ''): Handler {
  return (socket) => {
    socket.write(`HTTP/1.0 200 OK\r\nConnection: close\r\nCache-Control: no-cache, no-store\r\n${extraHead}\r\n`);
    let at = 0;
    const next = () => {
      while (at < body.length) {
        const n = 1 + Math.floor(Math.random() * 300_000);
        const ok = socket.write(body.subarray(at, at + n));
        at += n;
        if (!ok) return void socket.once('drain', next);
      }
      socket.end();
    };
    next();
  };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A consumer that hashes what it gets and, every third piece, takes its time. */
function slowHasher(): { consume: BodyConsumer; digest(): string; bytes(): number } {
  const hash = createHash('sha256');
  let n = 0;
  let calls = 0;
  return {
    consume: (chunk) => {
      calls++;
      if (calls % 3 !== 0) {
        hash.update(chunk);
        n += chunk.length;
        return;
      }
      // Use the view after a pause: it must still hold this piece.
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          hash.update(chunk);
          n += chunk.length;
          resolve();
        }, 1),
      );
    },
    digest: () => hash.digest('hex'),
    bytes: () => n,
  };
}

describe('rawGet', () => {
  it.each([false, true])('gets a close-delimited body byte for byte (TLS: %s), with a consumer that pauses', async (tls) => {
    const body = pattern(9, 6 * 2 ** 20 + 123);
    const url = await serve(xapiAnswer(body), tls);
    const res = await rawGet(url, { session_id: 'OpaqueRef:s', ref: 'OpaqueRef:v' }, { trust: insecure, readBufferBytes: 256 * 1024 });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-cache, no-store');
    const h = slowHasher();
    await res.body.pump(h.consume);
    expect(h.bytes()).toBe(body.length);
    expect(h.digest()).toBe(sha(body));
  }, 30_000);

  it('sends the query and follows a 302 at once, keeping it', async () => {
    const body = pattern(2, 5000);
    let seen = '';
    const target = await serve((socket, request) => {
      seen = request.split('\r\n')[0]!;
      xapiAnswer(body)(socket, request);
    });
    const front = await serve((socket, request) => {
      const path = request.split(' ')[1]!;
      socket.end(`HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:${target.port}${path}\r\nConnection: close\r\n\r\n`);
    });
    const res = await rawGet(front, { session_id: 'OpaqueRef:s', task_id: 'OpaqueRef:t' }, { trust: strict });
    const got: Buffer[] = [];
    await res.body.pump((c) => void got.push(Buffer.from(c)));
    expect(Buffer.concat(got).equals(body)).toBe(true);
    expect(seen).toBe('GET /export?session_id=OpaqueRef%3As&task_id=OpaqueRef%3At HTTP/1.1');
  });

  it('gets a body that came with the head, before pump() was called', async () => {
    const body = pattern(3, 700);
    const url = await serve((socket) => socket.end(Buffer.concat([Buffer.from('HTTP/1.0 200 OK\r\nConnection: close\r\n\r\n'), body])));
    const res = await rawGet(url, {}, { trust: strict });
    await new Promise((r) => setTimeout(r, 50));
    const got: Buffer[] = [];
    await res.body.pump((c) => void got.push(Buffer.from(c)));
    expect(Buffer.concat(got).equals(body)).toBe(true);
  });

  it('returns an error status as is (the caller reads the task)', async () => {
    const url = await serve((socket) => socket.end('HTTP/1.1 500 Internal Error\r\nConnection: close\r\n\r\n<html>HTTP 500</html>'));
    const res = await rawGet(url, {}, { trust: strict });
    expect([res.status, res.statusText]).toEqual([500, 'Internal Error']);
    res.body.destroy();
  });

  it('fails a body shorter than its Content-Length, and refuses chunked encoding', async () => {
    const short = await serve((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this'));
    const res = await rawGet(short, {}, { trust: strict });
    await expect(res.body.pump(() => undefined)).rejects.toThrow(/91 bytes short of its Content-Length/);
    const chunked = await serve((socket) => socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'));
    await expect(rawGet(chunked, {}, { trust: strict })).rejects.toThrow(/chunked transfer encoding/);
  });

  it('sends nothing to a certificate the rules do not accept, and gets the body from a pinned one', async () => {
    let requests = 0;
    const url = await serve((socket, request) => {
      requests++;
      xapiAnswer(Buffer.from('x'))(socket, request);
    }, true);
    await expect(rawGet(url, { session_id: 'OpaqueRef:secret' }, { trust: strict })).rejects.toMatchObject({ code: 'CERT_UNKNOWN', message: expect.stringContaining(fingerprintOfPem(tlsCert)) });
    const other = { ...strict, pinned: { [`127.0.0.1:${url.port}`]: parseFingerprint('ab'.repeat(32))! } };
    await expect(rawGet(url, {}, { trust: other })).rejects.toMatchObject({ code: 'CERT_CHANGED' });
    expect(requests).toBe(0);
    const pinned = { ...strict, pinned: { [`127.0.0.1:${url.port}`]: fingerprintOfPem(tlsCert) } };
    const res = await rawGet(url, {}, { trust: pinned });
    await res.body.pump(() => undefined);
    expect([res.status, requests]).toEqual([200, 1]);
  });

  it('an abort mid-body rejects the pump and closes the connection', async () => {
    const controller = new AbortController();
    let closed = false;
    const url = await serve((socket) => {
      socket.on('close', () => (closed = true));
      socket.write('HTTP/1.0 200 OK\r\nConnection: close\r\n\r\n');
      const timer = setInterval(() => socket.write(pattern(1, 65536)), 5);
      socket.on('close', () => clearInterval(timer));
    });
    const res = await rawGet(url, {}, { trust: strict, signal: controller.signal });
    let bytes = 0;
    const pumping = res.body.pump((c) => {
      bytes += c.length;
      if (bytes > 300_000) controller.abort();
    });
    await expect(pumping).rejects.toMatchObject({ code: 'ABORT_ERR' });
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(true);
  });
});
