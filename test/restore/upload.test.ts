/**
 * uploadFile against the simulator over HTTPS, through a real PoolConnection and its transfer
 * tickets: XVAs (plain, gzip, zstd) made by the simulator's own export become VMs with the same
 * disk bytes; a flipped byte is refused by the backup's verifier with the file, member and
 * offset named, the task is cancelled and nothing stays on the pool; an abort mid-stream and a
 * refusal leave no socket open; raw and VHD go into existing VDIs, across a 302 to the member
 * that sees the storage.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import type { PoolFixture } from '../../src/sim/pool/fixture.js';
import { restoreVerifier, uploadFile } from '../../src/restore/upload.js';
import { PoolConnection } from '../../src/xapi/connection.js';
import { rawGet } from '../../src/xapi/raw-get.js';
import { FAR_POOL } from '../helpers/far-pool.js';
import { stopAll, testSimulator, whenStore } from '../helpers/sim.js';
import { selfSignedByOpenssl } from '../helpers/tools.js';
import { trustSim } from '../helpers/trust.js';
import { tempDirForFile } from '../helpers/temp.js';

// Every TLS socket raw-put opens, to check that none is left open.
const { putSockets } = vi.hoisted(() => ({ putSockets: [] as Socket[] }));
vi.mock('node:tls', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:tls')>();
  const connect = (...args: Parameters<typeof real.connect>) => {
    const socket = real.connect(...args);
    if (new Error().stack?.includes('raw-put')) putSockets.push(socket);
    return socket;
  };
  return { ...real, connect, default: { ...real, connect } };
});

const POOL: PoolFixture = {
  name: 'restore pool',
  hosts: [{ name: 'xcp1' }],
  srs: [{ name: 'Local storage', size: '1TiB', default: true }],
  vms: [
    { name: 'small', power: 'Halted', disks: [{ size: '5MiB', density: 1 }, { size: '3MiB', density: 0.5 }] },
    { name: 'big', power: 'Halted', disks: [{ size: '48MiB', density: 1 }] },
  ],
};

const conns: PoolConnection[] = [];
const dir = tempDirForFile('upload-test');
beforeEach(() => {
  putSockets.length = 0;
});
afterEach(async () => {
  for (const c of conns.splice(0)) await c.close();
  await stopAll();
});

async function connect(sim: Simulator): Promise<PoolConnection> {
  const conn = await PoolConnection.open({ target: { url: sim.url, user: sim.user }, credentials: async (t) => ({ user: t.user, password: sim.password }), tls: trustSim(sim) });
  conns.push(conn);
  return conn;
}

const ref = (sim: Simulator, cls: string, name: string) => sim.state.store.rows(cls).find((r) => r.record.name_label === name && !r.record.is_a_snapshot)!.ref;
const count = (sim: Simulator, cls: string) => sim.state.store.rows(cls).length;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A GET of a pool resource (under a task, as a backup makes it), whole. */
async function fetchResource(conn: PoolConnection, path: string, query: Record<string, string>): Promise<Buffer> {
  const ticket = await conn.transfer('reading', path, query);
  try {
    const res = await rawGet(new URL(ticket.url), {}, { trust: ticket.trust });
    const parts: Buffer[] = [];
    await res.body.pump((piece) => void parts.push(Buffer.from(piece)));
    await ticket.result;
    return Buffer.concat(parts);
  } finally {
    ticket.done();
  }
}

/** The disks of a VM, raw, in userdevice order. */
async function disksOf(sim: Simulator, conn: PoolConnection, vm: string): Promise<Buffer[]> {
  const store = sim.state.store;
  const vdis = (store.get(vm)!.record.VBDs as string[])
    .map((vbd) => store.get(vbd)!.record)
    .filter((vbd) => vbd.type === 'Disk')
    .sort((a, b) => Number(a.userdevice) - Number(b.userdevice))
    .map((vbd) => String(vbd.VDI));
  return Promise.all(vdis.map((vdi) => fetchResource(conn, '/export_raw_vdi', { vdi, format: 'raw' })));
}

/** Waits until the pool is done with a task (the handler settles it after the connection ends). */
function settled(sim: Simulator, task: string): Promise<Record<string, unknown>> {
  return whenStore(sim, () => {
    const record = sim.state.store.get(task)?.record;
    return record && record.status !== 'pending' ? record : null;
  });
}

const progressLog = () => {
  const seen: number[] = [];
  return { seen, onBytes: (done: number) => void seen.push(done) };
};

describe('uploadFile to /import', () => {
  it.each([
    ['xva', 'none'],
    ['xva.gz', 'gzip'],
    ['xva.zst', 'zstd'],
  ] as const)('restores a %s the simulator exported: a new VM with the same disk bytes', async (format, compression) => {
    const sim = await testSimulator({ pool: POOL });
    const conn = await connect(sim);
    const source = ref(sim, 'VM', 'small');
    const file = join(dir, `small.${format}`);
    const bytes = await fetchResource(conn, '/export', { ref: source, use_compression: compression });
    await writeFile(file, bytes);
    const sr = ref(sim, 'SR', 'Local storage');
    const signal = new AbortController().signal;
    const ticket = await conn.transfer('restoring small', '/import', { sr_id: sr }, signal);
    const log = progressLog();
    const result = await uploadFile({ ticket, file, contentLength: bytes.length, verify: restoreVerifier(format, bytes.length), signal, onBytes: log.onBytes });
    expect(result.bytes).toBe(bytes.length);
    expect(log.seen.at(-1)).toBe(bytes.length);
    expect(result.taskResult).toEqual([expect.stringMatching(/^OpaqueRef:/)]);
    const vm = (result.taskResult as string[])[0]!;
    expect(sim.state.store.get(vm)!.record.name_label).toBe('small');
    expect(vm).not.toBe(source);
    const [before, after] = [await disksOf(sim, conn, source), await disksOf(sim, conn, vm)];
    expect(after.map(sha)).toEqual(before.map(sha));
    expect(putSockets.length).toBeGreaterThan(0);
    expect(putSockets.every((s) => s.destroyed)).toBe(true);
  }, 30_000);

  it.each([
    ['xva', 'none'],
    ['xva.gz', 'gzip'],
  ] as const)('refuses a %s with one flipped byte: VERIFY_FAILED naming file, member and offset; task cancelled, nothing left', async (format, compression) => {
    const sim = await testSimulator({ pool: POOL });
    const conn = await connect(sim);
    const xva = await fetchResource(conn, '/export', { ref: ref(sim, 'VM', 'small') });
    // One byte inside the first chunk's data: past ova.xml's header and padded body, and past
    // the chunk's own header.
    const ovaSize = parseInt(xva.subarray(124, 136).toString('latin1').replace(/\0.*$/, '').trim(), 8);
    const chunkHeader = 512 + Math.ceil(ovaSize / 512) * 512;
    const member = xva.subarray(chunkHeader, chunkHeader + 100).toString('latin1').replace(/\0.*$/, '');
    const at = chunkHeader + 512 + 100;
    xva[at] = xva[at]! ^ 0xff;
    const bytes = compression === 'gzip' ? await gzipped(xva) : xva;
    const file = join(dir, `damaged.${format}`);
    await writeFile(file, bytes);
    const [vms, vdis] = [count(sim, 'VM'), count(sim, 'VDI')];
    const signal = new AbortController().signal;
    const ticket = await conn.transfer('restoring small', '/import', { sr_id: ref(sim, 'SR', 'Local storage') }, signal);
    const err = await uploadFile({ ticket, file, contentLength: bytes.length, verify: restoreVerifier(format, bytes.length), signal, onBytes: () => undefined }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VERIFY_FAILED' });
    const message = (err as Error).message;
    expect(message).toContain(file);
    expect(message).toContain(`chunk ${member} at offset ${chunkHeader}`);
    expect((err as { hint?: string }).hint).toMatch(/another backup/);
    expect(putSockets.every((s) => s.destroyed)).toBe(true);
    expect((await settled(sim, ticket.taskRef)).status).toBe('cancelled');
    expect([count(sim, 'VM'), count(sim, 'VDI')]).toEqual([vms, vdis]);
  }, 30_000);

  it('an abort mid-stream rejects with the signal\'s reason, cancels the task and leaves no socket and no VM', async () => {
    const sim = await testSimulator({ pool: POOL });
    const conn = await connect(sim);
    const bytes = await fetchResource(conn, '/export', { ref: ref(sim, 'VM', 'big') });
    const file = join(dir, 'big.xva');
    await writeFile(file, bytes);
    const [vms, vdis] = [count(sim, 'VM'), count(sim, 'VDI')];
    const controller = new AbortController();
    const ticket = await conn.transfer('restoring big', '/import', { sr_id: ref(sim, 'SR', 'Local storage') }, controller.signal);
    const upload = uploadFile({ ticket, file, contentLength: bytes.length, verify: { kind: 'xva' }, signal: controller.signal, onBytes: () => undefined });
    let outcome: string | null = null;
    upload.then(
      () => (outcome = 'the upload finished before the abort'),
      (err: unknown) => (outcome = `the upload failed before the abort: ${String(err)}`),
    );
    // The simulator shares this event loop: once it has taken some of the body, the rest is
    // still to come (48 MiB do not go in one turn). An upload that settles first ends the wait
    // with its own outcome rather than the test's timeout.
    for (;;) {
      expect(outcome).toBeNull();
      const progress = Number(sim.state.store.get(ticket.taskRef)?.record.progress ?? 0);
      if (progress > 0) break;
      await new Promise((r) => setImmediate(r));
    }
    expect(Number(sim.state.store.get(ticket.taskRef)!.record.progress)).toBeLessThan(0.9);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(upload).rejects.toBe(reason);
    expect(putSockets.length).toBe(1);
    expect(putSockets[0]!.destroyed).toBe(true);
    expect((await settled(sim, ticket.taskRef)).status).toBe('cancelled');
    expect([count(sim, 'VM'), count(sim, 'VDI')]).toEqual([vms, vdis]);
    // A 48 MiB export and upload on a 2-core machine running other test files beside it.
  }, 90_000);

  it('a request the pool refuses (unknown SR) fails with the task\'s own error, not just the HTTP status', async () => {
    const sim = await testSimulator({ pool: POOL });
    const conn = await connect(sim);
    const file = join(dir, 'any.xva');
    await writeFile(file, Buffer.alloc(2048));
    const signal = new AbortController().signal;
    const ticket = await conn.transfer('restoring', '/import', { sr_id: 'OpaqueRef:no-such-sr' }, signal);
    const err = await uploadFile({ ticket, file, contentLength: 2048, verify: { kind: 'xva' }, signal, onBytes: () => undefined }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'HANDLE_INVALID', message: expect.stringContaining('restoring failed: HANDLE_INVALID') });
    expect(putSockets.every((s) => s.destroyed)).toBe(true);
  }, 30_000);
});

describe('uploadFile to /import_raw_vdi', () => {
  it('sends a raw disk into a VDI on another host\'s local SR, following the 302 to that host', async () => {
    const sim = await testSimulator({ pool: FAR_POOL });
    const conn = await connect(sim);
    const vdi = sim.state.store.rows('VDI').find((v) => v.record.SR === ref(sim, 'SR', 'Local storage xcp2') && !v.record.is_a_snapshot)!;
    const size = Number(vdi.record.virtual_size);
    const disk = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4096) disk.writeUInt32LE((i * 2654435761) >>> 0, i);
    const file = join(dir, 'disk.raw');
    await writeFile(file, disk);
    const signal = new AbortController().signal;
    const ticket = await conn.transfer('restoring a disk', '/import_raw_vdi', { vdi: vdi.ref, format: 'raw' }, signal);
    const result = await uploadFile({ ticket, file, contentLength: size, verify: restoreVerifier('raw', size), signal, onBytes: () => undefined });
    expect(result.taskResult).toBe(vdi.ref);
    expect(sha(await fetchResource(conn, '/export_raw_vdi', { vdi: vdi.ref, format: 'raw' }))).toBe(sha(disk));
    // Two connections: the master's 302, then the member that took the body.
    expect(putSockets.length).toBe(2);
    expect(putSockets.every((s) => s.destroyed)).toBe(true);
  }, 30_000);

  it('refuses to send to a member whose certificate the rules do not accept, and cancels the task', async () => {
    const impostor = await selfSignedByOpenssl('impostor');
    const sim = await testSimulator({ pool: FAR_POOL, servedTls: { '127.0.0.2': impostor } });
    const conn = await connect(sim);
    const vdi = sim.state.store.rows('VDI').find((v) => v.record.SR === ref(sim, 'SR', 'Local storage xcp2') && !v.record.is_a_snapshot)!;
    const size = Number(vdi.record.virtual_size);
    const file = join(dir, 'disk.raw');
    await writeFile(file, Buffer.alloc(size, 1));
    const signal = new AbortController().signal;
    const ticket = await conn.transfer('restoring a disk', '/import_raw_vdi', { vdi: vdi.ref, format: 'raw' }, signal);
    const err = await uploadFile({ ticket, file, contentLength: size, verify: restoreVerifier('raw', size), signal, onBytes: () => undefined }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: expect.stringMatching(/^CERT_/), message: expect.stringContaining('127.0.0.2') });
    expect((await settled(sim, ticket.taskRef)).status).toBe('cancelled');
    expect(putSockets.every((s) => s.destroyed)).toBe(true);
  }, 30_000);

  it('sends a VHD into a new VDI on the master, verified as a VHD; the disk reads back the same', async () => {
    const sim = await testSimulator({ pool: FAR_POOL });
    const conn = await connect(sim);
    const near = ref(sim, 'VM', 'near');
    const source = String(sim.state.store.get(String((sim.state.store.get(near)!.record.VBDs as string[]).map((b) => sim.state.store.get(b)!.record).find((b) => b.type === 'Disk')!.VDI))!.ref);
    const size = Number(sim.state.store.get(source)!.record.virtual_size);
    const vhd = await fetchResource(conn, '/export_raw_vdi', { vdi: source, format: 'vhd' });
    const file = join(dir, 'disk.vhd');
    await writeFile(file, vhd);
    const target = await conn.call<string>('creating a VDI', 'VDI.create', { SR: ref(sim, 'SR', 'Local storage xcp1'), virtual_size: String(size), name_label: 'restored', name_description: '', type: 'user', sharable: false, read_only: false, other_config: {} });
    const signal = new AbortController().signal;
    const ticket = await conn.transfer('restoring a disk', '/import_raw_vdi', { vdi: target, format: 'vhd' }, signal);
    const result = await uploadFile({ ticket, file, contentLength: vhd.length, verify: restoreVerifier('vhd', vhd.length), signal, onBytes: () => undefined });
    expect(result.taskResult).toBe(target);
    const [a, b] = await Promise.all([fetchResource(conn, '/export_raw_vdi', { vdi: source, format: 'raw' }), fetchResource(conn, '/export_raw_vdi', { vdi: target, format: 'raw' })]);
    expect(sha(b)).toBe(sha(a));
  }, 30_000);
});

async function gzipped(data: Buffer): Promise<Buffer> {
  const { gzip } = await import('node:zlib');
  const { promisify } = await import('node:util');
  return promisify(gzip)(data);
}
