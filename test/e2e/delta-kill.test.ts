/**
 * SIGKILL in the middle of a delta backup's export, and at several points of a retention merge,
 * with the real executable: the next run cleans up (the killed run's snapshot, its unfinished
 * folder), finishes the interrupted merge first, and every point left restores to the bytes the
 * source disks had when it was taken. The base is never lost unnoticed: after an export killed
 * mid-way the chain continues from the last good point, whose base the pool still keeps.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DELTA_POOL, dated, ours, qemuRawSha, recordOf, restoredShas, sourceDisks } from '../helpers/delta.js';
import { rawOf, writeBlocks } from '../helpers/disk-writes.js';
import { e2eEnv, type E2eEnv, messages } from '../helpers/e2e.js';
import { stopAll } from '../helpers/sim.js';

afterEach(stopAll);

const cfg = (env: E2eEnv, max: number) => env.cfg(`d${max}.cfg`, [`max_backups=${max}`, 'vm-export=app', '#vmbackup: delta=app']);

/** Writes a few blocks on both disks, then notes the source's raw sha per disk. */
async function change(env: E2eEnv, seed: number): Promise<string[]> {
  const disks = sourceDisks(env, 'app');
  await writeBlocks(env.sim, disks[0]!, [seed % 12, (seed * 7) % 12], seed);
  await writeBlocks(env.sim, disks[1]!, [seed % 4], seed + 1000);
  return [await rawOf(env.sim, disks[0]!), await rawOf(env.sim, disks[1]!)];
}

async function backUp(env: E2eEnv, max: number) {
  return env.run(cfg(env, max));
}

describe('delta backups survive SIGKILL', () => {
  it('killed mid-export: the next run removes the leftovers and continues the chain from the last good point', async () => {
    const env = await e2eEnv({ pool: DELTA_POOL });
    const expected = new Map<string, string[]>();
    for (let k = 0; k < 2; k++) {
      const shas = await change(env, k + 1);
      expect((await backUp(env, 10)).status).toBe(0);
      expected.set(dated(env, 'app').at(-1)!, shas);
    }
    const lastGood = dated(env, 'app').at(-1)!;
    await change(env, 3);
    // 1 MiB/s: the export is surely running when the kill comes.
    env.sim.faults.throttle(2 ** 20, { vm: 'app' });
    const killed = env.start(cfg(env, 10));
    await killed.waitFor(/export of disk xvda to /);
    killed.child.kill('SIGKILL');
    expect((await killed.done).signal).toBe('SIGKILL');
    env.sim.faults.clear();

    const shas = await change(env, 4);
    const r = await backUp(env, 10);
    expect(r.status, r.stdout).toBe(0);
    const lines = messages(r.stdout);
    expect(lines).toContainEqual(expect.stringMatching(/^Delete last \*\*unsuccessful\*\* backup /));
    expect(lines).toContainEqual(expect.stringMatching(/^cleanup of a leftover from an earlier run: snapshot RESTORE_app /));
    const newest = dated(env, 'app').at(-1)!;
    expect(recordOf(env, 'app', newest).parent).toBe(lastGood);
    expect(recordOf(env, 'app', newest).disks.map((d) => d.kind)).toEqual(['diff', 'diff']);
    expected.set(newest, shas);
    expect(dated(env, 'app')).toEqual([...expected.keys()]);
    for (const [folder, want] of expected) expect(await restoredShas(env, 'app', folder), folder).toEqual(want);
    expect(ours(env)).toEqual([`VDI ${newest}`, `VDI ${newest}`, `VM ${newest}`]);
  }, 120_000);

  it('killed during retention merges (mid-blocks, before the rename, after the record): the next run finishes the merge first and every point restores', async () => {
    const env = await e2eEnv({ pool: DELTA_POOL });
    const expected = new Map<string, string[]>();
    const keep = async (shas: string[]) => expected.set(dated(env, 'app').at(-1)!, shas);
    for (let k = 0; k < 3; k++) {
      const shas = await change(env, 10 + k);
      expect((await backUp(env, 10)).status).toBe(0);
      await keep(shas);
    }
    for (const [i, point] of ['block-1', 'rename-1', 'record'].entries()) {
      // This run writes its point, then retention (max 2) merges the oldest: killed there.
      const shas = await change(env, 20 + i);
      const killed = await env.start(cfg(env, 2), [], { VMBACKUP_TEST_MERGE_KILL_AT: point }).done;
      expect(killed.signal, `${point}: ${killed.stdout}`).toBe('SIGKILL');
      await keep(shas);
      expect(readdirSync(join(env.backupDir, 'app'))).toContain('.vmbackup-merge.json');

      // The next run resumes it before anything else, then backs up and merges again.
      const next = await change(env, 30 + i);
      const r = await backUp(env, 2);
      expect(r.status, `${point}: ${r.stdout}`).toBe(0);
      expect(messages(r.stdout)).toContainEqual(expect.stringMatching(/^finished an interrupted merge: backup-\S+ merged into backup-/));
      await keep(next);
      const left = dated(env, 'app');
      expect(left, point).toHaveLength(2);
      expect(readdirSync(join(env.backupDir, 'app'))).not.toContain('.vmbackup-merge.json');
      expect(recordOf(env, 'app', left[0]!).parent).toBeNull();
      // The merged full, read by qemu-img; the newest point, restored through its chain.
      const full = recordOf(env, 'app', left[0]!);
      for (const [d, disk] of full.disks.entries()) expect(await qemuRawSha(join(env.backupDir, 'app', left[0]!, disk.file), env.dir), `${point}: ${left[0]}`).toBe(expected.get(left[0]!)![d]);
      expect(await restoredShas(env, 'app', left[1]!), `${point}: ${left[1]}`).toEqual(expected.get(left[1]!));
    }
  }, 240_000);
});
