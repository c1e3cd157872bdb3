/**
 * Our PUT for XAPI imports against servers that answer as XAPI does (status line right after the
 * request head, before the body is read; Connection: close; the server closes at the end), over
 * plain TCP and TLS: the body arrives whole although the client reuses its buffers, nothing of
 * it is sent before a 2xx, redirects are followed with the same trust rules, and no socket stays
 * open after success, refusal or abort.
 */
import { createHash } from 'node:crypto';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import selfsigned from 'selfsigned';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VmbackupError } from '../../src/errors.js';
import { fingerprintOfPem } from '../../src/xapi/fingerprint.js';
import { rawPut } from '../../src/xapi/raw-put.js';
import { emptyRules } from '../../src/xapi/tls-trust.js';
import { pattern } from '../formats/helpers.js';

const servers: Server[] = [];
const serverSockets = new Set<Socket>();
afterEach(async () => {
  for (const socket of serverSockets) socket.destroy();
  serverSockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

type Pem = { key: string; cert: string };
let first: Pem;
let second: Pem;
async function certificate(): Promise<Pem> {
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  return { key: pems.private, cert: pems.cert };
}
beforeAll(async () => {
  [first, second] = await Promise.all([certificate(), certificate()]);
}, 30_000);

const strict = emptyRules();
const pinsOf = (...pems: Pem[]) => ({ ...emptyRules(), anywhere: pems.map((p) => fingerprintOfPem(p.cert)) });

/** What a server saw of one connection. */
interface Seen {
  head: string;
  bodyBytes: number;
  sha: string;
  closed: Promise<void>;
}

type Answer = (socket: Socket, seen: Seen, ended: Promise<void>) => void;

/** A server that reads the request head, lets `answer` reply, and counts and hashes the body. */
async function serve(answer: Answer, tls?: Pem): Promise<{ url: URL; seen: Seen[] }> {
  const seen: Seen[] = [];
  const onSocket = (socket: Socket) => {
    let headText = '';
    const hash = createHash('sha256');
    let closeSeen!: () => void;
    let endSeen!: () => void;
    const entry: Seen = { head: '', bodyBytes: 0, sha: '', closed: new Promise((r) => (closeSeen = r)) };
    const ended = new Promise<void>((r) => (endSeen = r));
    seen.push(entry);
    serverSockets.add(socket);
    socket.on('close', () => closeSeen());
    socket.on('error', () => undefined);
    socket.on('data', (d: Buffer) => {
      if (!entry.head) {
        headText += d.toString('latin1');
        const end = headText.indexOf('\r\n\r\n');
        if (end < 0) return;
        entry.head = headText.slice(0, end);
        const rest = Buffer.from(headText.slice(end + 4), 'latin1');
        if (rest.length > 0) {
          entry.bodyBytes += rest.length;
          hash.update(rest);
        }
        answer(socket, entry, ended);
      } else {
        entry.bodyBytes += d.length;
        hash.update(d);
      }
      const declared = Number(/content-length: (\d+)/i.exec(entry.head)?.[1] ?? -1);
      if (entry.bodyBytes === declared) {
        entry.sha = hash.copy().digest('hex');
        endSeen();
      }
    });
  };
  const server = tls ? createTlsServer(tls, onSocket) : createNetServer(onSocket);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: new URL(`${tls ? 'https' : 'http'}://127.0.0.1:${port}/import?session_id=OpaqueRef:s&task_id=OpaqueRef:t`), seen };
}

/** XAPI: 200 at once, then read the body; close once all of it came. */
const xapiOk: Answer = (socket, _seen, ended) => {
  socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\ncontent-type: application/octet-stream\r\ntask-id: OpaqueRef:t\r\n\r\n');
  void ended.then(() => socket.end());
};

/** Sends `body` through one reused buffer of `size` bytes, two writes in flight at most. */
async function sendReusing(put: Awaited<ReturnType<typeof rawPut>>, body: Buffer, size: number): Promise<void> {
  const buffers = [Buffer.alloc(size), Buffer.alloc(size)];
  const writing: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
  for (let at = 0, i = 0; at < body.length; at += size, i ^= 1) {
    await writing[i];
    const n = body.copy(buffers[i]!, 0, at, at + size);
    writing[i] = put.write(buffers[i]!.subarray(0, n));
  }
  await Promise.all(writing);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('rawPut', () => {
  it.each([
    ['plain TCP', false],
    ['TLS', true],
  ])('sends the head alone, then the whole body from reused buffers after the 200 (%s)', async (_how, tls) => {
    const { url, seen } = await serve(xapiOk, tls ? first : undefined);
    const body = pattern(1, 9 * 2 ** 20 + 123);
    const put = await rawPut(url, body.length, { trust: tls ? pinsOf(first) : strict });
    // The status came before any body byte was written.
    expect(seen[0]!.bodyBytes).toBe(0);
    expect(seen[0]!.head).toMatch(/^PUT \/import\?session_id=OpaqueRef:s&task_id=OpaqueRef:t HTTP\/1\.1\r\n/);
    expect(seen[0]!.head).toMatch(new RegExp(`\r\nContent-Length: ${body.length}\r\n`));
    expect(seen[0]!.head).not.toMatch(/transfer-encoding/i);
    await sendReusing(put, body, 256 * 1024);
    await put.finish();
    expect(seen[0]!.bodyBytes).toBe(body.length);
    expect(seen[0]!.sha).toBe(sha(body));
    expect(put.closed).toBe(true);
    await seen[0]!.closed;
  });

  it('refuses a status other than 2xx or a redirect with HTTP_<status>, having sent nothing of the body', async () => {
    const { url, seen } = await serve((socket) => socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n'));
    const err = await rawPut(url, 1000, { trust: strict }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VmbackupError);
    expect(err).toMatchObject({ code: 'HTTP_403', message: expect.stringContaining('HTTP 403 Forbidden') });
    await seen[0]!.closed;
    expect(seen[0]!.bodyBytes).toBe(0);
  });

  it('follows a 302 before any body byte, checking the new host by the same rules', async () => {
    const back = await serve(xapiOk, second);
    const front = await serve((socket, s) => {
      const path = s.head.split(' ')[1]!;
      socket.end(`HTTP/1.1 302 Found\r\nLocation: https://127.0.0.1:${back.url.port}${path}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    }, first);
    const body = pattern(2, 3 * 2 ** 20);

    // The second host's certificate is not in the rules: its connection gets no request at all.
    await expect(rawPut(front.url, body.length, { trust: pinsOf(first) })).rejects.toMatchObject({ code: 'CERT_UNKNOWN' });
    await Promise.all(back.seen.map((s) => s.closed));
    expect(back.seen.every((s) => s.head === '')).toBe(true);
    const refusedConnections = back.seen.length;

    const put = await rawPut(front.url, body.length, { trust: pinsOf(first, second) });
    expect(put.url.port).toBe(back.url.port);
    await sendReusing(put, body, 1 << 20);
    await put.finish();
    expect(front.seen.every((s) => s.bodyBytes === 0)).toBe(true);
    const took = back.seen[refusedConnections]!;
    expect(took.head).toMatch(/^PUT \/import\?session_id=OpaqueRef:s&task_id=OpaqueRef:t /);
    expect(took.sha).toBe(sha(body));
  });

  it('sends nothing to a certificate the rules do not accept', async () => {
    const { url, seen } = await serve(xapiOk, first);
    await expect(rawPut(url, 10, { trust: strict })).rejects.toMatchObject({ code: 'CERT_UNKNOWN' });
    // The server may not even have finished its handshake: whatever it saw, it saw no request.
    await Promise.all(seen.map((s) => s.closed));
    expect(seen.every((s) => s.head === '')).toBe(true);
  });

  it('an abort mid-body destroys the socket at once and fails the writes', async () => {
    // A server that answers 200 and then never reads: the writes back up.
    let serverSide: Socket | undefined;
    const { url, seen } = await serve((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n');
      socket.pause();
      serverSide = socket;
    }, first);
    const controller = new AbortController();
    const put = await rawPut(url, 64 * 2 ** 20, { trust: pinsOf(first), signal: controller.signal });
    const chunk = pattern(3, 2 ** 20);
    const writes = Array.from({ length: 32 }, () => put.write(chunk));
    writes.forEach((w) => w.catch(() => undefined));
    controller.abort();
    expect(put.closed).toBe(true);
    await expect(Promise.all(writes)).rejects.toMatchObject({ code: 'ABORT_ERR' });
    // Reading again, the server learns that the client is gone.
    serverSide!.resume();
    await seen[0]!.closed;
  });

  it('a server that drops the connection mid-body fails the writes and finish with a socket error', async () => {
    const { url } = await serve((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n');
      socket.once('data', () => socket.destroy());
    });
    const put = await rawPut(url, 256 * 2 ** 20, { trust: strict });
    const chunk = pattern(3, 2 ** 20);
    let failure: unknown;
    for (let i = 0; i < 256 && !failure; i++) await put.write(chunk).catch((e: unknown) => (failure = e));
    expect(failure).toMatchObject({ code: expect.stringMatching(/^(ECONNRESET|EPIPE)$/) });
    await expect(put.finish()).rejects.toBeDefined();
    expect(put.closed).toBe(true);
  });
});
