/**
 * `vmbackup --config` end to end: the real executable against the simulator over HTTPS, its
 * files checked with outside tools (tar, qemu-img, zstd, gzip), its logs and report read as a
 * sysadmin's scripts would.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GeneratedContent } from '../../src/sim/disks/content.js';
import { e2eEnv, leftovers, normalised, tree } from '../helpers/e2e.js';
import { stopAll } from '../helpers/sim.js';

afterEach(stopAll);

const LINE = /^\d{4}-\d\d-\d\d-\(\d\d:\d\d:\d\d\) - /;
const MAIN = ['pool_db_backup=1', 'max_backups=3', 'vdi_export_format=raw', 'vdi-export=win/2019', 'vm-export=web.*', 'vm-export=[ds].*', 'exclude=scratch'];

function vmRecord(env: Awaited<ReturnType<typeof e2eEnv>>, name: string) {
  return env.sim.state.store.rows('VM').find((r) => r.record.name_label === name && !r.record.is_a_snapshot)!.record;
}

function diskUuidOf(env: Awaited<ReturnType<typeof e2eEnv>>, vmName: string): string {
  const store = env.sim.state.store;
  const vm = vmRecord(env, vmName);
  const vbd = (vm.VBDs as string[]).map((ref) => store.get(ref)!.record).find((b) => b.type === 'Disk')!;
  return String(store.get(String(vbd.VDI))!.record.uuid);
}

describe('a cfg with vm-export, vdi-export, exclude and pool_db_backup', () => {
  it('writes exactly the expected tree, verified files and logs, and leaves nothing on the pool', async () => {
    const env = await e2eEnv();
    const userSnapshots = env.sim.state.store.rows('VM').filter((r) => r.record.is_a_snapshot).length;
    const r = await env.run(env.cfg('main.cfg', MAIN), ['--json=report.json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);

    expect(normalised(tree(env.backupDir))).toEqual([
      '%win%2F2019/',
      '%win%2F2019/backup-DATE/',
      '%win%2F2019/backup-DATE/%win%2F2019.raw',
      '%win%2F2019/backup-DATE/DISK-hda/',
      '%win%2F2019/backup-DATE/DISK-hda/vbd.cfg',
      '%win%2F2019/backup-DATE/DISK-hda/vdi.cfg',
      '%win%2F2019/backup-DATE/success',
      '%win%2F2019/backup-DATE/vm.cfg',
      '%win%2F2019/backup-DATE/vmbackup-sums.json',
      'METADATA_xcp1/',
      'METADATA_xcp1/pool_db_DATE.dump',
      'db.example.com/',
      'db.example.com/backup-DATE/',
      'db.example.com/backup-DATE/DISK-xvda/',
      'db.example.com/backup-DATE/DISK-xvda/vbd.cfg',
      'db.example.com/backup-DATE/DISK-xvda/vdi.cfg',
      'db.example.com/backup-DATE/VIFs/',
      'db.example.com/backup-DATE/VIFs/vif-0.cfg',
      'db.example.com/backup-DATE/db.example.com.xva',
      'db.example.com/backup-DATE/success',
      'db.example.com/backup-DATE/vm.cfg',
      'db.example.com/backup-DATE/vmbackup-sums.json',
      'web 01/',
      'web 01/backup-DATE/',
      'web 01/backup-DATE/DISK-xvda/',
      'web 01/backup-DATE/DISK-xvda/vbd.cfg',
      'web 01/backup-DATE/DISK-xvda/vdi.cfg',
      'web 01/backup-DATE/DISK-xvdb/',
      'web 01/backup-DATE/DISK-xvdb/vbd.cfg',
      'web 01/backup-DATE/DISK-xvdb/vdi.cfg',
      'web 01/backup-DATE/VIFs/',
      'web 01/backup-DATE/VIFs/vif-0.cfg',
      'web 01/backup-DATE/success',
      'web 01/backup-DATE/vm.cfg',
      'web 01/backup-DATE/vmbackup-sums.json',
      'web 01/backup-DATE/web 01.xva',
    ]);
    const [web] = tree(env.backupDir).filter((p) => p.startsWith('web 01/backup-') && p.endsWith('/'));
    const webDir = join(env.backupDir, web!);

    // The XVA is a tar the outside world can read, with ova.xml first and every chunk's xxhash.
    const listing = execFileSync('tar', ['-tf', join(webDir, 'web 01.xva')], { encoding: 'utf8' }).trim().split('\n');
    expect(listing[0]).toBe('ova.xml');
    const chunks = listing.filter((n) => /^Ref:[^/]+\/\d{8}$/.test(n));
    expect(new Set(chunks.map((c) => c.split('/')[0])).size).toBe(2); // one folder per disk
    // Every chunk's XXH64 as xxhsum computes it: the checksums we verified on the fly are real.
    const unpacked = join(env.dir, 'unpacked');
    mkdirSync(unpacked);
    execFileSync('tar', ['-xf', join(webDir, 'web 01.xva'), '-C', unpacked]);
    for (const c of chunks) {
      const expected = readFileSync(join(unpacked, `${c}.xxhash`), 'utf8').trim().toLowerCase();
      expect(execFileSync('xxhsum', ['-H64', join(unpacked, c)], { encoding: 'utf8' }).split(/\s/)[0]).toBe(expected);
    }

    // Metadata in the old script's 3.1 formats, from the pool's records.
    const source = vmRecord(env, 'web 01');
    const vmCfg = readFileSync(join(webDir, 'vm.cfg'), 'utf8');
    expect(vmCfg).toMatch(/^name_label=web 01$/m);
    expect(vmCfg).toMatch(new RegExp(`^orig_uuid=${String(source.uuid)}$`, 'm'));
    expect(readFileSync(join(webDir, 'DISK-xvdb/vbd.cfg'), 'utf8')).toMatch(/^userdevice=1$/m);
    expect(readFileSync(join(webDir, 'DISK-xvda/vdi.cfg'), 'utf8')).toMatch(/^virtual_size=6291456$/m);
    expect(readFileSync(join(webDir, 'success'), 'utf8')).toBe('');

    // The raw disk: full length, written sparse: no more blocks on disk than the pool's disk
    // has 2 MiB blocks with data (about one in ten here).
    const rawPath = join(env.backupDir, tree(env.backupDir).find((p) => p.endsWith('.raw'))!);
    const raw = statSync(rawPath);
    expect(raw.size).toBe(32 * 2 ** 20);
    const winDisk = env.sim.state.store.rows('VDI').find((v) => String(v.record.uuid) === diskUuidOf(env, 'win/2019'))!;
    const content = env.sim.state.disks.contentOf(winDisk.ref);
    if (!(content instanceof GeneratedContent)) throw new Error('expected generated content');
    const withData = Array.from({ length: 16 }, (_, i) => content.blockAllocated(i)).filter(Boolean).length;
    expect(raw.blocks * 512).toBeLessThanOrEqual(withData * 2 ** 21 + 64 * 1024);

    const dump = readFileSync(join(env.backupDir, tree(env.backupDir).find((p) => p.endsWith('.dump'))!), 'utf8');
    expect(dump).toMatch(/^<\?xml[^>]*>\s*<database/);

    // Logs: every line stamped; the old script's well-known lines, word for word.
    const lines = r.stdout.trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(LINE);
    expect(lines.map((l) => l.replace(LINE, ''))).toEqual(
      expect.arrayContaining([
        '  exclude: scratch',
        '  vm-export: db.example.com, web 01',
        'VmBackup vdi-export win/2019 - ***Success*** t:0 (32.0 MiB at ' + lines.find((l) => l.includes('vdi-export win/2019 - ***Success'))!.split(' at ')[1]!,
        'VmBackup ended - Success - S:3 W:0 E:0',
      ]),
    );
    const status = readFileSync(env.statusLog, 'utf8').trimEnd().split('\n').map((l) => l.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d,/, 'T,'));
    const host = hostname().split('.')[0];
    expect(status).toEqual([
      `T,vmbackup.py,${host},begin`,
      `T,vdi-export,${host},begin,win/2019`,
      `T,vdi-export,${host},end,SUCCESS win/2019,elapse:0 size:0G`,
      `T,vm-export,${host},begin,web 01`,
      `T,vm-export,${host},end,SUCCESS web 01,elapse:0 size:0G`,
      `T,vm-export,${host},begin,db.example.com`,
      `T,vm-export,${host},end,SUCCESS db.example.com,elapse:0 size:0G`,
      `T,vmbackup.py,${host},end,SUCCESS,S:3 W:0 E:0`,
    ]);

    const report = JSON.parse(readFileSync(join(env.dir, 'report.json'), 'utf8'));
    expect(report).toMatchObject({ status: 'SUCCESS', exitCode: 0, counts: { success: 3, warning: 0, error: 0 }, poolDb: { status: 'success' } });
    expect(report.vms.map((v: { name: string; mode: string; status: string; format: string }) => [v.name, v.mode, v.format, v.status])).toEqual([
      ['win/2019', 'vdi-export', 'raw', 'success'],
      ['web 01', 'vm-export', 'xva', 'success'],
      ['db.example.com', 'vm-export', 'xva', 'success'],
    ]);
    for (const vm of report.vms) for (const f of vm.files) expect(existsSync(join(env.backupDir, f))).toBe(true);
    expect(report.vms[1].bytes).toBe(statSync(join(webDir, 'web 01.xva')).size);

    // Each backup's vmbackup-sums.json holds what `xxhsum -H64` says of its export file (whole;
    // per 64 MiB segment: these files are smaller, so one segment, the same sum).
    for (const folder of tree(env.backupDir).filter((p) => /\/backup-[^/]+\/$/.test(p))) {
      const sums = JSON.parse(readFileSync(join(env.backupDir, folder, 'vmbackup-sums.json'), 'utf8')) as { algorithm: string; files: Record<string, { bytes: number; xxh64: string; segments: string[] }> };
      expect(sums.algorithm).toBe('xxh64');
      const names = Object.keys(sums.files);
      expect(names, folder).toHaveLength(1);
      for (const name of names) {
        const path = join(env.backupDir, folder, name);
        const [outside] = execFileSync('xxhsum', ['-H64', path], { encoding: 'utf8' }).trim().split(/\s+/);
        expect(sums.files[name]!.xxh64, name).toBe(outside);
        expect(sums.files[name]!.bytes).toBe(statSync(path).size);
        expect(sums.files[name]!.segments).toEqual([outside]);
      }
    }

    expect(leftovers(env.sim)).toEqual([]);
    expect(env.sim.state.store.rows('VM').filter((r) => r.record.is_a_snapshot).length).toBe(userSnapshots);
    // Logged out: XAPI caps sessions at 500 per user, and the old script leaked one per run.
    expect(env.sim.state.sessions.size).toBe(0);
    expect(existsSync(join(env.backupDir, '.vmbackup.lock'))).toBe(false);
  }, 60_000);

  it('vdi_export_format=vhd gives a VHD qemu-img reads, with the same bytes as the raw export', async () => {
    const env = await e2eEnv();
    expect((await env.run(env.cfg('raw.cfg', ['vdi_export_format=raw', 'vdi-export=win/2019']))).status).toBe(0);
    const r = await env.run(env.cfg('vhd.cfg', ['vdi_export_format=vhd', 'vdi-export=win/2019']));
    expect(r.status).toBe(0);
    const files = tree(env.backupDir);
    const vhd = join(env.backupDir, files.find((p) => p.endsWith('.vhd'))!);
    const raw = join(env.backupDir, files.find((p) => p.endsWith('.raw'))!);
    const info = JSON.parse(execFileSync('qemu-img', ['info', '-f', 'vpc', '--output', 'json', vhd], { encoding: 'utf8' }));
    expect(info.format).toBe('vpc');
    // XAPI's creator "caml" makes qemu size the disk by CHS geometry, rounded up (xapi-notes §4).
    expect(info['virtual-size']).toBeGreaterThanOrEqual(32 * 2 ** 20);
    expect(info['virtual-size']).toBeLessThan(32 * 2 ** 20 + 256 * 1024);
    const converted = join(env.dir, 'converted.raw');
    execFileSync('qemu-img', ['convert', '--image-opts', `driver=vpc,force_size_calc=current_size,file.filename=${vhd}`, '-O', 'raw', converted]);
    expect(readFileSync(converted).equals(readFileSync(raw))).toBe(true);
    expect(leftovers(env.sim)).toEqual([]);
  }, 60_000);

  it.each([
    ['zstd', 'xva.zst', ['zstd', '-t', '-q']],
    ['gzip', 'xva.gz', ['gzip', '-t']],
  ])('compress=%s writes a .%s that passes its own tool and holds a tar', async (compress, ext, check) => {
    const env = await e2eEnv();
    const r = await env.run(env.cfg('c.cfg', [`#vmbackup: compress=${compress}`, 'vm-export=db.example.com']));
    expect(r.status).toBe(0);
    const file = join(env.backupDir, tree(env.backupDir).find((p) => p.endsWith(`.${ext}`))!);
    execFileSync(check[0]!, [...check.slice(1), file]);
    const tarList = execFileSync('sh', ['-c', `${compress === 'zstd' ? 'zstd -dc' : 'gzip -dc'} "$1" | tar -t`, 'sh', file], { encoding: 'utf8' });
    expect(tarList.split('\n')[0]).toBe('ova.xml');
  }, 60_000);
});

describe('the other faces of a run', () => {
  it('the legacy command line runs the same engine and writes the status log', async () => {
    const env = await e2eEnv();
    env.cfg('legacy.cfg', ['vm-export=db.example.com']);
    const { vmbackupAsync } = await import('../helpers/cli.js');
    const r = await vmbackupAsync(['pw.b64', 'legacy.cfg'], env.dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/VmBackup ended - Success - S:1 W:0 E:0\n$/);
    expect(readFileSync(env.statusLog, 'utf8')).toMatch(/,vmbackup\.py,[^,]+,end,SUCCESS,S:1 W:0 E:0\n$/);
  }, 60_000);

  it('#vmbackup: folder_names=nas writes dated folders without ":" (SMB shares refuse it), and retention counts both styles', async () => {
    const env = await e2eEnv();
    expect((await env.run(env.cfg('legacy.cfg', ['max_backups=1', 'vm-export=db.example.com']))).status).toBe(0);
    const r = await env.run(env.cfg('nas.cfg', ['max_backups=1', '#vmbackup: folder_names=nas', 'vm-export=db.example.com']));
    expect(r.status).toBe(0);
    // max_backups=1: the legacy-style folder of the first run was the oldest, and is gone.
    expect(tree(env.backupDir).filter((p) => /^db\.example\.com\/[^/]+\/$/.test(p))).toEqual([expect.stringMatching(/^db\.example\.com\/backup-\d{4}-\d\d-\d\d-\(\d\d-\d\d-\d\d\)\/$/)]);
  }, 60_000);

  it('--json alone puts the report on stdout and the log on stderr', async () => {
    const env = await e2eEnv();
    const r = await env.run(env.cfg('j.cfg', ['vm-export=db.example.com']), ['--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'SUCCESS', vms: [{ name: 'db.example.com', status: 'success' }] });
    expect(r.stderr).toMatch(/VmBackup ended - Success/);
  }, 60_000);

  it('--concurrency 3 backs up three VMs at once with the same result', async () => {
    const env = await e2eEnv();
    env.sim.faults.throttle(8 * 2 ** 20);
    const r = await env.run(env.cfg('p.cfg', ['vm-export=web 01', 'vm-export=db.example.com', 'vm-export=scratch']), ['--concurrency', '3']);
    expect(r.status).toBe(0);
    // All three began before the first ended.
    const lines = r.stdout.split('\n');
    const firstDone = lines.findIndex((l) => l.includes('***Success***'));
    expect(lines.slice(0, firstDone).filter((l) => l.includes('*** vm-export begin')).length).toBe(3);
    expect(leftovers(env.sim)).toEqual([]);
  }, 60_000);

  it('preview against the pool: the plan, names that match nothing, retention, free space; exit 0', async () => {
    const env = await e2eEnv();
    const cfg = env.cfg('pv.cfg', ['max_backups=1', 'vm-export=db.example.com', 'vm-export=nosuchvm']);
    // In a run, a name that matches no VM is a warning (exit 1); the preview only reports it.
    expect((await env.run(cfg)).status).toBe(1);
    const r = await env.run(cfg, ['--preview']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ {4}1 {2}vm-export {3}db\.example\.com {2}keep 1 {2}~5\.0 MiB$/m);
    expect(r.stdout).toMatch(/after its next success, retention deletes db\.example\.com\/backup-/);
    expect(r.stdout + r.stderr).toMatch(/nosuchvm/);
    expect(r.stdout).toMatch(/is writable; .* free, ~5\.0 MiB needed by this run/);
    expect(r.stdout).toMatch(/SUCCESS preview of parameters {2}- WARNINGS found/);
    // A preview writes nothing: no new folder, no status record.
    expect(tree(env.backupDir).filter((p) => /^db\.example\.com\/backup-[^/]+\/$/.test(p))).toHaveLength(1);
    expect(readFileSync(env.statusLog, 'utf8').split('\n').filter(Boolean)).toHaveLength(4);
  }, 60_000);

  it('preview exits 2 when backup_dir cannot take a file', async () => {
    const env = await e2eEnv();
    chmodSync(env.backupDir, 0o555);
    const cfg = env.cfg('ro.cfg', ['vm-export=db.example.com']);
    // root ignores mode bits; a file in the way of the probe works for everyone.
    mkdirSync(join(env.backupDir, '00VMbackupWriteTest'));
    const r = await env.run(cfg, ['--preview']);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/cannot write to backup_dir/);
  }, 60_000);

  it('a wrong password exits 2 with the XAPI code and the fix, and the status log and report say so', async () => {
    const env = await e2eEnv();
    env.sim.faults.wrongPassword();
    const r = await env.run(env.cfg('pw.cfg', ['vm-export=db.example.com']), ['--json=r.json']);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/ERROR logging in to https:\/\/127\.0\.0\.1:\d+ as root failed: SESSION_AUTHENTICATION_FAILED/);
    expect(r.stdout).toMatch(/fix: rewrite the password file with the right password: vmbackup password-file pw\.b64; the user is root/);
    expect(r.stdout).toMatch(/VmBackup ended - \*\*ERRORS DETECTED\*\* - S:0 W:0 E:1/);
    expect(readFileSync(env.statusLog, 'utf8')).toMatch(/,vmbackup\.py,[^,]+,end,ERROR,S:0 W:0 E:1\n$/);
    expect(JSON.parse(readFileSync(join(env.dir, 'r.json'), 'utf8'))).toMatchObject({ exitCode: 2, problems: [{ code: 'SESSION_AUTHENTICATION_FAILED' }] });
  }, 60_000);
});
