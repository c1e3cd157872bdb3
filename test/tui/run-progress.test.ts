/**
 * The run screen's model after a cancel or a failure: the overall bar says how much of the plan
 * was done (never 100% for a run that stopped), the bytes that came over the wire stay counted,
 * and the whole run has a time left, judged by the time so far.
 */
import { describe, expect, it } from 'vitest';
import { RunTracker } from '../../src/tui/run-progress.js';
import { MiB, result, runStart, summaryOf, vm } from '../helpers/scripted-run.js';

const a = vm('alpha', 100 * MiB);
const b = vm('beta', 100 * MiB, 'vdi-export');

describe('RunTracker overall', () => {
  it('after a cancel mid-export: the bytes received stay counted and the bar is not full', () => {
    const t = new RunTracker();
    t.apply(runStart([a, b]));
    t.apply({ type: 'vm-start', vm: a, index: 0 });
    t.apply({ type: 'phase', vm: 'alpha', phase: 'export' });
    t.apply({ type: 'bytes', vm: 'alpha', done: 40 * MiB, estimate: 100 * MiB, rate: 20e6 });
    // The pool reports progress 1 for a task it cancelled.
    t.apply({ type: 'task-progress', vm: 'alpha', progress: 1 });
    const cancelledA = result(a, 'cancelled', 0, { error: { code: 'INTERRUPTED', message: 'the run was interrupted' } });
    t.apply({ type: 'vm-done', result: cancelledA });
    const summary = summaryOf([cancelledA, result(b, 'cancelled', 0)], true);
    t.apply({ type: 'run-done', summary });
    const v = t.view();
    expect(v.bytes).toBe(40 * MiB);
    expect(v.vms[0]!.done).toBe(40 * MiB);
    expect(v.vms[0]!.fraction).toBeCloseTo(0.4);
    // alpha reached 40% of its half, beta never started.
    expect(v.overall).toBeCloseTo(0.2);
    expect(v.etaSeconds).toBeNull();
  });

  it('a failed VM counts what it reached; a run whose VMs all succeed ends at 1', () => {
    const t = new RunTracker();
    t.apply(runStart([a, b]));
    t.apply({ type: 'vm-start', vm: a, index: 0 });
    t.apply({ type: 'bytes', vm: 'alpha', done: 50 * MiB, estimate: 100 * MiB, rate: 1e6 });
    t.apply({ type: 'vm-done', result: result(a, 'failed', 0, { error: { code: 'VDI_IO_ERROR', message: 'Device I/O error' } }) });
    t.apply({ type: 'vm-done', result: result(b, 'success', 100 * MiB) });
    expect(t.view().overall).toBeCloseTo(0.75);

    const ok = new RunTracker();
    ok.apply(runStart([a]));
    ok.apply({ type: 'vm-done', result: result(a, 'success', 80 * MiB) });
    ok.apply({ type: 'run-done', summary: summaryOf([result(a, 'success', 80 * MiB)]) });
    expect(ok.view().overall).toBe(1);
  });

  it('a run that failed before its first VM (backup_dir missing) reads 0%, not 100%', () => {
    const t = new RunTracker();
    t.apply({ type: 'run-done', summary: summaryOf([], false, { problems: [{ code: 'BACKUP_DIR_MISSING', message: 'backup_dir /b does not exist' }] }) });
    expect(t.view().overall).toBe(0);
    expect(t.view().bytes).toBe(0);
  });

  it('gives the whole run a time left from the time so far, while it runs', () => {
    let now = new Date('2026-01-01T10:00:00Z');
    const t = new RunTracker({ now: () => now });
    t.apply(runStart([a, b], new Date('2026-01-01T10:00:00Z')));
    expect(t.view().etaSeconds).toBeNull();
    now = new Date('2026-01-01T10:01:00Z');
    t.apply({ type: 'vm-start', vm: a, index: 0 });
    // Under 1% done, a guess from the time so far would be wild.
    t.apply({ type: 'bytes', vm: 'alpha', done: MiB, estimate: 100 * MiB, rate: 1e6 });
    expect(t.view().overall).toBeCloseTo(0.005);
    expect(t.view().etaSeconds).toBeNull();
    t.apply({ type: 'task-progress', vm: 'alpha', progress: 0.5 });
    t.apply({ type: 'bytes', vm: 'alpha', done: 50 * MiB, estimate: 100 * MiB, rate: 1e6 });
    // A quarter of the plan in 60 s: 180 s to go.
    expect(t.view().overall).toBeCloseTo(0.25);
    expect(t.view().etaSeconds).toBeCloseTo(180);
    now = new Date('2026-01-01T10:02:00Z');
    t.apply({ type: 'vm-done', result: result(a, 'success', 100 * MiB) });
    expect(t.view().etaSeconds).toBeCloseTo(120);
    t.apply({ type: 'vm-done', result: result(b, 'success', 100 * MiB) });
    t.apply({ type: 'run-done', summary: summaryOf([result(a, 'success', 1), result(b, 'success', 1)]) });
    expect(t.view().etaSeconds).toBeNull();
  });

  it('keeps the newest lines and counts those it let go', () => {
    const t = new RunTracker({ keepLines: 10 });
    for (let i = 0; i < 25; i++) t.apply({ type: 'log', message: `line ${i}` });
    const v = t.view();
    expect(v.log).toHaveLength(10);
    expect(v.log[0]).toMatch(/ - line 15$/);
    expect(v.logDropped).toBe(15);
  });
});
