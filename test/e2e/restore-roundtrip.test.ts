/**
 * `vmbackup restore` round trips, the real executable against the simulator: back up a VM in
 * each format, restore it, read the restored disk back with the pool's own raw export (curl)
 * and compare its sha256sum with the source disk's. Also: a second pool whose networks have
 * other names (the VM comes back, the created network is warned about), --preserve, --start,
 * --attach-to, --dry-run and --json.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2E_POOL, e2eEnv, type E2eEnv, messages } from '../helpers/e2e.js';
import { stopAll, testSimulator } from '../helpers/sim.js';
import { diskRefs, diskSha256, lastJson, poolCounts, restore, vmByName, vmByUuid } from '../restore/e2e-helpers.js';

afterEach(stopAll);

/** The one dated folder of a VM folder. */
function datedFolder(env: E2eEnv, vmFolder: string): string {
  const dated = readdirSync(join(env.backupDir, vmFolder)).filter((n) => n.startsWith('backup-'));
  expect(dated).toHaveLength(1);
  return join(env.backupDir, vmFolder, dated[0]!);
}

async function backUp(env: E2eEnv, lines: string[]): Promise<void> {
  const r = await env.run(env.cfg('b.cfg', lines));
  expect(r.status, r.stdout + r.stderr).toBe(0);
}

describe('restore round trip: the restored disk has the source disk bytes (sha256sum of the pool\'s raw exports)', () => {
  it.each([
    ['xva', []],
    ['xva.gz', ['#vmbackup: compress=gzip']],
    ['xva.zst', ['#vmbackup: compress=zstd']],
  ])('%s: a new VM with a new uuid, marked as restored, same disk bytes', async (format, extra) => {
    const env = await e2eEnv();
    await backUp(env, [...extra, 'vm-export=db.example.com']);
    const folder = datedFolder(env, 'db.example.com');
    expect(readdirSync(folder)).toContain(`db.example.com.${format}`);
    const source = vmByName(env.sim, 'db.example.com');

    const r = await restore(env, [join(env.backupDir, 'db.example.com'), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const json = lastJson(r.stdout) as { vm: { uuid: string; name: string }; bytes: number; verified: boolean; networks: { created: boolean; network: { name: string } }[]; warnings: string[] };
    expect(json.verified).toBe(true);
    expect(json.warnings).toEqual([]);
    expect(json.vm.name).toMatch(/^db\.example\.com \(restored \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\)$/);
    expect(json.vm.uuid).not.toBe(source.record.uuid);
    expect(json.networks.map((n) => [n.network.name, n.created])).toEqual([['Pool-wide network associated with eth0', false]]);
    // The log goes to stderr with --json, stamped as a backup run's.
    expect(messages(r.stderr)).toEqual(expect.arrayContaining([expect.stringMatching(/^VmBackup restore db\.example\.com \(restored .*\) - \*\*\*Success\*\*\*/)]));

    const restored = vmByUuid(env.sim, json.vm.uuid);
    expect(restored.record.tags).toContain('restored from backup');
    expect((restored.record.other_config as Record<string, string>)['vmbackup:restored-from']).toBe(folder);
    expect(Object.keys(restored.record.other_config as object).filter((k) => k === 'vmbackup:run' || k === 'vmbackup:time')).toEqual([]);
    // New MACs: the VM is a copy beside the original.
    const macOf = (vm: { record: Record<string, unknown> }) => (vm.record.VIFs as string[]).map((v) => String(env.sim.state.store.get(v)!.record.MAC));
    expect(macOf(restored)).not.toEqual(macOf(source));

    const [srcDisk] = diskRefs(env.sim, source.ref);
    const [newDisk] = diskRefs(env.sim, restored.ref);
    expect(await diskSha256(env.sim, newDisk!, env.dir)).toBe(await diskSha256(env.sim, srcDisk!, env.dir));
  });

  it.each(['raw', 'vhd'])('%s (vdi-export): a new unattached disk, then one attached to a VM as its next free device', async (format) => {
    const env = await e2eEnv();
    await backUp(env, [`vdi_export_format=${format}`, 'vdi-export=db.example.com']);
    const folder = datedFolder(env, 'db.example.com');
    expect(readdirSync(folder)).toContain(`db.example.com.${format}`);
    const [srcDisk] = diskRefs(env.sim, vmByName(env.sim, 'db.example.com').ref);

    const r = await restore(env, [folder, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const json = lastJson(r.stdout) as { vm: null; vdis: { uuid: string; name: string; sr: string }[] };
    expect(json.vm).toBeNull();
    expect(json.vdis).toHaveLength(1);
    const vdi = env.sim.state.store.byUuid('VDI', json.vdis[0]!.uuid)!;
    expect(vdi.record.VBDs).toEqual([]);
    expect(Number(vdi.record.virtual_size)).toBe(4 * 2 ** 20);
    expect(await diskSha256(env.sim, vdi.ref, env.dir)).toBe(await diskSha256(env.sim, srcDisk!, env.dir));

    const scratch = vmByName(env.sim, 'scratch');
    const devicesBefore = (scratch.record.VBDs as string[]).map((v) => String(env.sim.state.store.get(v)!.record.userdevice));
    const a = await restore(env, [join(folder, `db.example.com.${format}`), '--attach-to', 'scratch', '--name', 'db data']);
    expect(a.status, a.stderr).toBe(0);
    const vbds = (vmByName(env.sim, 'scratch').record.VBDs as string[]).map((v) => env.sim.state.store.get(v)!.record);
    const added = vbds.find((b) => !devicesBefore.includes(String(b.userdevice)))!;
    expect(added).toBeDefined();
    expect(env.sim.state.store.get(String(added.VDI))!.record.name_label).toBe('db data');
    expect(vbds).toHaveLength(devicesBefore.length + 1);
    expect(messages(a.stdout)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`attached to scratch as device ${String(added.userdevice)}`))]));

    // A running VM gets the disk hot-plugged (VBD.plug), with no warning.
    const live = await restore(env, [join(folder, `db.example.com.${format}`), '--attach-to', 'web 01', '--name', 'live data']);
    expect(live.status, live.stdout + live.stderr).toBe(0);
    const liveVbds = (vmByName(env.sim, 'web 01').record.VBDs as string[]).map((v) => env.sim.state.store.get(v)!.record);
    const plugged = liveVbds.find((b) => env.sim.state.store.get(String(b.VDI))?.record.name_label === 'live data');
    expect(plugged?.currently_attached).toBe(true);
  });
});

describe('restore into another pool', () => {
  it('whose networks have other names: the VM is restored, the created network is warned about (exit 1)', async () => {
    const env = await e2eEnv();
    await backUp(env, ['vm-export=db.example.com']);
    const other = await testSimulator({ pool: { ...E2E_POOL, name: 'other pool', networks: [{ name: 'LAN', bridge: 'xenbr7' }], vms: [] } });
    const before = poolCounts(other);
    const r = await restore(env, [join(env.backupDir, 'db.example.com'), '--json'], other);
    expect(r.status, r.stderr).toBe(1);
    const json = lastJson(r.stdout) as { vm: { uuid: string }; networks: { created: boolean; network: { name: string } }[]; warnings: string[] };
    expect(json.networks).toEqual([expect.objectContaining({ created: true, network: expect.objectContaining({ name: 'Pool-wide network associated with eth0' }) })]);
    expect(json.warnings).toEqual([expect.stringMatching(/which the import created: no network of that name or bridge existed/)]);
    expect(r.stderr).toMatch(/WARNING VIF 0 .* which the import created/);
    expect(poolCounts(other)).toMatchObject({ vms: before.vms + 1, networks: before.networks + 1 });
    const source = vmByName(env.sim, 'db.example.com');
    const [srcDisk] = diskRefs(env.sim, source.ref);
    const [newDisk] = diskRefs(other, vmByUuid(other, json.vm.uuid).ref);
    expect(await diskSha256(other, newDisk!, env.dir)).toBe(await diskSha256(env.sim, srcDisk!, env.dir));
  });
});

describe('--preserve, --start, --dry-run', () => {
  it('--dry-run prints the plan and creates nothing; --preserve replaces the halted VM only with --yes, keeping uuid and MACs; --start starts it', async () => {
    const env = await e2eEnv();
    await backUp(env, ['vm-export=db.example.com']);
    const source = vmByName(env.sim, 'db.example.com');
    const macs = (source.record.VIFs as string[]).map((v) => String(env.sim.state.store.get(v)!.record.MAC));
    const before = poolCounts(env.sim);
    const diskRefsBefore = diskRefs(env.sim, source.ref);

    const dry = await restore(env, [join(env.backupDir, 'db.example.com'), '--dry-run', '--preserve']);
    expect(dry.status, dry.stderr).toBe(0);
    expect(messages(dry.stdout)).toEqual(expect.arrayContaining([expect.stringMatching(/^ {2}will create: a VM named db\.example\.com on SR Local storage/), expect.stringMatching(/^ {2}needs a yes: --preserve replaces the halted VM db\.example\.com/)]));
    expect(poolCounts(env.sim)).toEqual(before);

    const refused = await restore(env, [join(env.backupDir, 'db.example.com'), '--preserve']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/vmbackup: error: not restored: --preserve replaces the halted VM/);
    expect(refused.stderr).toMatch(/vmbackup: fix: .*--yes/);
    expect(poolCounts(env.sim)).toEqual(before);

    const r = await restore(env, [join(env.backupDir, 'db.example.com'), '--preserve', '--yes', '--start', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const json = lastJson(r.stdout) as { vm: { uuid: string; name: string }; vdis: { uuid: string; sr: string }[] };
    // The pool keeps the archive's uuid: the backup snapshot's (XAPI exports a snapshot so). The
    // halted original is gone (replaced), its disk kept.
    expect(json.vm.name).toBe('db.example.com');
    expect(env.sim.state.store.byUuid('VM', String(source.record.uuid))).toBeUndefined();
    const restored = vmByUuid(env.sim, json.vm.uuid);
    expect(restored.record.power_state).toBe('Running');
    // The result names the restored VM's disks: its one disk, on the default SR.
    const restoredDisks = diskRefs(env.sim, restored.ref).map((ref) => String(env.sim.state.store.get(ref)!.record.uuid));
    expect(json.vdis.map((d) => d.uuid)).toEqual(restoredDisks);
    expect(json.vdis).toHaveLength(1);
    expect((restored.record.VIFs as string[]).map((v) => String(env.sim.state.store.get(v)!.record.MAC))).toEqual(macs);
    expect(poolCounts(env.sim).vms).toBe(before.vms);
    expect(env.sim.state.store.get(diskRefsBefore[0]!)).toBeDefined();

    // The same backup again, over the VM the first restore made (the archive's own uuid, halted
    // now): vmbackup removes it itself before the import, as a real pool would otherwise refuse
    // it (VM_TO_IMPORT_IS_NOT_NEWER_VERSION), and the new import keeps the uuid.
    env.sim.state.store.update(restored.ref, { power_state: 'Halted' });
    const again = await restore(env, [join(env.backupDir, 'db.example.com'), '--preserve', '--yes', '--json']);
    expect(again.status, again.stderr).toBe(0);
    expect((lastJson(again.stdout) as { vm: { uuid: string } }).vm.uuid).toBe(json.vm.uuid);
    expect(env.sim.calls.named('VM.destroy').map((c) => (c.params as unknown[])[1])).toContain(restored.ref);
    expect(env.sim.state.store.get(restored.ref)).toBeUndefined();
    expect(poolCounts(env.sim).vms).toBe(before.vms);
  });
});
