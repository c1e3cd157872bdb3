/**
 * Disks that change between backups, through the pool's own API: `writeBlocks` PUTs a small VHD
 * holding only the given 2 MiB blocks into a VDI (`/import_raw_vdi?format=vhd`, which writes only
 * the sectors the VHD marks, delta-restore.md §B.2), as one would overlay a delta on a real pool;
 * `rawOf` hashes the disk as `/export_raw_vdi?format=raw` serves it. Both speak HTTP or HTTPS (the
 * e2e simulators' self-signed certificates are accepted), authenticate with HTTP Basic, and check
 * the transfer's task, so a refused write fails the test instead of passing quietly.
 */
import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { vhdStream } from '../../src/formats/vhd-writer.js';
import type { Simulator } from '../../src/sim/index.js';

const BLOCK = 2 << 20;

export interface WrittenBlocks {
  /** Bytes of the VHD sent (footer, header, BAT, the blocks, footer). */
  sent: number;
  /** block index → the bytes now in that block of the disk (the last block may be shorter). */
  data: Map<number, Buffer>;
}

/** Deterministic bytes for `block` from `seed` (xorshift32): the same arguments, the same bytes. */
export function blockData(seed: number, block: number, length = BLOCK): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(block + 1, 0xc2b2ae35)) >>> 0 || 1;
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeUInt32LE(x >>> 0, i);
  }
  for (; i < length; i++) out[i] = i & 0xff;
  return out;
}

function send(sim: Simulator, method: string, path: string, body?: Buffer): Promise<IncomingMessage> {
  const url = new URL(path, sim.url);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method,
      rejectUnauthorized: false,
      auth: `${sim.user}:${sim.password}`,
      headers: body ? { 'content-length': String(body.length), 'content-type': method === 'POST' ? 'application/json' : 'application/octet-stream' } : {},
    }, resolve);
    req.on('error', reject);
    req.end(body);
  });
}

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of res) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

async function call<T>(sim: Simulator, method: string, ...params: unknown[]): Promise<T> {
  const res = await send(sim, 'POST', '/jsonrpc', Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })));
  const reply = JSON.parse((await readAll(res)).toString('utf8')) as { result?: T; error?: { message: string; data: string[] } };
  if (reply.error) throw new Error(`${method}: ${reply.error.message}(${reply.error.data.join(', ')})`);
  return reply.result as T;
}

/** Runs one transfer under a task of our own and throws the task's error when it failed. */
async function withTask<T>(sim: Simulator, label: string, transfer: (session: string, task: string) => Promise<T>): Promise<T> {
  const session = await call<string>(sim, 'session.login_with_password', sim.user, sim.password);
  try {
    const task = await call<string>(sim, 'task.create', session, label, '');
    const result = await transfer(session, task);
    for (;;) {
      const record = await call<{ status: string; error_info: string[] }>(sim, 'task.get_record', session, task);
      if (record.status === 'success') break;
      if (record.status !== 'pending') throw new Error(`${label}: task ${record.status}: ${record.error_info.join(' ')}`);
      // The handler finishes the task right after the body; one more turn is all it takes.
      await new Promise((r) => setImmediate(r));
    }
    await call(sim, 'task.destroy', session, task);
    return result;
  } finally {
    await call(sim, 'session.logout', session).catch(() => undefined);
  }
}

/**
 * Writes `blocks` (2 MiB block numbers) of VDI `vdiUuid` with bytes from `seed`, through
 * `PUT /import_raw_vdi?format=vhd`: a VHD holding only those blocks, all sectors marked.
 */
export async function writeBlocks(sim: Simulator, vdiUuid: string, blocks: number[], seed: number): Promise<WrittenBlocks> {
  const vdi = sim.state.store.byUuid('VDI', vdiUuid);
  if (!vdi) throw new Error(`no VDI ${vdiUuid}`);
  const size = Number(vdi.record.virtual_size);
  const data = new Map<number, Buffer>();
  for (const b of [...new Set(blocks)].sort((x, y) => x - y)) {
    if (b < 0 || b * BLOCK >= size) throw new RangeError(`block ${b} is outside the ${size}-byte disk`);
    data.set(b, blockData(seed, b, Math.min(BLOCK, size - b * BLOCK)));
  }
  const parts: Buffer[] = [];
  for await (const part of vhdStream({ size: Math.ceil(size / 512) * 512, uuid: vdiUuid, allocated: (i) => data.has(i), block: (i) => data.get(i) ?? null })) parts.push(part);
  const body = Buffer.concat(parts);
  await withTask(sim, 'test: writeBlocks', async (session, task) => {
    const res = await send(sim, 'PUT', `/import_raw_vdi?session_id=${session}&task_id=${task}&format=vhd&vdi=${vdiUuid}`, body);
    await readAll(res);
    if (res.statusCode !== 200) throw new Error(`PUT /import_raw_vdi: HTTP ${res.statusCode}`);
  });
  return { sent: body.length, data };
}

/** The sha256 (hex) of VDI `vdiUuid` as `GET /export_raw_vdi?format=raw` serves it. */
export async function rawOf(sim: Simulator, vdiUuid: string): Promise<string> {
  return withTask(sim, 'test: rawOf', async (session, task) => {
    const res = await send(sim, 'GET', `/export_raw_vdi?session_id=${session}&task_id=${task}&format=raw&vdi=${vdiUuid}`);
    if (res.statusCode !== 200) throw new Error(`GET /export_raw_vdi: HTTP ${res.statusCode}`);
    const hash = createHash('sha256');
    for await (const part of res) hash.update(part as Buffer);
    return hash.digest('hex');
  });
}
