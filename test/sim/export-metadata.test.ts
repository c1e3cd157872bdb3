/**
 * GET /export_metadata (xen-api export.ml metadata_handler): a tar of one ova.xml that tar lists,
 * with a Content-Length, the VM's snapshots unless export_snapshots=false, the power state kept;
 * a snapshot refused as XAPI refuses it.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseXmlRpc } from '../../src/formats/ova-xml.js';
import type { Simulator } from '../../src/sim/index.js';
import { tempDir } from '../helpers/cli.js';
import { login, raw, rpc, taskOutcome, vmRef } from '../helpers/sim-http.js';
import { stopAll, testSimulator } from '../helpers/sim.js';

let sim: Simulator;
afterEach(stopAll);

type Obj = { class: string; id: string; snapshot: Record<string, unknown> };

function objectsOf(tar: Buffer): Obj[] {
  const dir = tempDir();
  writeFileSync(join(dir, 'm.tar'), tar);
  expect(execFileSync('tar', ['-tf', 'm.tar'], { cwd: dir, encoding: 'utf8' })).toBe('ova.xml\n');
  const xml = execFileSync('tar', ['-xOf', 'm.tar', 'ova.xml'], { cwd: dir, encoding: 'utf8' });
  return (parseXmlRpc(xml) as { objects: Obj[] }).objects;
}

async function get(query: string) {
  const session = await login(sim);
  const task = await rpc<string>(sim, 'task.create', session, 'metadata', '');
  const res = await raw(sim, 'GET', `/export_metadata?session_id=${session}&task_id=${task}&${query}`);
  return { ...res, task: await taskOutcome(sim, session, task) };
}

describe('GET /export_metadata', () => {
  it("is a tar of ova.xml alone: the VM as it is (running), its disks, VIFs, networks, and its snapshots", async () => {
    sim = await testSimulator({ http: true });
    const vm = vmRef(sim, 'web 01');
    const res = await get(`ref=${vm}`);
    expect([res.status, res.task.status]).toEqual([200, 'success']);
    expect(res.headers['content-length']).toBe(String(res.body.length));
    expect(res.headers['content-disposition']).toBe('attachment; filename="export.xva"');
    const objects = objectsOf(res.body);
    const vms = objects.filter((o) => o.class === 'VM');
    expect(vms.map((o) => [o.snapshot.name_label, o.snapshot.is_a_snapshot, o.snapshot.power_state])).toEqual([
      ['web 01', '0', 'Running'],
      ['before upgrade', '1', 'Halted'],
    ]);
    const live = vms[0]!;
    expect(vms[1]!.snapshot.snapshot_of).toBe(live.id);
    expect(live.snapshot.snapshots).toEqual([vmRef(sim, 'before upgrade')]); // XAPI leaves these as pool refs
    expect(objects.filter((o) => o.class === 'VDI').length).toBe(4); // 2 disks + their 2 snapshot VDIs
    expect(objects.some((o) => o.class === 'VIF') && objects.some((o) => o.class === 'network') && objects.some((o) => o.class === 'SR')).toBe(true);
    const uuid = String(sim.state.store.get(vm)!.record.uuid);
    expect(objectsOf((await get(`uuid=${uuid}`)).body).filter((o) => o.class === 'VM')).toHaveLength(2);
  });

  it('export_snapshots=false gives the VM alone, with no snapshot history', async () => {
    sim = await testSimulator({ http: true });
    const objects = objectsOf((await get(`ref=${vmRef(sim, 'web 01')}&export_snapshots=false`)).body);
    const vms = objects.filter((o) => o.class === 'VM');
    expect(vms).toHaveLength(1);
    expect(vms[0]!.snapshot).toMatchObject({ is_a_snapshot: '0', snapshot_of: 'OpaqueRef:NULL', snapshots: [] });
    expect(objects.filter((o) => o.class === 'VDI')).toHaveLength(2);
  });

  it('refuses a snapshot, an unknown ref and an unknown uuid before any header', async () => {
    sim = await testSimulator({ http: true });
    const snap = await get(`ref=${vmRef(sim, 'before upgrade')}`);
    expect(snap.status).toBe(500);
    expect(snap.task.error_info).toEqual(['OPERATION_NOT_ALLOWED', 'Exporting metadata of a snapshot is not allowed']);
    expect((await get('ref=OpaqueRef:nope')).task.error_info[0]).toBe('HANDLE_INVALID');
    expect((await get('uuid=00000000-0000-0000-0000-000000000000')).task.error_info).toEqual(['UUID_INVALID', 'VM', '00000000-0000-0000-0000-000000000000']);
  });
});
