/**
 * Disks that change by themselves: `churnNow` and the `churn` option of startSimulator, and
 * `vmbackup sim --churn PERCENT/INTERVAL` as a user runs it. Checked through the wire (raw and
 * base= exports), never by reading the simulator's memory for the bytes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VhdParser, type VhdBlock } from '../../src/formats/index.js';
import { parseChurnSpec } from '../../src/sim/churn-spec.js';
import { sampleBlocks } from '../../src/sim/disks/churn.js';
import type { DiskContent } from '../../src/sim/disks/content.js';
import type { Simulator } from '../../src/sim/index.js';
import type { PoolFixture } from '../../src/sim/pool/fixture.js';
import { BIN, tempDir } from '../helpers/cli.js';
import { rawOf } from '../helpers/disk-writes.js';
import { login, raw, rpc } from '../helpers/sim-http.js';
import { stopAll, testSimulator } from '../helpers/sim.js';

let sim: Simulator;
let child: ChildProcess | undefined;
afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  await stopAll();
});

const MiB = 2 ** 20;
const POOL: PoolFixture = {
  vms: [
    { name: 'busy', power: 'Running', disks: [{ size: '40MiB', density: 0.3 }, { size: '6MiB' }] },
    { name: 'idle', power: 'Halted', disks: [{ size: '8MiB' }] },
  ],
};

function disksOf(vm: string): string[] {
  const store = sim.state.store;
  const row = store.rows('VM').find((v) => v.record.name_label === vm && !v.record.is_a_snapshot)!;
  return (row.record.VBDs as string[]).map((r) => store.get(r)!.record).filter((v) => v.type === 'Disk').map((v) => String(store.get(String(v.VDI))!.record.uuid));
}

function blocksOf(vhd: Buffer): VhdBlock[] {
  const parser = new VhdParser();
  return [...parser.feed(vhd), ...parser.end()].filter((e): e is { type: 'block' } & VhdBlock => e.type === 'block');
}

function depth(content: DiskContent): number {
  let n = 0;
  for (let c: DiskContent | null | undefined = content; c; c = c.parent) n++;
  return n;
}

describe('churnNow', () => {
  it('rewrites the share of blocks asked of running VMs only; a snapshot taken before keeps its bytes', async () => {
    sim = await testSimulator({ http: true, pool: POOL, uuidSeed: 'churn 1' });
    const session = await login(sim);
    const [big, small] = disksOf('busy');
    const [idle] = disksOf('idle');
    const before = { big: await rawOf(sim, big!), small: await rawOf(sim, small!), idle: await rawOf(sim, idle!) };
    const vm = sim.state.store.rows('VM').find((v) => v.record.name_label === 'busy')!;
    await rpc(sim, 'VM.snapshot', session, vm.ref, 'before churn');
    const snapVdis = sim.state.store.rows('VDI').filter((v) => v.record.is_a_snapshot).map((v) => String(v.record.uuid));
    const snapBefore = await Promise.all(snapVdis.map((u) => rawOf(sim, u)));

    // 40 MiB = 20 blocks: 10 % is 2; 6 MiB = 3 blocks: at least one.
    expect(sim.churnNow(10)).toEqual({ generation: 1, disks: 2, blocks: 3 });
    expect(await rawOf(sim, big!)).not.toBe(before.big);
    expect(await rawOf(sim, small!)).not.toBe(before.small);
    expect(await rawOf(sim, idle!)).toBe(before.idle);
    expect(await Promise.all(snapVdis.map((u) => rawOf(sim, u)))).toEqual(snapBefore);
  });

  it('is deterministic: the same seed and the same calls serve the same bytes', async () => {
    const shas: string[][] = [];
    for (let i = 0; i < 2; i++) {
      sim = await testSimulator({ http: true, pool: POOL, uuidSeed: 'churn same', churn: { percent: 20, intervalMs: 3_600_000, seed: 99 } });
      sim.churnNow();
      sim.churnNow(30);
      shas.push(await Promise.all(disksOf('busy').map((u) => rawOf(sim, u))));
      await stopAll();
    }
    expect(shas[0]).toEqual(shas[1]);
  });

  it('a base= export after a churn holds every churned block, and base + delta = the churned disk', async () => {
    sim = await testSimulator({ http: true, pool: POOL, uuidSeed: 'churn delta' });
    const session = await login(sim);
    const [big] = disksOf('busy');
    const live = sim.state.store.byUuid('VDI', big!)!;
    const base = await rpc<string>(sim, 'VDI.snapshot', session, live.ref, {});
    const oldRaw = (await raw(sim, 'GET', `/export_raw_vdi?session_id=${session}&format=raw&vdi=${base}`)).body;
    // Which blocks churn picks is known from its inputs: record them by comparing raw bytes.
    sim.churnNow(25);
    sim.churnNow(25);
    const newRaw = (await raw(sim, 'GET', `/export_raw_vdi?session_id=${session}&format=raw&vdi=${live.ref}`)).body;
    const changed = [...Array(20).keys()].filter((b) => !oldRaw.subarray(b * 2 * MiB, (b + 1) * 2 * MiB).equals(newRaw.subarray(b * 2 * MiB, (b + 1) * 2 * MiB)));
    expect(changed.length).toBeGreaterThanOrEqual(5);
    const tip = await rpc<string>(sim, 'VDI.snapshot', session, live.ref, {});
    const delta = (await raw(sim, 'GET', `/export_raw_vdi?session_id=${session}&format=vhd&vdi=${tip}&base=${base}`)).body;
    const blocks = blocksOf(delta);
    expect(blocks.map((b) => b.index)).toEqual(expect.arrayContaining(changed));
    expect(blocks.length).toBeLessThanOrEqual(10); // two churns of 5 blocks: the layers, not a full
    const overlaid = Buffer.from(oldRaw);
    for (const b of blocks) b.data.copy(overlaid, b.offset, 0, b.length);
    expect(overlaid.equals(newRaw)).toBe(true);
  });

  it('keeps one layer above the last snapshot however often it runs, and a new one after a snapshot', async () => {
    sim = await testSimulator({ http: true, pool: POOL, uuidSeed: 'churn depth' });
    const session = await login(sim);
    const [big] = disksOf('busy');
    const ref = sim.state.store.byUuid('VDI', big!)!.ref;
    const start = depth(sim.state.disks.contentOf(ref));
    for (let i = 0; i < 50; i++) sim.churnNow(5);
    expect(depth(sim.state.disks.contentOf(ref))).toBe(start + 1);
    await rpc(sim, 'VDI.snapshot', session, ref, {});
    for (let i = 0; i < 50; i++) sim.churnNow(5);
    expect(depth(sim.state.disks.contentOf(ref))).toBe(start + 2);
  });

  it('runs on its own every interval with the churn option, and stops with the simulator', async () => {
    const made: NodeJS.Timeout[] = [];
    const original = globalThis.setInterval;
    const spy = vi.spyOn(globalThis, 'setInterval').mockImplementation(((fn: () => void, ms: number) => {
      const timer = original(fn, ms);
      made.push(timer);
      return timer;
    }) as typeof setInterval);
    try {
      sim = await testSimulator({ http: true, pool: POOL, uuidSeed: 'churn timer', churn: { percent: 5, intervalMs: 20 } });
    } finally {
      spy.mockRestore();
    }
    expect(made).toHaveLength(1);
    expect(made[0]!.hasRef()).toBe(false); // never keeps a process alive by itself
    const [big] = disksOf('busy');
    const ref = sim.state.store.byUuid('VDI', big!)!.ref;
    const first = sim.state.disks.contentOf(ref);
    // Wait for the content to be replaced: the timer's first run.
    while (sim.state.disks.contentOf(ref) === first) await new Promise((r) => setTimeout(r, 5));
    await stopAll();
    expect((made[0] as unknown as { _destroyed: boolean })._destroyed).toBe(true); // cleared by close()
  });
});

describe('vmbackup sim --churn', () => {
  it('reads PERCENT[/INTERVAL] and refuses the rest', () => {
    expect(parseChurnSpec('5/10s')).toEqual({ percent: 5, intervalMs: 10_000 });
    expect(parseChurnSpec('2.5')).toEqual({ percent: 2.5, intervalMs: 60_000 });
    expect(parseChurnSpec('10%/500ms')).toEqual({ percent: 10, intervalMs: 500 });
    expect(parseChurnSpec('1/2m')).toEqual({ percent: 1, intervalMs: 120_000 });
    for (const bad of ['', '0', '101', '5/', '5/1d', 'x', '5/1ms']) expect(() => parseChurnSpec(bad)).toThrow(/--churn/);
    expect(sampleBlocks(10, 10, 1)).toEqual([...Array(10).keys()]);
    expect(new Set(sampleBlocks(1000, 50, 7)).size).toBe(50);
  });

  it('changes a running VM disk while serving, as a user runs it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'pool.json'), JSON.stringify(POOL));
    child = spawn(process.execPath, [BIN, 'sim', '--port', '0', '--json', '--http', '--pool', 'pool.json', '--churn', '50/100ms'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, VMBACKUP_SIM_STATE_DIR: tempDir() },
    });
    const info = await new Promise<{ url: string; user: string; password: string }>((resolve, reject) => {
      let out = '';
      child!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!));
      });
      child!.on('exit', (code) => reject(new Error(`sim exited with ${code}`)));
    });
    const auth = 'Basic ' + Buffer.from(`${info.user}:${info.password}`).toString('base64');
    const call = async (method: string, ...params: unknown[]) =>
      ((await (await fetch(`${info.url}/jsonrpc`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })).json()) as { result: unknown }).result;
    const session = await call('session.login_with_password', info.user, info.password);
    const vms = (await call('VM.get_all_records', session)) as Record<string, { name_label: string; VBDs: string[] }>;
    const busy = Object.values(vms).find((v) => v.name_label === 'busy')!;
    const vbds = await Promise.all(busy.VBDs.map(async (vbd) => ({ vbd, type: await call('VBD.get_type', session, vbd) })));
    const vdi = await call('VBD.get_VDI', session, vbds.find((v) => v.type === 'Disk')!.vbd);
    const shaOf = async () => createHash('sha256').update(Buffer.from(await (await fetch(`${info.url}/export_raw_vdi?format=raw&vdi=${String(vdi)}`, { headers: { authorization: auth } })).arrayBuffer())).digest('hex');
    const first = await shaOf();
    let now = first;
    while (now === first) now = await shaOf(); // each look is a full export: the next churn comes
    expect(now).not.toBe(first);
  });
});
