/**
 * The RPC surface: XAPI's error codes and parameter shapes over both transports, the blocking
 * event.from, tasks, and the VM/VDI calls a backup makes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Xapi, XapiObject } from 'xen-api';
import type { Simulator } from '../../src/sim/index.js';
import { login, rpc } from '../helpers/sim-http.js';
import { clientFor, stopAll, testSimulator } from '../helpers/sim.js';

let sim: Simulator | undefined;
let xapi: Xapi | undefined;
afterEach(stopAll);

async function failure(promise: Promise<unknown>): Promise<{ code?: string; params?: string[] }> {
  try {
    await promise;
  } catch (err) {
    return err as { code?: string; params?: string[] };
  }
  throw new Error('expected a failure');
}

function vm(x: Xapi, name: string): XapiObject {
  return Object.values(x.objects.indexes.type.VM ?? {}).find((v) => v.name_label === name)!;
}

describe.each(['json-rpc', 'xml-rpc'] as const)('errors and types over %s', (transport) => {
  it('uses XAPI codes and parameter shapes', async () => {
    sim = await testSimulator({ http: true });
    xapi = clientFor(sim, { transport });
    await xapi.connect();
    await xapi.objectsFetched;
    expect(await failure(xapi.call('VM.get_record', 'OpaqueRef:bogus'))).toMatchObject({ code: 'HANDLE_INVALID', params: ['VM', 'OpaqueRef:bogus'] });
    expect(await failure(xapi.call('VM.frobnicate'))).toMatchObject({ code: 'MESSAGE_METHOD_UNKNOWN', params: ['VM.frobnicate'] });
    expect(await failure(xapi.call('VM.get_record', vm(xapi, 'web 01').$ref, 'extra'))).toMatchObject({
      code: 'MESSAGE_PARAMETER_COUNT_MISMATCH',
      params: ['VM.get_record', '2', '3'],
    });
    // An attached disk of a running VM is in use.
    const web = vm(xapi, 'web 01');
    const vbd = await xapi.getRecord('VBD', (web.VBDs as string[])[0]!);
    expect(await failure(xapi.call('VDI.destroy', vbd.VDI))).toMatchObject({ code: 'VDI_IN_USE', params: [vbd.VDI, 'destroy'] });
    expect(await failure(xapi.call('VM.destroy', web.$ref))).toMatchObject({ code: 'VM_BAD_POWER_STATE', params: [web.$ref, 'halted', 'running'] });
  });

  it('sends datetimes as the transport does: a Date over XML-RPC, a string over JSON-RPC', async () => {
    sim = await testSimulator({ http: true });
    xapi = clientFor(sim, { transport });
    await xapi.connect();
    await xapi.objectsFetched;
    const snap = vm(xapi, 'before upgrade');
    if (transport === 'xml-rpc') expect(snap.snapshot_time).toBeInstanceOf(Date);
    else expect(snap.snapshot_time).toMatch(/^\d{8}T\d{2}:\d{2}:\d{2}Z$/);
    expect(typeof snap.is_a_snapshot).toBe('boolean');
  });
});

describe('events', () => {
  it('event.from blocks until a change or the timeout, with lowercase valid_ref_counts', async () => {
    sim = await testSimulator({ http: true });
    const session = await login(sim);
    const pool = sim.state.store.rows('pool')[0]!.ref;
    const token = await rpc<string>(sim, 'event.inject', session, 'pool', pool);
    const first = await rpc<{ events: { class: string; operation: string; ref: string }[]; valid_ref_counts: Record<string, number>; token: string }>(
      sim, 'event.from', session, ['pool', 'VM', 'task'], token, 1.0,
    );
    expect(first.events).toEqual([expect.objectContaining({ class: 'pool', operation: 'mod', ref: pool })]);
    expect(first.valid_ref_counts).toEqual({ pool: 1, vm: 6, task: 0 });
    // Nothing changes: it waits the whole timeout and answers an empty batch.
    const started = Date.now();
    const idle = await rpc<{ events: unknown[]; token: string }>(sim, 'event.from', session, ['VM'], first.token, 0.4);
    expect(idle.events).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    // A change while it waits answers at once.
    const waiting = rpc<{ events: { class: string; operation: string }[] }>(sim, 'event.from', session, ['task'], idle.token, 30);
    const task = await rpc<string>(sim, 'task.create', session, 'wake up', '');
    expect((await waiting).events).toEqual([expect.objectContaining({ class: 'task', operation: 'add', ref: task })]);
    expect(await failure(rpc(sim, 'event.from', session, ['VM'], 'not-a-token', 1))).toMatchObject({ code: 'EVENT_FROM_TOKEN_PARSE_FAILURE' });
    expect(await failure(rpc(sim, 'event.inject', session, 'VM', 'OpaqueRef:x'))).toMatchObject({ code: 'HANDLE_INVALID' });
  });

  it('answers a pending event.from with SESSION_INVALID when the session logs out', async () => {
    sim = await testSimulator({ http: true });
    const session = await login(sim);
    const pending = failure(rpc(sim, 'event.from', session, ['VM'], '', 0).then(() => rpc(sim!, 'event.from', session, ['VM'], String(sim!.state.store.generation), 60)));
    await new Promise((r) => setTimeout(r, 200));
    await rpc(sim, 'session.logout', session);
    expect(await pending).toMatchObject({ code: 'SESSION_INVALID', params: [session] });
  });

  it('barrier() works: pool.add_to_other_config / remove_from_other_config and the pool event', async () => {
    sim = await testSimulator({ http: true });
    xapi = clientFor(sim);
    await xapi.connect();
    await xapi.objectsFetched;
    await xapi.barrier();
    expect(sim.calls.named('pool.add_to_other_config')).toHaveLength(1);
    // The client removes the key without waiting for the answer.
    while (sim.calls.named('pool.remove_from_other_config').length === 0) await new Promise((r) => setTimeout(r, 10));
    expect(sim.state.store.rows('pool')[0]!.record.other_config).toEqual({});
  });
});

describe('tasks and backup calls', () => {
  it('task.create, set_progress, set_status, cancel and destroy', async () => {
    sim = await testSimulator({ http: true });
    const session = await login(sim);
    const task = await rpc<string>(sim, 'task.create', session, 'my task', 'doing things');
    await rpc(sim, 'task.set_progress', session, task, 0.5);
    expect(await rpc(sim, 'task.get_progress', session, task)).toBe(0.5);
    await rpc(sim, 'task.cancel', session, task);
    const record = await rpc<Record<string, unknown>>(sim, 'task.get_record', session, task);
    expect(record).toMatchObject({ status: 'cancelled', error_info: ['TASK_CANCELLED', task], allowed_operations: [] });
    await rpc(sim, 'task.destroy', session, task);
    expect(await failure(rpc(sim, 'task.get_record', session, task))).toMatchObject({ code: 'HANDLE_INVALID' });
    const other = await rpc<string>(sim, 'task.create', session, 'x', '');
    await rpc(sim, 'task.set_status', session, other, 'success');
    expect(await rpc(sim, 'task.get_status', session, other)).toBe('success');
  });

  it('VM.snapshot, set_is_a_template, set_ha_always_run, VM.destroy keeping the VDIs, then VDI.destroy', async () => {
    sim = await testSimulator({ http: true });
    xapi = clientFor(sim);
    await xapi.connect();
    await xapi.objectsFetched;
    const web = vm(xapi, 'web 01');
    const snap = await xapi.callAsync<string>('VM.snapshot', web.$ref, 'RESTORE_web 01');
    await xapi.call('VM.set_is_a_template', snap, false);
    await xapi.call('VM.set_ha_always_run', snap, false);
    const record = await xapi.getRecord('VM', snap);
    expect(record).toMatchObject({ is_a_template: false, is_a_snapshot: true, ha_always_run: false, snapshot_of: web.$ref });
    const vbds = await Promise.all((record.VBDs as string[]).map((r) => xapi!.getRecord('VBD', r)));
    const owned = vbds.filter((v) => (v.other_config as Record<string, string>).owner !== undefined).map((v) => v.VDI as string);
    expect(owned).toHaveLength(2);
    for (const vdi of owned) expect((await xapi.getRecord('VDI', vdi)).snapshot_of).not.toBe('OpaqueRef:NULL');
    await xapi.callAsync('VM.destroy', snap);
    expect(sim.state.store.get(snap)).toBeUndefined();
    for (const vbd of vbds) expect(sim.state.store.get(vbd.$ref)).toBeUndefined();
    for (const vdi of owned) expect(sim.state.store.get(vdi)).toBeDefined(); // VM.destroy keeps VDIs
    for (const vdi of owned) await xapi.callAsync('VDI.destroy', vdi);
    for (const vdi of owned) expect(sim.state.store.get(vdi)).toBeUndefined();
  });

  it('generic accessors: get_by_uuid, get_by_name_label, get_<field>, add_<set>/remove_<set>', async () => {
    sim = await testSimulator({ http: true });
    const session = await login(sim);
    const row = sim.state.store.rows('VM').find((v) => v.record.name_label === 'db.example.com')!;
    expect(await rpc(sim, 'VM.get_by_uuid', session, row.record.uuid)).toBe(row.ref);
    expect(await failure(rpc(sim, 'VM.get_by_uuid', session, 'nope'))).toMatchObject({ code: 'UUID_INVALID', params: ['VM', 'nope'] });
    expect(await rpc(sim, 'VM.get_by_name_label', session, 'db.example.com')).toEqual([row.ref]);
    expect(await rpc(sim, 'VM.get_power_state', session, row.ref)).toBe('Halted');
    await rpc(sim, 'VM.add_tags', session, row.ref, 'backup');
    await rpc(sim, 'VM.add_tags', session, row.ref, 'backup');
    expect(await rpc(sim, 'VM.get_tags', session, row.ref)).toEqual(['backup']);
    await rpc(sim, 'VM.remove_tags', session, row.ref, 'backup');
    expect(await rpc(sim, 'VM.get_tags', session, row.ref)).toEqual([]);
    await rpc(sim, 'VM.add_to_other_config', session, row.ref, 'k', 'v');
    expect(await failure(rpc(sim, 'VM.add_to_other_config', session, row.ref, 'k', 'w'))).toMatchObject({ code: 'MAP_DUPLICATE_KEY', params: ['VM', 'other_config', row.record.uuid, 'k'] });
    expect(await failure(rpc(sim, 'VM.set_uuid', session, row.ref, 'x'))).toMatchObject({ code: 'MESSAGE_METHOD_UNKNOWN' });
  });

  it('VDI.snapshot and VDI.set_name_label', async () => {
    sim = await testSimulator({ http: true });
    xapi = clientFor(sim);
    await xapi.connect();
    const source = sim.state.store.rows('VDI').find((v) => !v.record.is_a_snapshot)!;
    const snap = await xapi.callAsync<string>('VDI.snapshot', source.ref, {});
    await xapi.call('VDI.set_name_label', snap, 'SNAP_web-01_root');
    expect(sim.state.store.get(snap)!.record).toMatchObject({ name_label: 'SNAP_web-01_root', is_a_snapshot: true, snapshot_of: source.ref, VBDs: [], SR: source.record.SR });
    expect(sim.state.store.get(source.ref)!.record.snapshots).toContain(snap);
  });
});
