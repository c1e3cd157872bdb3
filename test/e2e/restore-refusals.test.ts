/**
 * `vmbackup restore` refusing, the real executable against the simulator: a damaged backup (one
 * byte flipped in an XVA chunk, a gzip stream, a zstd stream, a VHD header) fails with
 * VERIFY_FAILED naming the file, and the pool has no new VM, VDI or network afterwards; an SR
 * without room, an unfinished backup, a running VM under --preserve, a missing file, a PATH
 * outside any backup: each a clear error and its exit code.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2E_POOL, e2eEnv, type E2eEnv } from '../helpers/e2e.js';
import { stopAll } from '../helpers/sim.js';
import { lastJson, poolCounts, restore } from '../restore/e2e-helpers.js';

afterEach(stopAll);

/** Backs up with `lines` into a backup_dir of its own; returns the one export file. */
async function backUpInto(env: E2eEnv, dirName: string, lines: string[]): Promise<string> {
  const dir = join(env.dir, dirName);
  mkdirSync(dir);
  const r = await env.run(env.cfg(`${dirName}.cfg`, lines, dir));
  expect(r.status, r.stdout + r.stderr).toBe(0);
  const vmFolder = readdirSync(dir).find((n) => !n.startsWith('METADATA_'))!;
  const dated = join(dir, vmFolder, readdirSync(join(dir, vmFolder))[0]!);
  return join(dated, readdirSync(dated).find((n) => /\.(xva|xva\.gz|xva\.zst|raw|vhd)$/.test(n))!);
}

function flipByte(file: string, offset: number): void {
  const bytes = readFileSync(file);
  bytes[offset] = bytes[offset]! ^ 0x5a;
  writeFileSync(file, bytes);
}

type Report = { error: { code: string; message: string; hint?: string } | null; vm: unknown; vdis: unknown[]; verified: boolean };

describe('a damaged backup is refused with VERIFY_FAILED, and nothing of it stays on the pool', () => {
  it.each([
    // db.example.com's one 4 MiB disk is all data: 1.5 MiB into the XVA is inside chunk 1.
    ['an XVA chunk', ['vm-export=db.example.com'], () => 1.5 * 2 ** 20],
    ['a gzip stream', ['#vmbackup: compress=gzip', 'vm-export=db.example.com'], (size: number) => Math.floor(size / 2)],
    ['a zstd stream', ['#vmbackup: compress=zstd', 'vm-export=db.example.com'], (size: number) => Math.floor(size / 2)],
    // The header follows the 512-byte footer copy: its checksum no longer matches.
    ['a VHD header', ['vdi_export_format=vhd', 'vdi-export=db.example.com'], () => 512 + 40],
  ] as const)('one byte flipped in %s', async (what, lines, offset) => {
    const env = await e2eEnv();
    const file = await backUpInto(env, 'b', [...lines]);
    const before = poolCounts(env.sim);
    flipByte(file, offset(readFileSync(file).length));

    const r = await restore(env, [file, '--json']);
    expect(r.status, r.stderr).toBe(2);
    const report = lastJson(r.stdout) as Report;
    expect(report.error?.code, r.stderr).toBe('VERIFY_FAILED');
    expect(report.error?.message).toContain(file);
    expect(report).toMatchObject({ vm: null, vdis: [], verified: false });
    expect(r.stderr).toMatch(/vmbackup: fix: /);
    expect(poolCounts(env.sim)).toEqual(before);
    // In a plain XVA, the message names the tar member and the offset.
    if (what === 'an XVA chunk') expect(report.error!.message).toMatch(/Ref:\d+\/\d{8}.*offset \d+|offset \d+.*Ref:\d+\/\d{8}/);
  }, 60_000);
});

describe('--preserve over a halted VM with a damaged backup', () => {
  it('checks the whole file before the VM goes: VERIFY_FAILED, and the original VM is still there', async () => {
    const env = await e2eEnv();
    const file = await backUpInto(env, 'p', ['vm-export=db.example.com']);
    const original = env.sim.state.store.rows('VM').find((v) => v.record.name_label === 'db.example.com' && !v.record.is_a_snapshot)!;
    const before = poolCounts(env.sim);
    // Near the end of the archive: a check while streaming would meet it only after the VM was gone.
    flipByte(file, 3.5 * 2 ** 20);

    const r = await restore(env, [file, '--preserve', '--yes', '--json']);
    expect(r.status, r.stderr).toBe(2);
    const report = lastJson(r.stdout) as Report;
    expect(report.error?.code).toBe('VERIFY_FAILED');
    expect(report.error?.message).toMatch(/checked before replacing the VM: nothing on the pool was changed/);
    expect(env.sim.state.store.byUuid('VM', String(original.record.uuid))?.ref).toBe(original.ref);
    expect(poolCounts(env.sim)).toEqual(before);
  }, 60_000);
});

describe('refusals before anything is sent', () => {
  it('an SR without room: SR_FULL, exit 2, nothing created', async () => {
    const env = await e2eEnv({ pool: { ...E2E_POOL, srs: [...E2E_POOL.srs!, { name: 'tiny', size: '1MiB' }] } });
    const xva = await backUpInto(env, 'plain', ['vm-export=db.example.com']);
    const before = poolCounts(env.sim);
    const r = await restore(env, [xva, '--sr', 'tiny']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/vmbackup: error: SR tiny has .* free; the backup's disks need 4\.0 MiB \(nothing was sent\)/);
    expect(r.stderr).toMatch(/vmbackup: fix: free space on the SR, or choose another one with --sr/);
    expect(poolCounts(env.sim)).toEqual(before);
  });

  it('an unfinished backup: refused without --yes (the fix says --yes), restored with it and a warning (exit 1)', async () => {
    const env = await e2eEnv();
    const xva = await backUpInto(env, 'plain', ['vm-export=db.example.com']);
    const dated = join(xva, '..');
    rmSync(join(dated, 'success'));
    const before = poolCounts(env.sim);
    const refused = await restore(env, [dated]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/vmbackup: error: not restored: .* has no success marker/);
    expect(refused.stderr).toMatch(/vmbackup: fix: .*--yes/);
    expect(poolCounts(env.sim)).toEqual(before);

    const r = await restore(env, [dated, '--yes']);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/WARNING restored from an unfinished backup \(no success marker\): it may be incomplete/);
    expect(poolCounts(env.sim).vms).toBe(before.vms + 1);
  });

  it('a running VM under --preserve: VM_RUNNING, exit 2', async () => {
    const env = await e2eEnv();
    const xva = await backUpInto(env, 'web', ['vm-export=web 01']);
    const before = poolCounts(env.sim);
    const r = await restore(env, [xva, '--preserve', '--yes']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/vmbackup: error: --preserve would replace the VM web 01 \([0-9a-f-]+\), which is running/);
    expect(r.stderr).toMatch(/vmbackup: fix: shut it down first/);
    expect(poolCounts(env.sim)).toEqual(before);
  });

  it('a missing file, a file that is no backup, a folder outside any backup: exit 2 before the pool is contacted', async () => {
    const env = await e2eEnv();
    writeFileSync(join(env.dir, 'notes.txt'), 'hello\n');
    mkdirSync(join(env.dir, 'plain folder'));
    const calls = env.sim.state.calls.records.length;
    for (const [path, message] of [
      ['gone.xva', /gone\.xva does not exist/],
      ['notes.txt', /notes\.txt.*no export/],
      ['plain folder', /plain folder/],
    ] as const) {
      const r = await restore(env, [path]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/vmbackup: fix: /);
    }
    expect(env.sim.state.calls.records.length).toBe(calls);
  });
});
