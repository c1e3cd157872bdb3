/**
 * A drop killed with SIGKILL at each of its points (between two exact syscalls: killPoint in
 * src/chain/merge-state.ts), then resumeDrop: C restores to exactly its bytes and P is gone, or,
 * killed before a byte changed, everything is as it was. The drop runs compiled, in a child
 * process (build first: npx tsc -p tsconfig.json).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dropPoint, MERGE_STATE_FILE, resumeDrop, type DropDeps } from '../../src/chain/drop-point.js';
import { tempDirForTest } from '../helpers/temp.js';
import { buildVmFolder, C, DISKS, expectedRaw, P, parsedRaw, qemuRaw, treeHashes } from './helpers.js';

const SCRIPT = join(import.meta.dirname, '../../dist/test/chain/drop-child.js');

function runChild(args: string[], killAt: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  if (!existsSync(SCRIPT)) throw new Error(`${SCRIPT} is missing: build first (npx tsc -p tsconfig.json)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], { env: { ...process.env, VMBACKUP_TEST_MERGE_KILL_AT: killAt }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

interface Replaced { path: string; touched: Array<[number, number]> | null; from: { folder: string; file: string } }

function deps(calls: Replaced[]): DropDeps {
  return {
    removeFolder: async (path) => {
      const { rm } = await import('node:fs/promises');
      await rm(path, { recursive: true });
    },
    onFileReplaced: async (path, touched, from) => {
      calls.push({ path, touched, from });
    },
  };
}

async function expectChildWhole(vmDir: string): Promise<void> {
  expect(existsSync(join(vmDir, P))).toBe(false);
  expect(existsSync(join(vmDir, MERGE_STATE_FILE))).toBe(false);
  const record = JSON.parse(readFileSync(join(vmDir, C, 'vmbackup-delta.json'), 'utf8')) as { parent: string | null; disks: Array<{ kind: string }> };
  expect(record.parent).toBeNull();
  expect(record.disks.map((d) => d.kind)).toEqual(['full', 'full']);
  for (const disk of DISKS) {
    const file = join(vmDir, C, `${C}.${disk.key}.vhd`);
    const raw = expectedRaw(disk, 'C');
    expect(qemuRaw(file, join(vmDir, 'out.raw')).equals(raw)).toBe(true);
    expect((await parsedRaw(file)).raw.equals(raw)).toBe(true);
  }
}

const logged = (log: string): Replaced[] =>
  existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Replaced) : [];

// Every point of a drop, in order (merge-state.ts killPoint lists them). block-n and the merge's
// footers are reached in the first disk's merge; 'footer' is after it, before the second disk's.
// One point in each step and at each write that changes what a reader sees (the full list is in
// merge-state.ts killPoint): the order below must stay the order of the drop.
const POINTS = ['success-gone', 'block-3', 'bat', 'footer', 'state-rename', 'rename-1', 'record', 'replaced', 'state-remove', 'removed'];

describe('a drop killed with SIGKILL, then resumeDrop', () => {
  it.each(POINTS)('killed at %s: C restores to its bytes, P is gone, the sums hook saw each file', async (point) => {
    const vmDir = join(tempDirForTest('kill'), 'web');
    await buildVmFolder(vmDir, DISKS);
    const log = join(vmDir, '..', 'replaced.log');
    const killed = await runChild(['drop', vmDir, P, C, log], point);
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(existsSync(join(vmDir, MERGE_STATE_FILE))).toBe(true);
    const calls: Replaced[] = [];
    const outcome = await resumeDrop(vmDir, deps(calls));
    expect(outcome.done).toBe('finished');
    await expectChildWhole(vmDir);
    // Each file reported (again) by the resume unless the killed run had reached 'state-remove'.
    const before = POINTS.indexOf(point) < POINTS.indexOf('state-remove');
    expect(calls.map((c) => c.path)).toEqual(before ? DISKS.map((d) => join(vmDir, C, `${C}.${d.key}.vhd`)) : []);
    // A merge that was resumed cannot know everything the killed one wrote: null = hash it all.
    const resumedMerge = POINTS.indexOf(point) < POINTS.indexOf('state-rename');
    for (const c of calls) expect(c.touched === null).toBe(resumedMerge);
    // The killed run's own calls: both files once it got past them.
    expect(logged(log).length).toBe(POINTS.indexOf(point) >= POINTS.indexOf('replaced') ? 2 : 0);
  });

  it('killed after the state file but before the marker went: rolled back, nothing changed, and a later drop completes', async () => {
    const vmDir = join(tempDirForTest('kill'), 'web');
    await buildVmFolder(vmDir, DISKS);
    const before = treeHashes(vmDir);
    const killed = await runChild(['drop', vmDir, P, C, join(vmDir, '..', 'log')], 'state-merge');
    expect(killed.signal).toBe('SIGKILL');
    expect(await resumeDrop(vmDir, deps([]))).toEqual({ done: 'rolled-back', parent: P, child: C });
    expect(treeHashes(vmDir)).toEqual(before);
    await dropPoint(vmDir, P, C, deps([]));
    await expectChildWhole(vmDir);
  });

  it('killed mid-merge, then the resume killed mid-rename, then resumed again', async () => {
    const vmDir = join(tempDirForTest('kill'), 'web');
    await buildVmFolder(vmDir, DISKS);
    const log = join(vmDir, '..', 'log');
    expect((await runChild(['drop', vmDir, P, C, log], 'block-2')).signal).toBe('SIGKILL');
    expect((await runChild(['resume', vmDir, log], 'rename-1')).signal).toBe('SIGKILL');
    expect((await resumeDrop(vmDir, deps([]))).done).toBe('finished');
    await expectChildWhole(vmDir);
  });

  it('the child runs to its end when no point is named (the hook does nothing)', async () => {
    const vmDir = join(tempDirForTest('kill'), 'web');
    await buildVmFolder(vmDir, DISKS);
    const log = join(vmDir, '..', 'log');
    const r = await runChild(['drop', vmDir, P, C, log], '');
    expect(r, r.stderr).toMatchObject({ code: 0, signal: null });
    await expectChildWhole(vmDir);
    expect(logged(log).map((c) => c.touched === null)).toEqual([false, false]);
  });
});
