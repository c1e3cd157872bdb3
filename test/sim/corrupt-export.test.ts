/**
 * The corrupt-export-at fault, checked with an outside tool: a corrupted export differs from an
 * untouched one in exactly one byte, at the offset asked for, and the pool's task still says
 * success (a pool or a network that flips a bit gives no other sign).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyFaultSpec } from '../../src/sim/fault-spec.js';
import type { Simulator } from '../../src/sim/index.js';
import { tempDir } from '../helpers/cli.js';
import { login, raw, rpc, taskOutcome, vmRef } from '../helpers/sim-http.js';
import { stopAll, testSimulator } from '../helpers/sim.js';

afterEach(stopAll);

/** `cmp -l` of two files: one "offset(1-based) octal octal" line per differing byte. */
function cmpLines(dir: string, a: string, b: string): string[] {
  const r = spawnSync('cmp', ['-l', a, b], { cwd: dir, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(1); // 1: the files differ (2 would be trouble)
  return r.stdout.trim().split('\n').map((l) => l.trim().replace(/\s+/g, ' '));
}

async function download(sim: Simulator, session: string, query: string): Promise<{ body: Buffer; status: string }> {
  const task = await rpc<string>(sim, 'task.create', session, 'corrupt export test', '');
  const res = await raw(sim, 'GET', `${query}&session_id=${session}&task_id=${task}`);
  expect(res.status).toBe(200);
  return { body: res.body, status: (await taskOutcome(sim, session, task)).status };
}

/** db.example.com's one disk: 5 MiB, fully allocated. */
function dbDisk(sim: Simulator): string {
  return sim.state.store.rows('VDI').find((v) => Number(v.record.virtual_size) === 5 * 2 ** 20 && !v.record.is_a_snapshot)!.ref;
}

const octal = (n: number) => n.toString(8);

describe('corrupt-export-at', () => {
  // Not a VHD here: its footer carries the time of the export, so two exports differ anyway.
  it.each([
    ['/export (XVA)', (s: Simulator) => `/export?ref=${encodeURIComponent(vmRef(s, 'db.example.com'))}`, 1_500_000],
    ['/export (gzip: a byte of the compressed body)', (s: Simulator) => `/export?ref=${encodeURIComponent(vmRef(s, 'db.example.com'))}&use_compression=gzip`, 100_000],
    ['/export_raw_vdi (raw)', (s: Simulator) => `/export_raw_vdi?format=raw&vdi=${dbDisk(s)}`, 3 * 2 ** 20 + 7],
  ])('%s: one byte differs, at the offset; the task succeeds', async (_name, path, offset) => {
    const sim = await testSimulator({ http: true });
    const session = await login(sim);
    const good = await download(sim, session, path(sim));
    expect(good.status).toBe('success');
    expect(good.body.length).toBeGreaterThan(offset);
    sim.faults.corruptExportAt(offset, { times: 1 });
    const bad = await download(sim, session, path(sim));
    expect(bad.status).toBe('success');
    // `times: 1`: a third export is whole again (and so the generator's buffers were not touched).
    const again = await download(sim, session, path(sim));

    const dir = tempDir();
    writeFileSync(join(dir, 'good'), good.body);
    writeFileSync(join(dir, 'bad'), bad.body);
    writeFileSync(join(dir, 'again'), again.body);
    const byte = good.body[offset]!;
    expect(cmpLines(dir, 'good', 'bad')).toEqual([`${offset + 1} ${octal(byte)} ${octal(byte ^ 0xff)}`]);
    execFileSync('cmp', ['good', 'again'], { cwd: dir });
  });

  it('the text form: vmbackup sim --fault corrupt-export-at=1M', async () => {
    const sim = await testSimulator({ http: true });
    applyFaultSpec(sim.faults, 'corrupt-export-at=1M');
    expect(() => applyFaultSpec(sim.faults, 'corrupt-export-at=lots')).toThrow(/"lots" is not a number/);
    const session = await login(sim);
    const bad = await download(sim, session, `/export?ref=${encodeURIComponent(vmRef(sim, 'db.example.com'))}`);
    sim.faults.clear();
    const good = await download(sim, session, `/export?ref=${encodeURIComponent(vmRef(sim, 'db.example.com'))}`);
    expect(bad.status).toBe('success');
    const dir = tempDir();
    writeFileSync(join(dir, 'good'), good.body);
    writeFileSync(join(dir, 'bad'), bad.body);
    expect(cmpLines(dir, 'good', 'bad')).toHaveLength(1);
    expect(cmpLines(dir, 'good', 'bad')[0]).toMatch(new RegExp(`^${2 ** 20 + 1} `));
  });
});
