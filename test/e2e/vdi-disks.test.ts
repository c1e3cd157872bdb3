/**
 * vdi-export of a VM with data disks: by default (the boot disk alone, as VmBackup.py) every
 * face says which disks are left out; with `#vmbackup: vdi_disks=all` every disk goes to its own
 * file in the same folder, from one VM snapshot, and a failure of any disk fails the VM.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PoolFixture } from '../../src/sim/pool/fixture.js';
import { backupFolders, e2eEnv, leftovers, messages, normalised, tree } from '../helpers/e2e.js';
import { stopAll } from '../helpers/sim.js';

afterEach(stopAll);

const MiB = 2 ** 20;
const POOL: PoolFixture = {
  name: 'disks pool',
  hosts: [{ name: 'xcp1' }],
  srs: [{ name: 'Local storage', size: '1TiB', default: true }],
  vms: [
    { name: 'fileserver', power: 'Running', disks: [{ size: '4MiB', density: 1 }, { size: '6MiB', density: 0.7 }, { size: '2MiB', density: 1 }] },
    { name: 'dns-2', power: 'Running', disks: [{ size: '2MiB', density: 1 }] },
  ],
};

type Env = Awaited<ReturnType<typeof e2eEnv>>;

/** The VDI of `device` on the VM `vm` (not a snapshot's). */
function vdiOf(env: Env, vm: string, device: string) {
  const store = env.sim.state.store;
  const vmRow = store.rows('VM').find((r) => r.record.name_label === vm && !r.record.is_a_snapshot)!;
  const vbd = (vmRow.record.VBDs as string[]).map((ref) => store.get(ref)!.record).find((b) => b.device === device)!;
  return store.get(String(vbd.VDI))!;
}

/** The disk's bytes as the pool holds them. */
function contentOf(env: Env, vm: string, device: string): Buffer {
  const content = env.sim.state.disks.contentOf(vdiOf(env, vm, device).ref);
  const out = Buffer.alloc(content.size);
  for (let i = 0; i * MiB < content.size; i++) content.chunk(i)?.copy(out, i * MiB);
  return out;
}

function report(env: Env) {
  return JSON.parse(readFileSync(join(env.dir, 'report.json'), 'utf8'));
}

const LEFT_OUT = 'vdi-export fileserver takes the boot disk xvda only; xvdb (6.0 MiB), xvdc (2.0 MiB) are not backed up';

describe('vdi-export takes the boot disk only (the default)', () => {
  it('says so in the preview, the run log, the JSON report and the status log: a warning of that VM', async () => {
    const env = await e2eEnv({ pool: POOL });
    const cfg = env.cfg('v.cfg', ['vdi-export=fileserver', 'vdi-export=dns-2']);

    const preview = await env.run(cfg, ['--preview']);
    expect(preview.status, preview.stdout).toBe(0);
    expect(preview.stdout).toContain(`v.cfg:5: warning: ${LEFT_OUT}; fix: #vmbackup: vdi_disks=all takes every disk`);
    expect(preview.stdout).toMatch(/SUCCESS preview of parameters {2}- WARNINGS found/);
    const previewJson = JSON.parse((await env.run(cfg, ['--preview', '--json'])).stdout);
    expect(previewJson.vms.map((v: { name: string; warnings: string[] }) => [v.name, v.warnings.length])).toEqual([['fileserver', 1], ['dns-2', 0]]);
    expect(previewJson.warnings).toEqual([expect.objectContaining({ line: 5, message: LEFT_OUT })]);

    const r = await env.run(cfg, ['--json=report.json']);
    expect(r.status, r.stdout).toBe(1);
    expect(messages(r.stdout)).toContain(`WARNING fileserver: ${LEFT_OUT} (#vmbackup: vdi_disks=all takes every disk; vdi_disks=boot written out says the boot disk alone is meant)`);
    expect(r.stdout).toMatch(/VmBackup ended - \*\*WARNING\(s\)\*\* - S:1 W:1 E:0\n$/);
    expect(report(env).vms.map((v: { name: string; status: string; warnings: string[] }) => [v.name, v.status, v.warnings])).toEqual([
      ['fileserver', 'warning', [expect.stringContaining(LEFT_OUT)]],
      ['dns-2', 'success', []],
    ]);
    expect(readFileSync(env.statusLog, 'utf8')).toMatch(/,vdi-export,[^,]+,end,WARNING fileserver,elapse:0 size:0G\n/);
    // The legacy layout: one file, named after the folder.
    expect(normalised(tree(env.backupDir)).filter((p) => p.endsWith('.raw'))).toEqual(['dns-2/backup-DATE/dns-2.raw', 'fileserver/backup-DATE/fileserver.raw']);
    expect(leftovers(env.sim)).toEqual([]);
  }, 60_000);

  it('no warning when the cfg chooses the boot disk itself', async () => {
    const env = await e2eEnv({ pool: POOL });
    const r = await env.run(env.cfg('b.cfg', ['#vmbackup: vdi_disks=boot', 'vdi-export=fileserver']));
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).not.toContain('not backed up');
  }, 60_000);
});

describe('#vmbackup: vdi_disks=all', () => {
  it('vhd: three files qemu-img reads, three DISK- folders, one VM snapshot, nothing left on the pool', async () => {
    const env = await e2eEnv({ pool: POOL });
    const r = await env.run(env.cfg('all.cfg', ['#vmbackup: vdi_disks=all', 'vdi_export_format=vhd', 'vdi-export=fileserver']), ['--json=report.json']);
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).not.toContain('not backed up');
    expect(normalised(tree(env.backupDir))).toEqual([
      'fileserver/',
      'fileserver/backup-DATE/',
      'fileserver/backup-DATE/DISK-xvda/',
      'fileserver/backup-DATE/DISK-xvda/vbd.cfg',
      'fileserver/backup-DATE/DISK-xvda/vdi.cfg',
      'fileserver/backup-DATE/DISK-xvdb/',
      'fileserver/backup-DATE/DISK-xvdb/vbd.cfg',
      'fileserver/backup-DATE/DISK-xvdb/vdi.cfg',
      'fileserver/backup-DATE/DISK-xvdc/',
      'fileserver/backup-DATE/DISK-xvdc/vbd.cfg',
      'fileserver/backup-DATE/DISK-xvdc/vdi.cfg',
      'fileserver/backup-DATE/VIFs/',
      'fileserver/backup-DATE/VIFs/vif-0.cfg',
      'fileserver/backup-DATE/fileserver.vhd',
      'fileserver/backup-DATE/fileserver.xvdb.vhd',
      'fileserver/backup-DATE/fileserver.xvdc.vhd',
      'fileserver/backup-DATE/success',
      'fileserver/backup-DATE/vm.cfg',
      'fileserver/backup-DATE/vmbackup-sums.json',
    ]);
    const folder = join(env.backupDir, 'fileserver', backupFolders(env.backupDir, 'fileserver')[0]!);
    for (const [file, device, size] of [['fileserver.vhd', 'xvda', 4], ['fileserver.xvdb.vhd', 'xvdb', 6], ['fileserver.xvdc.vhd', 'xvdc', 2]] as const) {
      const info = JSON.parse(execFileSync('qemu-img', ['info', '-f', 'vpc', '--output', 'json', join(folder, file)], { encoding: 'utf8' }));
      expect(info.format, file).toBe('vpc');
      // CHS geometry rounds up a little (xapi-notes §4).
      expect(info['virtual-size'], file).toBeGreaterThanOrEqual(size * MiB);
      expect(info['virtual-size'], file).toBeLessThan(size * MiB + 256 * 1024);
      // Each file holds its own disk: the DISK- folder beside it names the same VDI.
      expect(readFileSync(join(folder, `DISK-${device}`, 'vdi.cfg'), 'utf8')).toContain(`orig_uuid=${String(vdiOf(env, 'fileserver', device).record.uuid)}`);
      const raw = join(env.dir, `${device}.raw`);
      execFileSync('qemu-img', ['convert', '--image-opts', `driver=vpc,force_size_calc=current_size,file.filename=${join(folder, file)}`, '-O', 'raw', raw]);
      expect(readFileSync(raw).equals(contentOf(env, 'fileserver', device)), file).toBe(true);
    }
    const vm = report(env).vms[0];
    expect(vm).toMatchObject({ name: 'fileserver', status: 'success', format: 'vhd' });
    expect(vm.files.filter((f: string) => f.endsWith('.vhd'))).toHaveLength(3);
    expect(vm.bytes).toBe(['fileserver.vhd', 'fileserver.xvdb.vhd', 'fileserver.xvdc.vhd'].reduce((sum, f) => sum + statSync(join(folder, f)).size, 0));
    // One snapshot of the whole VM, so the disks are of one instant.
    const calls = env.sim.calls.records.map((c) => c.name);
    expect(calls.filter((m) => /^(Async\.)?VM\.snapshot$/.test(m))).toHaveLength(1);
    expect(calls.filter((m) => /^(Async\.)?VDI\.snapshot$/.test(m))).toHaveLength(0);
    expect(calls.filter((m) => m.startsWith('GET /export_raw_vdi'))).toHaveLength(3);
    expect(leftovers(env.sim)).toEqual([]);
  }, 60_000);

  it('raw: each disk at its full size, byte for byte', async () => {
    const env = await e2eEnv({ pool: POOL });
    const r = await env.run(env.cfg('all.cfg', ['#vmbackup: vdi_disks=all', 'vdi_export_format=raw', 'vdi-export=fileserver']));
    expect(r.status, r.stdout).toBe(0);
    const folder = join(env.backupDir, 'fileserver', backupFolders(env.backupDir, 'fileserver')[0]!);
    for (const [file, device, size] of [['fileserver.raw', 'xvda', 4], ['fileserver.xvdb.raw', 'xvdb', 6], ['fileserver.xvdc.raw', 'xvdc', 2]] as const) {
      expect(statSync(join(folder, file)).size, file).toBe(size * MiB);
      expect(readFileSync(join(folder, file)).equals(contentOf(env, 'fileserver', device)), file).toBe(true);
    }
    expect(leftovers(env.sim)).toEqual([]);
  }, 60_000);

  it('a failure of the second disk fails the VM: no folder kept, the snapshot removed, the run goes on', async () => {
    const env = await e2eEnv({ pool: POOL });
    env.sim.faults.dropExportAfter(100_000, { vm: String(vdiOf(env, 'fileserver', 'xvdb').record.uuid), path: '/export_raw_vdi' });
    const r = await env.run(env.cfg('all.cfg', ['#vmbackup: vdi_disks=all', 'vdi-export=fileserver', 'vdi-export=dns-2']), ['--json=report.json']);
    expect(r.status, r.stdout).toBe(2);
    expect(r.stdout).toContain('export of disk xvda to fileserver.raw');
    expect(r.stdout).toContain('export of disk xvdb to fileserver.xvdb.raw');
    expect(r.stdout).not.toContain('export of disk xvdc');
    expect(report(env).vms.map((v: { name: string; status: string; folder: string | null; files: string[] }) => [v.name, v.status, v.folder, v.files.filter((f) => f.endsWith('.raw'))])).toEqual([
      ['fileserver', 'failed', null, []],
      ['dns-2', 'success', expect.any(String), [expect.stringMatching(/^dns-2\/backup-[^/]+\/dns-2\.raw$/)]],
    ]);
    expect(backupFolders(env.backupDir, 'fileserver')).toEqual([]);
    expect(readFileSync(env.statusLog, 'utf8')).toMatch(/,vdi-export,[^,]+,end,VDI-EXPORT-FAIL fileserver\n/);
    expect(leftovers(env.sim)).toEqual([]);
  }, 60_000);
});
