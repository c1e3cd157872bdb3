/**
 * The typed layer over xen-api: the same records whichever transport carried them, XAPI errors
 * as ours with their code, and the normalisers on the values each transport really sends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { trustSim } from '../helpers/trust.js';
import { PoolConnection } from '../../src/xapi/connection.js';
import { XapiCallError } from '../../src/xapi/errors.js';
import { bool, date, num } from '../../src/xapi/records.js';
import { SMALL_POOL, stopAll, testSimulator } from '../helpers/sim.js';

const open: PoolConnection[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
  await stopAll();
});

async function connect(transport: 'json-rpc' | 'xml-rpc', existing?: Awaited<ReturnType<typeof testSimulator>>) {
  const sim = existing ?? (await testSimulator({ pool: SMALL_POOL }));
  const conn = await PoolConnection.open({
    target: { url: sim.url, user: sim.user },
    credentials: async (t) => ({ user: t.user, password: sim.password }),
    tls: trustSim(sim),
    transport,
  });
  open.push(conn);
  return { sim, conn };
}

describe('PoolConnection', () => {
  it('gives the same typed VMs over JSON-RPC and XML-RPC (ints as numbers, booleans, dates)', async () => {
    const json = await connect('json-rpc');
    const xml = await connect('xml-rpc', json.sim);
    const byRef = (c: PoolConnection) => c.vms().sort((a, b) => a.ref.localeCompare(b.ref));
    expect(byRef(xml.conn)).toEqual(byRef(json.conn));
    expect(byRef(json.conn).length).toBeGreaterThan(0);
    for (const { conn } of [json, xml]) {
      const web = conn.vms().find((v) => v.name === 'web 01' && !v.isSnapshot)!;
      expect(web.vbds.find((b) => b.device === 'xvda')!.vdi!.virtualSize).toBe(8 * 2 ** 20);
      expect(web.isTemplate).toBe(false);
      const snap = conn.vms().find((v) => v.isSnapshot)!;
      expect(snap.snapshotTime).toBeInstanceOf(Date);
      expect(snap.snapshotOf).toBe(web.ref);
    }
  }, 30_000);

  it('turns a XAPI failure into an XapiCallError with the code, what we were doing and a hint', async () => {
    const { conn } = await connect('json-rpc');
    const err = await conn.call('reading a VM', 'VM.get_record', 'OpaqueRef:nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(XapiCallError);
    expect(err).toMatchObject({ code: 'HANDLE_INVALID', xapiCode: 'HANDLE_INVALID', message: expect.stringMatching(/^reading a VM failed: HANDLE_INVALID/) });
    expect((err as XapiCallError).hint).toMatch(/disappeared/);
  }, 30_000);

  it('a wrong password fails the login with SESSION_AUTHENTICATION_FAILED and leaves no session', async () => {
    const sim = await testSimulator({ pool: SMALL_POOL });
    const err = await PoolConnection.open({
      target: { url: sim.url, user: sim.user },
      credentials: async (t) => ({ user: t.user, password: 'wrong' }),
      tls: trustSim(sim),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SESSION_AUTHENTICATION_FAILED', message: expect.stringMatching(/^logging in to https:\/\/127\.0\.0\.1:\d+ as root failed/) });
    expect(sim.state.sessions.size).toBe(0);
  }, 30_000);

  it('close() logs out', async () => {
    const { sim, conn } = await connect('xml-rpc');
    expect(sim.state.sessions.size).toBe(1);
    await conn.close();
    open.splice(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(sim.state.sessions.size).toBe(0);
  }, 30_000);
});

describe('normalisers', () => {
  it.each([
    ['8388608', 8388608],
    [8388608, 8388608],
    ['', 0],
    [undefined, 0],
    ['x', 0],
  ])('num(%j) = %j', (value, expected) => expect(num(value)).toBe(expected));

  it.each([
    [true, true],
    ['true', true],
    [false, false],
    ['false', false],
    [undefined, false],
  ])('bool(%j) = %j', (value, expected) => expect(bool(value)).toBe(expected));

  it('date() reads both transports\' forms and refuses garbage', () => {
    expect(date('20240504T02:00:00Z')?.toISOString()).toBe('2024-05-04T02:00:00.000Z');
    expect(date(new Date('2024-05-04T02:00:00Z'))?.toISOString()).toBe('2024-05-04T02:00:00.000Z');
    expect(date('19700101T00:00:00Z')?.getTime()).toBe(0);
    expect(date('not a date')).toBeNull();
    expect(date('')).toBeNull();
  });
});
