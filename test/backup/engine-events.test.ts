/**
 * The engine's typed events, in process: the contract the console log, the JSON report and the
 * TUI are built on. Run against the simulator through the real xen-api client.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { trustSim } from '../helpers/trust.js';
import type { ProgressEvent } from '../../src/backup/events.js';
import { runBackup } from '../../src/backup/run.js';
import { effectiveSettings, parseConfig } from '../../src/config/index.js';
import { PoolConnection } from '../../src/xapi/connection.js';
import { tempDir } from '../helpers/cli.js';
import { E2E_POOL, leftovers } from '../helpers/e2e.js';
import { stopAll, testSimulator } from '../helpers/sim.js';

const connections: PoolConnection[] = [];
afterEach(async () => {
  for (const c of connections.splice(0)) await c.close();
  await stopAll();
});

async function setup(lines: string[]) {
  const sim = await testSimulator({ pool: E2E_POOL });
  const conn = await PoolConnection.open({
    target: { url: sim.url, user: sim.user },
    credentials: async (t) => ({ user: t.user, password: sim.password }),
    tls: trustSim(sim),
  });
  connections.push(conn);
  const dir = join(tempDir(), 'backups');
  mkdirSync(dir);
  const model = parseConfig([`backup_dir=${dir}`, ...lines, ''].join('\n'), { file: 't.cfg' }).model;
  return { sim, conn, model, settings: effectiveSettings(model) };
}

it('reports each VM as start → snapshot → export (bytes, task progress) → verify → metadata → cleanup → retention → done', async () => {
  const { sim, conn, model, settings } = await setup(['vm-export=web 01', 'vdi-export=db.example.com']);
  sim.faults.throttle(8 * 2 ** 20);
  const events: ProgressEvent[] = [];
  const summary = await runBackup({ conn, model, settings, source: 't.cfg', emit: (e) => events.push(e), signal: new AbortController().signal });

  expect(events[0]).toMatchObject({ type: 'run-start', poolDb: false, vms: [{ name: 'db.example.com', mode: 'vdi-export' }, { name: 'web 01', mode: 'vm-export' }] });
  expect(events.at(-1)).toEqual({ type: 'run-done', summary });
  expect(summary).toMatchObject({ status: 'SUCCESS', counts: { success: 2, warning: 0, error: 0 }, interrupted: false });

  for (const name of ['web 01', 'db.example.com']) {
    const vmOf = (e: ProgressEvent): string | undefined => (e.type === 'vm-done' ? e.result.name : e.type === 'vm-start' ? e.vm.name : 'vm' in e ? e.vm : undefined);
    const mine = events.filter((e) => vmOf(e) === name);
    const shape = mine.filter((e) => e.type !== 'log' && e.type !== 'bytes' && e.type !== 'task-progress').map((e) => (e.type === 'phase' ? e.phase : e.type));
    expect(shape).toEqual(['vm-start', 'sweep', 'snapshot', 'export', 'verify', 'metadata', 'cleanup', 'retention', 'vm-done']);

    // Bytes only while exporting, growing, against the plan's estimate, ending at the file's size.
    const exportAt = mine.findIndex((e) => e.type === 'phase' && e.phase === 'export');
    const verifyAt = mine.findIndex((e) => e.type === 'phase' && e.phase === 'verify');
    const bytes = mine.flatMap((e, i) => (e.type === 'bytes' ? [{ ...e, i }] : []));
    expect(bytes.length).toBeGreaterThanOrEqual(2);
    for (const b of bytes) expect(b.i > exportAt && b.i < verifyAt).toBe(true);
    for (let i = 1; i < bytes.length; i++) expect(bytes[i]!.done).toBeGreaterThanOrEqual(bytes[i - 1]!.done);
    const result = summary.vms.find((v) => v.name === name)!;
    expect(bytes.at(-1)!.done).toBe(result.bytes);
    expect(bytes[0]!.estimate).toBe((events[0] as Extract<ProgressEvent, { type: 'run-start' }>).vms.find((v) => v.name === name)!.estimate);
    // Throttled at the source: a few per second, not one per network chunk.
    expect(bytes.length).toBeLessThan(result.elapsedMs / 250 + 3);

    // The pool's own progress of the transfer task, rising to 1.
    const progress = mine.flatMap((e) => (e.type === 'task-progress' ? [e.progress] : []));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    expect(progress.at(-1)).toBe(1);
  }
  expect(leftovers(sim)).toEqual([]);
}, 60_000);

it('an abort mid-export cancels that VM and every VM not started, and cleans up', async () => {
  const { sim, conn, model, settings } = await setup(['vm-export=web 01', 'vm-export=db.example.com', 'vm-export=scratch']);
  sim.faults.throttle(2 ** 20, { vm: 'web 01' });
  const controller = new AbortController();
  const events: ProgressEvent[] = [];
  const summary = await runBackup({
    conn,
    model,
    settings,
    source: 't.cfg',
    signal: controller.signal,
    emit: (e) => {
      events.push(e);
      if (e.type === 'bytes' && e.done > 0) controller.abort();
    },
  });
  expect(summary.interrupted).toBe(true);
  expect(summary.vms.map((v) => [v.name, v.status, v.error?.code])).toEqual([
    ['web 01', 'cancelled', 'INTERRUPTED'],
    ['db.example.com', 'cancelled', 'INTERRUPTED'],
    ['scratch', 'cancelled', 'INTERRUPTED'],
  ]);
  // Only web 01 started.
  expect(events.filter((e) => e.type === 'vm-start')).toHaveLength(1);
  expect(summary.vms[0]!.folder).toBeNull();
  expect(leftovers(sim)).toEqual([]);
}, 60_000);

it('vdi_disks=all: bytes and task progress rise over every disk of the VM, to its total', async () => {
  const { sim, conn, model, settings } = await setup(['#vmbackup: vdi_disks=all', 'vdi-export=web 01']);
  sim.faults.throttle(8 * 2 ** 20);
  const events: ProgressEvent[] = [];
  const summary = await runBackup({ conn, model, settings, source: 't.cfg', emit: (e) => events.push(e), signal: new AbortController().signal });
  expect(summary.status).toBe('SUCCESS');
  const result = summary.vms[0]!;
  expect(result.files.filter((f) => f.endsWith('.raw'))).toEqual([expect.stringMatching(/\/web 01\.raw$/), expect.stringMatching(/\/web 01\.xvdb\.raw$/)]);
  // 6 MiB + 2 MiB, against an estimate of both disks.
  expect(result.bytes).toBe(8 * 2 ** 20);
  const start = events[0] as Extract<ProgressEvent, { type: 'run-start' }>;
  expect(start.vms[0]!.estimate).toBe(8 * 2 ** 20);

  const bytes = events.flatMap((e) => (e.type === 'bytes' ? [e.done] : []));
  expect([...bytes].sort((a, b) => a - b)).toEqual(bytes);
  expect(bytes.at(-1)).toBe(result.bytes);
  // The first disk's bytes were counted before the second disk began.
  expect(bytes.some((b) => b > 6 * 2 ** 20)).toBe(true);
  const progress = events.flatMap((e) => (e.type === 'task-progress' ? [e.progress] : []));
  expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  expect(progress.some((p) => p > 0 && p < 1)).toBe(true);
  expect(progress.at(-1)).toBe(1);
  expect(leftovers(sim)).toEqual([]);
}, 60_000);
