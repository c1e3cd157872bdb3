/**
 * The faults of a delta chain, with the real executable against the simulator:
 * - a corrupted link (one byte flipped in the data of the 2nd delta's VHD): `vmbackup verify`
 *   names it, for the link itself and for every later point; a restore of the newest point
 *   refuses and creates nothing on the pool; the next backup is a full with a warning;
 * - the base snapshot deleted by hand (VM.destroy and VDI.destroy of the kept snapshot): the next
 *   backup is a full with a warning saying so;
 * - the pool refusing `base=`: that disk is a full with a warning, the run succeeds with a
 *   warning, and the chain after it restores to the source's bytes.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeltaRecord } from '../../src/chain/record.js';
import type { PoolFixture } from '../../src/sim/pool/fixture.js';
import { vmbackupAsync } from '../helpers/cli.js';
import { rawOf, writeBlocks } from '../helpers/disk-writes.js';
import { e2eEnv, type E2eEnv } from '../helpers/e2e.js';
import { connectedClient, stopAll } from '../helpers/sim.js';
import { diskRefs, lastJson, poolCounts, restore, vmByName } from '../restore/e2e-helpers.js';

afterEach(stopAll);

// As in delta-chain.test.ts (importing a test file would run its tests here too).
const DELTA_POOL: PoolFixture = {
  name: 'delta pool',
  hosts: [{ name: 'xcp1.example.com' }],
  srs: [{ name: 'Local storage', size: '1TiB', default: true }],
  vms: [{ name: 'app', power: 'Running', disks: [{ size: '24MiB', density: 0.5 }, { size: '8MiB', density: 1 }] }],
};
const DELTA_CFG = ['max_backups=10', 'vm-export=app', '#vmbackup: delta=app'];

function dated(env: E2eEnv): string[] {
  return readdirSync(join(env.backupDir, 'app')).filter((n) => n.startsWith('backup-')).sort();
}
function recordOf(env: E2eEnv, folder: string): DeltaRecord {
  return JSON.parse(readFileSync(join(env.backupDir, 'app', folder, 'vmbackup-delta.json'), 'utf8')) as DeltaRecord;
}
function sourceDisks(env: E2eEnv): string[] {
  return diskRefs(env.sim, vmByName(env.sim, 'app').ref).map((ref) => String(env.sim.state.store.get(ref)!.record.uuid));
}

/** One backup run of the delta cfg; blocks of the first disk written before it. */
async function backupAfter(env: E2eEnv, blocks: number[], seed: number, extra: string[] = []) {
  if (blocks.length) await writeBlocks(env.sim, sourceDisks(env)[0]!, blocks, seed);
  return env.run(env.cfg('d.cfg', DELTA_CFG), extra);
}

/** A full and three deltas, each run clean. */
async function fullAndThreeDeltas(env: E2eEnv): Promise<string[]> {
  for (let k = 0; k < 4; k++) {
    const r = await backupAfter(env, k === 0 ? [] : [k, 7 + k], 100 + k);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }
  const folders = dated(env);
  expect(folders.map((f) => recordOf(env, f).disks.map((d) => d.kind).join())).toEqual(['full,full', 'diff,diff', 'diff,diff', 'diff,diff']);
  return folders;
}

function flipByte(path: string, at: number): void {
  const fd = openSync(path, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, at);
  b[0] = b[0]! ^ 0x80;
  writeSync(fd, b, 0, 1, at);
  closeSync(fd);
}

const verify = (env: E2eEnv, args: string[]) => vmbackupAsync(['verify', ...args], env.dir);

describe('delta chain faults', () => {
  it('a corrupted link: verify names it for the link and every later point; restore of the newest refuses and creates nothing; the next run is a full with a warning', async () => {
    const env = await e2eEnv({ pool: DELTA_POOL });
    const folders = await fullAndThreeDeltas(env);
    const [f0, f1, f2, f3] = folders as [string, string, string, string];

    // Whole, every point and its chain: each file read once in the run.
    let v = await verify(env, ['--backup-dir', env.backupDir, '--json']);
    expect(v.status, v.stdout + v.stderr).toBe(0);
    let json = lastJson(v.stdout) as { bytes: number; backups: { folder: string; bytes: number; chain?: { depth: number; links: string[]; linksChecked: number; ok: boolean } }[] };
    const vhdBytes = folders.reduce((n, f) => n + recordOf(env, f).disks.reduce((m, d) => m + statSync(join(env.backupDir, 'app', f, d.file)).size, 0), 0);
    expect(json.bytes).toBe(vhdBytes);
    expect(json.backups.map((b) => [b.folder, b.chain?.depth, b.chain?.links])).toEqual([
      [`app/${f3}`, 3, [f2, f1, f0]],
      [`app/${f2}`, 2, [f1, f0]],
      [`app/${f1}`, 1, [f0]],
      [`app/${f0}`, 0, []],
    ]);

    // One byte in the data of the 2nd delta's first disk (past its footer, header and BAT).
    const bad = recordOf(env, f2).disks[0]!;
    const badPath = join(env.backupDir, 'app', f2, bad.file);
    const size = statSync(badPath).size;
    expect(size).toBeGreaterThan(2 * 2 ** 20);
    flipByte(badPath, Math.floor(size / 2));

    v = await verify(env, ['--backup-dir', env.backupDir]);
    expect(v.status, v.stdout + v.stderr).toBe(2);
    const line = (folder: string) => v.stdout.split('\n').find((l) => l.includes(` app/${folder}`)) ?? '';
    expect(line(f2)).toMatch(new RegExp(`^FAILED app/${esc(f2)} ${esc(bad.file)}: content checksum at byte \\d+: `));
    expect(line(f3)).toMatch(new RegExp(`^FAILED app/${esc(f3)} chain: ${esc(f2)}/${esc(bad.file)} \\(link 3 of 4\\): content checksum at byte \\d+: `));
    expect(line(f1)).toBe(`OK app/${f1} (delta point, chain depth 1: 1 earlier point checked)`);
    expect(line(f0)).toBe(`OK app/${f0} (delta point: all disks full)`);
    expect(v.stdout).toMatch(/checked 4 backups: 2 ok, 2 failed/);

    // The newest point alone: its chain's files are read, the bad link named with where.
    v = await verify(env, [join(env.backupDir, 'app', f3), '--json']);
    expect(v.status).toBe(2);
    json = lastJson(v.stdout) as typeof json;
    expect(json.backups[0]!.chain).toEqual({ depth: 3, links: [f2, f1, f0], linksChecked: 3, ok: false });
    const failed = (lastJson(v.stdout) as { failed: { file: string; layer: string; reason: string; chainLink?: unknown }[] }).failed;
    expect(failed[0]).toMatchObject({ layer: 'chain', file: `${f2}/${bad.file}`, chainLink: { index: 3, of: 4 } });

    // Restore of the newest point refuses before anything is created.
    const before = poolCounts(env.sim);
    const r = await restore(env, [join(env.backupDir, 'app', f3), '--json']);
    expect(r.status).not.toBe(0);
    const error = lastJson(r.stdout).error as { code: string; message: string };
    expect(['VERIFY_FAILED', 'CHAIN_BROKEN']).toContain(error.code);
    expect(error.message).toContain(f2);
    expect(poolCounts(env.sim)).toEqual(before);

    // The next run takes a full, and says why.
    const next = await backupAfter(env, [4], 200);
    expect(next.status, next.stdout + next.stderr).toBe(1);
    expect(next.stdout + next.stderr).toMatch(new RegExp(`a full backup of every disk: .*${esc(f2)}`));
    const newest = dated(env).at(-1)!;
    expect(newest).not.toBe(f3);
    expect(recordOf(env, newest)).toMatchObject({ parent: null });
    expect(recordOf(env, newest).disks.map((d) => d.kind)).toEqual(['full', 'full']);
  }, 180_000);

  it('the base snapshot deleted by hand (VM.destroy, VDI.destroy through the API): the next run is a full with a warning saying so', async () => {
    const env = await e2eEnv({ pool: DELTA_POOL });
    for (let k = 0; k < 2; k++) expect((await backupAfter(env, k ? [2] : [], 300 + k)).status).toBe(0);
    const store = env.sim.state.store;
    const base = store.rows('VM').find((r) => r.record.is_a_snapshot && (r.record.other_config as Record<string, string>)['vmbackup:delta-base']);
    expect(base).toBeDefined();
    const xapi = await connectedClient(env.sim);
    const vdis = (base!.record.VBDs as string[]).map((ref) => store.get(ref)!.record).filter((b) => b.type === 'Disk').map((b) => String(b.VDI));
    expect(vdis).toHaveLength(2);
    await xapi.call('VM.destroy', base!.ref);
    for (const vdi of vdis) await xapi.call('VDI.destroy', vdi);
    expect(store.get(base!.ref)).toBeUndefined();

    const r = await backupAfter(env, [3], 302);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/WARNING app: a full backup of every disk: the pool keeps no base snapshot for this VM \(deleted by hand/);
    const newest = dated(env).at(-1)!;
    expect(recordOf(env, newest)).toMatchObject({ parent: null });
    expect(recordOf(env, newest).disks.map((d) => d.kind)).toEqual(['full', 'full']);
    // And the chain goes on from that full.
    expect((await backupAfter(env, [4], 303)).status).toBe(0);
    expect(recordOf(env, dated(env).at(-1)!)).toMatchObject({ parent: newest });
  }, 120_000);

  it('the pool refuses base= for one disk: that disk is a full with a warning, the run succeeds with a warning, and the chain after it restores to the source bytes', async () => {
    const env = await e2eEnv({ pool: DELTA_POOL });
    const disks = sourceDisks(env);
    const expected: string[][] = [];
    const shas = async () => [await rawOf(env.sim, disks[0]!), await rawOf(env.sim, disks[1]!)];
    expected.push(await shas());
    expect((await backupAfter(env, [], 0)).status).toBe(0);

    // xvda's base= refused (the fault is scoped to the VDI the base is a snapshot of); xvdb still a diff.
    env.sim.faults.refuseBase({ vm: disks[0]! });
    await writeBlocks(env.sim, disks[1]!, [1], 401);
    await writeBlocks(env.sim, disks[0]!, [6], 402);
    expected.push(await shas());
    let r = await env.run(env.cfg('d.cfg', DELTA_CFG));
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/WARNING app: .*xvda.*(refused|base)/i);
    env.sim.faults.clear();
    const refused = dated(env).at(-1)!;
    expect(recordOf(env, refused).disks.map((d) => [d.key, d.kind])).toEqual([['xvda', 'full'], ['xvdb', 'diff']]);

    // A clean delta after it.
    for (const [k, blocks] of [[7, 11]].entries()) {
      await writeBlocks(env.sim, disks[0]!, blocks, 500 + k);
      expected.push(await shas());
      r = await env.run(env.cfg('d.cfg', DELTA_CFG));
      expect(r.status, r.stdout + r.stderr).toBe(0);
    }
    const folders = dated(env);
    expect(folders).toHaveLength(3);
    expect(recordOf(env, folders[2]!).disks.map((d) => d.kind)).toEqual(['diff', 'diff']);

    // verify is happy with the mixed chain.
    const v = await verify(env, ['--backup-dir', env.backupDir]);
    expect(v.status, v.stdout + v.stderr).toBe(0);

    for (const k of [1, 2]) expect(await restoredShas(env, folders[k]!), `point ${k}`).toEqual(expected[k]);
  }, 180_000);
});

/** Restores the point in `folder`; the restored VM's disks hashed by the pool's raw export, in userdevice order. */
async function restoredShas(env: E2eEnv, folder: string): Promise<string[]> {
  const r = await restore(env, [join(env.backupDir, 'app', folder), '--json']);
  expect(r.status, r.stdout + r.stderr).toBe(0);
  const json = lastJson(r.stdout) as { vm: { uuid: string } };
  const row = env.sim.state.store.byUuid('VM', json.vm.uuid)!;
  const shas: string[] = [];
  for (const ref of diskRefs(env.sim, row.ref)) shas.push(await rawOf(env.sim, String(env.sim.state.store.get(ref)!.record.uuid)));
  return shas;
}

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
