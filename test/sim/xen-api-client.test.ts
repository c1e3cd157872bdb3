/**
 * The real xen-api client (Vates, 4.7) against the simulator: both transports, the object
 * cache, HOST_IS_SLAVE, Async tasks, HTTP export, and prompt shutdown.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Xapi, XapiObject } from 'xen-api';
import type { Simulator } from '../../src/sim/index.js';
import { clientFor, stopAll, testSimulator } from '../helpers/sim.js';

let sim: Simulator | undefined;
let xapi: Xapi | undefined;
afterEach(stopAll);

function vms(x: Xapi): XapiObject[] {
  return Object.values(x.objects.indexes.type.VM ?? {});
}

describe.each(['json-rpc', 'xml-rpc'] as const)('over %s', (transport) => {
  it('connects, sees every object, and gets transport-typed values', async () => {
    sim = await testSimulator();
    xapi = clientFor(sim, { transport });
    await xapi.connect();
    await xapi.objectsFetched;
    const all = vms(xapi);
    // 3 VMs + 1 snapshot + 2 control domains
    expect(all.map((v) => v.name_label).sort()).toEqual(
      ['Control domain on host: xcp1', 'Control domain on host: xcp2', 'Debian 12 template', 'before upgrade', 'db.example.com', 'web 01'].sort(),
    );
    const web = all.find((v) => v.name_label === 'web 01')!;
    expect(web.power_state).toBe('Running');
    // ints: strings over XML-RPC, numbers over JSON-RPC (xapi-notes §2.2/§2.3)
    expect(web.memory_static_max).toBe(transport === 'xml-rpc' ? String(2 ** 31) : 2 ** 31);
    const snap = all.find((v) => v.name_label === 'before upgrade')!;
    expect(snap.is_a_snapshot).toBe(true);
    expect(snap.is_a_template).toBe(true);
    expect(snap.snapshot_of).toBe(web.$ref);
    expect(web.snapshots).toEqual([snap.$ref]);
    expect(Object.keys(xapi.objects.indexes.type.VDI ?? {})).toHaveLength(6);
  });

  it('runs VM.snapshot as an Async task and sees the result through events', async () => {
    sim = await testSimulator();
    xapi = clientFor(sim, { transport });
    await xapi.connect();
    await xapi.objectsFetched;
    const db = vms(xapi).find((v) => v.name_label === 'db.example.com')!;
    const ref = await xapi.callAsync<string>('VM.snapshot', db.$ref, 'RESTORE_db.example.com');
    expect(ref).toMatch(/^OpaqueRef:/);
    const snap = await xapi.getRecord('VM', ref);
    expect(snap.snapshot_of).toBe(db.$ref);
    expect(snap.is_a_template).toBe(true);
    const vbds = snap.VBDs as string[];
    const disks = await Promise.all(vbds.map((r) => xapi!.getRecord('VBD', r)));
    expect(disks.filter((d) => d.type === 'Disk').map((d) => (d.other_config as Record<string, string>).owner)).toEqual(['true']);
    expect(sim.calls.named('Async.VM.snapshot')).toHaveLength(1);
  });
});

it('follows HOST_IS_SLAVE from a pool member to the master', async () => {
  sim = await testSimulator();
  expect(sim.hostAddresses).toEqual(['127.0.0.1', '127.0.0.2']);
  const slaveUrl = sim.url.replace('127.0.0.1', '127.0.0.2');
  xapi = clientFor(sim, { url: slaveUrl });
  await xapi.connect();
  await xapi.objectsFetched;
  const logins = sim.calls.named('session.login_with_password');
  expect(logins.map((c) => c.localAddress)).toEqual(['127.0.0.2', '127.0.0.1']);
});

it('streams an XVA export with getResource and reports the task result', async () => {
  sim = await testSimulator();
  xapi = clientFor(sim);
  await xapi.connect();
  await xapi.objectsFetched;
  const db = vms(xapi).find((v) => v.name_label === 'db.example.com')!;
  const res = await xapi.getResource('/export/', { query: { ref: db.$ref } });
  expect(res.headers['content-length']).toBeUndefined();
  expect(res.headers['task-id']).toMatch(/^OpaqueRef:/);
  let bytes = 0;
  for await (const chunk of res.body) bytes += (chunk as Buffer).length;
  expect(await res.task).toBe('');
  expect(bytes % 512).toBe(0);
  expect(bytes).toBeGreaterThan(5 * 2 ** 20);
});

it('a client process exits promptly after disconnect(), with the default 60 s eventPollDelay', async () => {
  sim = await testSimulator();
  const script = fileURLToPath(new URL('../helpers/exit-client.mjs', import.meta.url));
  const child = spawn(process.execPath, [script, sim.url, sim.user, sim.password, 'db.example.com'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  expect(code).toBe(0);
  const report = JSON.parse(out) as { bytes: number; exitMs: number };
  expect(report.bytes).toBeGreaterThan(5 * 2 ** 20);
  // Without the SESSION_INVALID answer at logout, a pending event.from keeps it alive for ~60 s.
  expect(report.exitMs).toBeLessThan(2000);
});
