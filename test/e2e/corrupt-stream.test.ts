/**
 * One byte inverted in the middle of an export stream, with status 200 and task success: only
 * the stream's own checks can tell. For each format that has them (XVA, .xva.gz, .xva.zst,
 * VHD), the run must say VERIFY_FAILED, naming the format layer, in the console log, the status
 * log and the JSON report; keep no file and no folder of that run; leave no snapshot; and the
 * process must end on its own (the test awaits its exit, it never kills it: a zstd child left
 * waiting once kept such a run alive after its reports). A raw disk has no checksum: the same
 * flip goes through, and the backup differs from the disk in that byte.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backupFolders, type E2eEnv, e2eEnv, expectKept, expectNoPartial, fileSizes, leftovers, messages, tree } from '../helpers/e2e.js';
import { stopAll } from '../helpers/sim.js';

afterEach(stopAll);

interface Case {
  name: string;
  /** cfg lines for the VM. */
  lines: string[];
  vm: string;
  /** The export file's name ending. */
  ext: RegExp;
  /** Where to flip, given the bytes of an untouched export of the same VM. */
  offset(good: Buffer): number;
  /** The layers a flip there may hit first (which one depends on what the byte was). */
  layer: RegExp;
}

/** The low byte of the VHD's first used BAT entry: the block then overlaps the next one. */
function vhdBatByte(vhd: Buffer): number {
  const tableOffset = Number(vhd.readBigUInt64BE(512 + 16));
  for (let i = 0; ; i++) if (vhd.readUInt32BE(tableOffset + 4 * i) !== 0xffffffff) return tableOffset + 4 * i + 3;
}

const middle = (good: Buffer) => Math.floor(good.length / 2);

const CASES: Case[] = [
  { name: 'xva', lines: ['vm-export=db.example.com'], vm: 'db.example.com', ext: /\.xva$/, offset: middle, layer: /(chunk checksum|tar header|tar member|checksum member|chunk order)/ },
  { name: 'xva.gz', lines: ['#vmbackup: compress=gzip', 'vm-export=db.example.com'], vm: 'db.example.com', ext: /\.xva\.gz$/, offset: middle, layer: /(gzip (header|CRC|stream)|chunk checksum|tar header|tar member|checksum member|chunk order)/ },
  { name: 'xva.zst', lines: ['#vmbackup: compress=zstd', 'vm-export=db.example.com'], vm: 'db.example.com', ext: /\.xva\.zst$/, offset: middle, layer: /(zstd frame|chunk checksum|tar header|tar member|checksum member|chunk order)/ },
  // A VHD's blocks have no checksum (see the raw case); its footer, header and BAT are checked.
  { name: 'vhd', lines: ['vdi_export_format=vhd', 'vdi-export=win/2019'], vm: 'win/2019', ext: /\.vhd$/, offset: vhdBatByte, layer: /VHD (BAT|footer|header)?/ },
];

/** The VM's folder name on disk ("/" becomes something else). */
function vmFolderOf(env: E2eEnv, file: string): string {
  return file.split('/')[0]!;
}

/** A first, untouched backup of the case's VM: its export file's bytes and its folder. */
async function goodBackup(env: E2eEnv, c: Case): Promise<{ bytes: Buffer; folder: string }> {
  env.cfg('c.cfg', c.lines);
  const r = await env.run('c.cfg');
  expect(r.status, r.stdout + r.stderr).toBe(0);
  const file = tree(env.backupDir).find((p) => c.ext.test(p))!;
  expect(file, tree(env.backupDir).join('\n')).toBeDefined();
  return { bytes: readFileSync(join(env.backupDir, file)), folder: vmFolderOf(env, file) };
}

describe('a byte inverted in the middle of the stream (corrupt-export-at)', () => {
  it.each(CASES)('$name: exit 2, VERIFY_FAILED naming the layer in every report, nothing kept, no snapshot left, the process ends', async (c) => {
    const env = await e2eEnv();
    const good = await goodBackup(env, c);
    const before = fileSizes(env.backupDir);
    const foldersBefore = backupFolders(env.backupDir, good.folder);
    const offset = c.offset(good.bytes);
    env.sim.faults.corruptExportAt(offset, { vm: c.vm, path: '/export', times: 1 });

    const r = await env.run('c.cfg', ['--json=r.json']);
    // It ended by itself, with the run's code: not by a signal, not by a guard.
    expect(r.signal).toBeNull();
    expect(r.status, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).not.toMatch(/bug: still running/);

    const error = messages(r.stdout).find((l) => l.startsWith(`ERROR ${c.name === 'vhd' ? 'vdi-export' : 'vm-export'} ${c.vm}:`));
    expect(error, r.stdout).toBeDefined();
    expect(error).toMatch(/\[VERIFY_FAILED\]$/);
    expect(error).toMatch(/ is damaged: /);
    expect(error!.replace(/^.* is damaged: /, '')).toMatch(new RegExp(`^${c.layer.source}`));
    expect(error).toMatch(/ at byte \d+/);
    expect(error).not.toMatch(/CLIENT_ERROR|ECONNRESET|INTERNAL_ERROR/);
    expect(messages(r.stdout)).toContainEqual(expect.stringMatching(/^ {2}fix: run the backup again/));

    const status = readFileSync(env.statusLog, 'utf8');
    expect(status).toMatch(new RegExp(`,(vm|vdi)-export,[^,]+,end,(VM|VDI)-EXPORT-FAIL ${c.vm.replace(/[./]/g, '\\$&')},VERIFY_FAILED\\n`));

    const report = JSON.parse(readFileSync(join(env.dir, 'r.json'), 'utf8')) as { exitCode: number; vms: { name: string; error: { code: string; message: string } | null }[] };
    expect(report.exitCode).toBe(2);
    const vm = report.vms.find((v) => v.name === c.vm)!;
    expect(vm.error?.code).toBe('VERIFY_FAILED');
    expect(vm.error?.message).toMatch(c.layer);

    // No export file of this run, no .partial, no new dated folder; the first backup intact.
    expect(backupFolders(env.backupDir, good.folder)).toEqual(foldersBefore);
    expectNoPartial(env.backupDir);
    expectKept(before, env.backupDir);
    expect(tree(env.backupDir).filter((p) => c.ext.test(p))).toHaveLength(1);
    expect(leftovers(env.sim)).toEqual([]);
  }, 60_000);

  it('raw vdi-export: a raw disk has no checksum, so the flip goes through: exit 0, and the file differs from the disk in that one byte', async () => {
    const env = await e2eEnv();
    const c: Case = { name: 'raw', lines: ['vdi-export=db.example.com'], vm: 'db.example.com', ext: /\.raw$/, offset: middle, layer: /./ };
    const good = await goodBackup(env, c);
    const offset = c.offset(good.bytes);
    env.sim.faults.corruptExportAt(offset, { vm: c.vm, times: 1 });
    const r = await env.run('c.cfg');
    expect(r.signal).toBeNull();
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const files = tree(env.backupDir).filter((p) => c.ext.test(p));
    expect(files).toHaveLength(2);
    const cmp = spawnSync('cmp', ['-l', join(env.backupDir, files[0]!), join(env.backupDir, files[1]!)], { encoding: 'utf8' });
    expect(cmp.stdout.trim().split('\n')).toHaveLength(1);
    expect(cmp.stdout.trim()).toMatch(new RegExp(`^${offset + 1} `));
    expect(leftovers(env.sim)).toEqual([]);
  }, 60_000);
});
