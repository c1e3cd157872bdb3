/**
 * Every injectable fault, seen from the real xen-api client: what a real pool would give.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Xapi, XapiObject } from 'xen-api';
import type { Simulator } from '../../src/sim/index.js';
import { applyFaultSpec } from '../../src/sim/fault-spec.js';
import { clientFor, stopAll, testSimulator } from '../helpers/sim.js';

let sim: Simulator | undefined;
let xapi: Xapi | undefined;
afterEach(stopAll);

async function connected(opts: Parameters<typeof testSimulator>[0] = {}): Promise<Xapi> {
  sim = await testSimulator({ http: true, ...opts });
  xapi = clientFor(sim);
  await xapi.connect();
  await xapi.objectsFetched;
  return xapi;
}

function vm(x: Xapi, name: string): XapiObject {
  return Object.values(x.objects.indexes.type.VM ?? {}).find((v) => v.name_label === name)!;
}

async function readAll(body: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const chunk of body) n += (chunk as Buffer).length;
  return n;
}

async function failure(promise: Promise<unknown>): Promise<{ code?: string; params?: string[]; message: string }> {
  try {
    await promise;
  } catch (err) {
    return err as { code?: string; params?: string[]; message: string };
  }
  throw new Error('expected a failure');
}

describe('faults on HTTP transfers', () => {
  it('drop after N bytes: status 200, a body cut at N bytes, and a failed task', async () => {
    const x = await connected();
    sim!.faults.dropExportAfter(1_000_000, { vm: 'db.example.com' });
    const res = await x.getResource('/export/', { query: { ref: vm(x, 'db.example.com').$ref } });
    expect(res.statusCode).toBe(200);
    expect(await readAll(res.body)).toBe(1_000_000);
    expect(await failure(res.task!)).toMatchObject({ code: 'VDI_IO_ERROR' });
  });

  it('500 before the headers: getResource rejects, the task carries the XAPI error', async () => {
    const x = await connected();
    sim!.faults.http500({ path: '/export' });
    const err = await failure(x.getResource('/export/', { query: { ref: vm(x, 'db.example.com').$ref } }));
    expect(err.message).toBe('unexpected 500');
    const tasks = sim!.state.store.rows('task').map((t) => t.record);
    expect(tasks.some((t) => t.status === 'failure' && (t.error_info as string[])[0] === 'INTERNAL_ERROR')).toBe(true);
  });

  it('a stall: the stream stops after the given bytes and stays pending until the task is cancelled', async () => {
    const x = await connected();
    sim!.faults.stall(60_000, 2 * 2 ** 20);
    const task = await x.createTask('export with a stall');
    const res = await x.getResource('/export/', { query: { ref: vm(x, 'db.example.com').$ref }, task });
    let received = 0;
    const reading = (async () => {
      for await (const chunk of res.body) received += (chunk as Buffer).length;
    })();
    while (received < 2 * 2 ** 20) await new Promise((r) => setTimeout(r, 20));
    const atStall = received;
    await new Promise((r) => setTimeout(r, 300));
    expect(received).toBe(atStall);
    expect(sim!.state.store.get(task)!.record.status).toBe('pending');
    await x.call('task.cancel', task);
    await reading;
    expect(sim!.state.store.get(task)!.record.status).toBe('cancelled');
  });

  it('a throughput limit: the export takes at least size / rate', async () => {
    const x = await connected();
    sim!.faults.throttle(4 * 2 ** 20);
    const started = Date.now();
    const res = await x.getResource('/export/', { query: { ref: vm(x, 'db.example.com').$ref } });
    const bytes = await readAll(res.body);
    await res.task;
    // A lower bound only: a slow machine can make it slower, never faster.
    expect(Date.now() - started).toBeGreaterThanOrEqual(((bytes / (4 * 2 ** 20)) * 1000) * 0.9);
  });
});

describe('faults on RPC calls', () => {
  it('SR_FULL on snapshot, for the named VM only', async () => {
    const x = await connected();
    sim!.faults.srFullOnSnapshot({ vm: 'db.example.com' });
    expect(await failure(x.callAsync('VM.snapshot', vm(x, 'db.example.com').$ref, 'snap'))).toMatchObject({ code: 'SR_FULL' });
    await expect(x.callAsync('VM.snapshot', vm(x, 'web 01').$ref, 'snap')).resolves.toMatch(/^OpaqueRef:/);
  });

  it('VDI_IN_USE on the first k destroy attempts, then success', async () => {
    const x = await connected();
    const snap = await x.callAsync<string>('VDI.snapshot', sim!.state.store.rows('VDI')[0]!.ref, {});
    applyFaultSpec(sim!.faults, 'vdi-in-use=2');
    for (let i = 0; i < 2; i++) expect(await failure(x.call('VDI.destroy', snap))).toMatchObject({ code: 'VDI_IN_USE', params: [snap, 'destroy'] });
    await x.call('VDI.destroy', snap);
    expect(sim!.state.store.get(snap)).toBeUndefined();
  });

  it('SESSION_INVALID mid-run: the client logs in again and the call succeeds', async () => {
    const x = await connected();
    sim!.faults.sessionInvalidAfter(0);
    await x.call('VM.get_record', vm(x, 'db.example.com').$ref);
    expect(sim!.calls.named('session.login_with_password')).toHaveLength(2);
  });

  it('a slow login: connect takes at least that long', async () => {
    sim = await testSimulator({ http: true });
    sim.faults.slowLogin(400);
    xapi = clientFor(sim);
    const started = Date.now();
    await xapi.connect();
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    await xapi.objectsFetched;
  });

  it('wrong password: SESSION_AUTHENTICATION_FAILED with the user name', async () => {
    sim = await testSimulator({ http: true });
    sim.faults.wrongPassword();
    xapi = clientFor(sim);
    expect(await failure(xapi.connect())).toMatchObject({ code: 'SESSION_AUTHENTICATION_FAILED', params: ['root', 'Authentication failure'] });
  });

  it('records every call, so a test can prove what was (not) sent', async () => {
    sim = await testSimulator({ http: true });
    xapi = clientFor(sim, { auth: { user: 'root', password: 'not-the-password' } });
    await failure(xapi.connect());
    expect(sim.calls.named('session.login_with_password').map((c) => c.params)).toEqual([['root', 'not-the-password']]);
    expect(sim.calls.sawText(sim.password)).toBe(false);
  });
});
