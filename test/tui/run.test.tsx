import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { render } from '../helpers/render-tui.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../src/backup/events.js';
import { effectiveSettings } from '../../src/config/index.js';
import { consoleLogger } from '../../src/report/console-log.js';
import { jsonReport } from '../../src/report/json-report.js';
import { runExitCode } from '../../src/report/run-exit-code.js';
import { PoolConnection } from '../../src/xapi/connection.js';
import { leftovers } from '../helpers/e2e.js';
import { stopAll } from '../helpers/sim.js';
import { tuiRunSetup } from '../helpers/tui-run.js';
import type { RunOutcome } from '../../src/tui/hooks/use-backup-run.js';
import { RunTracker } from '../../src/tui/run-progress.js';
import { RunScreen } from '../../src/tui/screens/run.js';
import { KEYS, press, waitForFrame } from '../helpers/ink-wait.js';
import { MiB, result, runStart, scriptedRun, summaryOf, vm } from '../helpers/scripted-run.js';

let unmount: (() => void) | null = null;
const conns: PoolConnection[] = [];
afterEach(async () => {
  unmount?.();
  unmount = null;
  for (const conn of conns.splice(0)) await conn.close();
  await stopAll();
});

describe('RunTracker', () => {
  const a = vm('alpha', 100 * MiB);
  const b = vm('beta', 300 * MiB, 'vdi-export');

  it('maps phases to row states and bytes to fractions, never 100% before the VM is done', () => {
    const t = new RunTracker();
    t.apply(runStart([a, b]));
    expect(t.view().vms.map((v) => v.state)).toEqual(['waiting', 'waiting']);
    t.apply({ type: 'vm-start', vm: a, index: 0 });
    t.apply({ type: 'phase', vm: 'alpha', phase: 'sweep' });
    expect(t.view().vms[0]!.state).toBe('snapshot');
    t.apply({ type: 'phase', vm: 'alpha', phase: 'export' });
    t.apply({ type: 'bytes', vm: 'alpha', done: 25 * MiB, estimate: 100 * MiB, rate: 50e6 });
    let v = t.view().vms[0]!;
    expect(v.state).toBe('export');
    expect(v.fraction).toBeCloseTo(0.25);
    // Bytes against an upper-bound estimate give no ETA; the pool's own progress does.
    expect(v.etaSeconds).toBeNull();
    t.apply({ type: 'bytes', vm: 'alpha', done: 120 * MiB, estimate: 100 * MiB, rate: 50e6 });
    expect(t.view().vms[0]!.fraction).toBe(0.99);
    // The pool's task progress wins over bytes / estimate (compressed and sparse exports).
    t.apply({ type: 'task-progress', vm: 'alpha', progress: 0.25 });
    t.apply({ type: 'bytes', vm: 'alpha', done: 25 * MiB, estimate: 100 * MiB, rate: 50e6 });
    expect(t.view().vms[0]!.fraction).toBe(0.25);
    // 75 MiB left at 50 MB/s.
    expect(t.view().vms[0]!.etaSeconds).toBeCloseTo((75 * MiB) / 50e6);
    t.apply({ type: 'task-progress', vm: 'alpha', progress: 0.5 });
    expect(t.view().vms[0]!.fraction).toBe(0.5);
    t.apply({ type: 'phase', vm: 'alpha', phase: 'metadata' });
    expect(t.view().vms[0]!.state).toBe('verify');
    t.apply({ type: 'phase', vm: 'alpha', phase: 'retention' });
    expect(t.view().vms[0]!.state).toBe('cleanup');
    t.apply({ type: 'vm-done', result: result(a, 'success', 120 * MiB) });
    v = t.view().vms[0]!;
    expect([v.state, v.fraction, v.done]).toEqual(['done', 1, 120 * MiB]);
    // alpha done (weight 100), beta not started (weight 300).
    expect(t.view().overall).toBeCloseTo(0.25);
    t.apply({ type: 'vm-start', vm: b, index: 1 });
    t.apply({ type: 'vm-done', result: result(b, 'failed', 0, { error: { code: 'SR_FULL', message: 'the SR is full' } }) });
    v = t.view().vms[1]!;
    expect([v.state, v.error?.code]).toEqual(['failed', 'SR_FULL']);
  });

  it('keeps the last log lines, in the words of the headless console log', () => {
    const t = new RunTracker({ keepLines: 3, now: () => new Date(2026, 0, 1, 10, 0, 0) });
    t.apply(runStart([a]));
    t.apply({ type: 'vm-start', vm: a, index: 0 });
    t.apply({ type: 'vm-done', result: result(a, 'success', 100 * MiB) });
    t.apply({ type: 'run-done', summary: summaryOf([result(a, 'success', 100 * MiB)]) });
    const log = t.view().log;
    expect(log).toHaveLength(3);
    expect(log[0]).toBe('2026-01-01-(10:00:00) - VmBackup vm-export alpha - ***Success*** t:0 (100 MiB at 52.4 MB/s)');
    expect(log[2]).toBe('2026-01-01-(10:00:00) - VmBackup ended - Success - S:1 W:0 E:0');
  });

  it('counts every event in its version, so a burst between two frames costs one redraw', () => {
    const t = new RunTracker();
    t.apply(runStart([a]));
    const before = t.version;
    for (let i = 1; i <= 10_000; i++) t.apply({ type: 'bytes', vm: 'alpha', done: i * 1024, estimate: 100 * MiB, rate: 1e9 });
    expect(t.version - before).toBe(10_000);
    expect(t.view().vms[0]!.done).toBe(10_000 * 1024);
  });
});

describe('RunScreen fed with engine events', () => {
  const a = vm('web 01', 100 * MiB);
  const b = vm('db.example.com', 50 * MiB, 'vdi-export');

  it('shows each VM state, bar, bytes, MB/s and ETA, then 100% and the summary on enter', async () => {
    const run = scriptedRun(
      [
        [runStart([a, b]), { type: 'vm-start', vm: a, index: 0 }, { type: 'phase', vm: a.name, phase: 'snapshot' }],
        [{ type: 'phase', vm: a.name, phase: 'export' }, { type: 'task-progress', vm: a.name, progress: 0.5 }, { type: 'bytes', vm: a.name, done: 50 * MiB, estimate: 100 * MiB, rate: 26.2e6 }],
        [
          { type: 'phase', vm: a.name, phase: 'verify' },
          { type: 'vm-done', result: result(a, 'success', 100 * MiB) },
          { type: 'vm-start', vm: b, index: 1 },
          { type: 'phase', vm: b.name, phase: 'export' },
          { type: 'bytes', vm: b.name, done: 10 * MiB, estimate: 50 * MiB, rate: 5e6 },
        ],
        [{ type: 'vm-done', result: result(b, 'success', 50 * MiB) }],
      ],
      () => summaryOf([result(a, 'success', 100 * MiB), result(b, 'success', 50 * MiB)]),
    );
    let finished: RunOutcome | null = null;
    const ui = render(<RunScreen start={run.start} title="Backup of demo" onFinished={(s) => (finished = s)} />);
    unmount = ui.unmount;
    let frame = await waitForFrame(ui.lastFrame, (f) => /snapshot\s+web 01/.test(f));
    expect(frame).toMatch(/waiting\s+db\.example\.com/);
    expect(frame).toContain('c: cancel the run');

    run.step();
    frame = await waitForFrame(ui.lastFrame, (f) => /export\s+web 01/.test(f));
    const row = frame.split('\n').find((l) => l.includes('web 01'))!;
    expect(row).toMatch(/ 50%\s+50\.0 MiB\s+26\.2 MB\/s\s+0:02/);
    expect(row).toContain('█'.repeat(5));

    run.step();
    frame = await waitForFrame(ui.lastFrame, (f) => /export\s+db\.example\.com/.test(f));
    expect(frame).toMatch(/done\s+web 01\s+█+\s+100%\s+100 MiB/);
    expect(frame).toMatch(/db\.example\.com\s+█*░+\s+20%/);
    // The log shows the console log's line for the finished VM.
    expect(frame).toContain('VmBackup vm-export web 01 - ***Success***');

    run.step();
    frame = await waitForFrame(ui.lastFrame, (f) => f.includes('finished: SUCCESS'));
    expect(frame).toMatch(/overall\s+█+\s+100%/);
    expect(frame).toMatch(/done\s+db\.example\.com\s+█+\s+100%/);
    expect(finished).toBeNull();
    await press(ui.stdin, KEYS.enter);
    expect(finished).not.toBeNull();
    expect(finished!.summary.counts).toEqual({ success: 2, warning: 0, error: 0 });
  });

  it('cancels only after the confirm, and shows the cancelled run', async () => {
    const run = scriptedRun(
      [[runStart([a, b]), { type: 'vm-start', vm: a, index: 0 }, { type: 'phase', vm: a.name, phase: 'export' }], []],
      () => summaryOf([result(a, 'cancelled', 0, { error: { code: 'INTERRUPTED', message: 'the run was interrupted' } }), result(b, 'cancelled', 0)], true),
    );
    const ui = render(<RunScreen start={run.start} title="t" onFinished={() => undefined} />);
    unmount = ui.unmount;
    await waitForFrame(ui.lastFrame, (f) => /export\s+web 01/.test(f));
    await press(ui.stdin, 'c');
    let frame = await waitForFrame(ui.lastFrame, (f) => f.includes('Cancel the run?'));
    // "No" is first: enter keeps the run going.
    await press(ui.stdin, KEYS.enter);
    frame = await waitForFrame(ui.lastFrame, (f) => f.includes('c: cancel the run'));
    expect(run.aborted()).toBe(false);
    await press(ui.stdin, 'c');
    await waitForFrame(ui.lastFrame, (f) => f.includes('Cancel the run?'));
    await press(ui.stdin, KEYS.down);
    await waitForFrame(ui.lastFrame, (f) => /❯ Yes, cancel the run/.test(f));
    await press(ui.stdin, KEYS.enter);
    frame = await waitForFrame(ui.lastFrame, (f) => f.includes('enter: summary'));
    expect(run.aborted()).toBe(true);
    // A cancel reads as one, not as ERROR; the counts stay those of the status log.
    expect(frame).toContain('cancelled: S:0 W:0 E:2 (2 cancelled)');
    expect(frame).not.toContain('ERROR S:');
    expect(frame).toMatch(/cancelled\s+web 01/);
    expect(frame).toContain('VmBackup interrupted');
  });
});

describe('RunScreen on a real run', () => {
  it('backs up against the simulator: rows reach 100%, the files are on disk, the summary is the JSON report', async () => {
    const { sim, dir, backupDir, model, start } = await tuiRunSetup(conns, ['vm-export=db.example.com', 'vdi-export=scratch']);
    let finished: RunOutcome | null = null;
    // Every event the screen got, to replay through the headless console log below.
    const events: ProgressEvent[] = [];
    const ui = render(<RunScreen start={(emit, signal) => start((e) => (events.push(e), emit(e)), signal)} title="real run" onFinished={(s) => (finished = s)} />);
    unmount = ui.unmount;
    const frame = await waitForFrame(ui.lastFrame, (f) => f.includes('finished: SUCCESS'), 30_000);
    expect(frame).toMatch(/done\s+scratch\s+█+\s+100%/);
    expect(frame).toMatch(/done\s+db\.example\.com\s+█+\s+100%/);
    expect(frame).toMatch(/overall\s+█+\s+100%/);
    await press(ui.stdin, KEYS.enter);
    const summary = (finished! as RunOutcome).summary;
    expect(summary.counts).toEqual({ success: 2, warning: 0, error: 0 });
    const report = jsonReport(summary, runExitCode(summary));
    expect(report.exitCode).toBe(0);
    for (const vm of report.vms) {
      expect(vm.files.length).toBeGreaterThan(0);
      for (const file of vm.files) expect(statSync(join(backupDir, file)).size, file).toBeGreaterThan(0);
    }
    expect(readdirSync(backupDir).sort()).toEqual(expect.arrayContaining(['db.example.com', 'scratch']));
    // The status log was written as a headless cfg run writes it.
    expect(existsSync(join(dir, 'status.log'))).toBe(true);
    expect(leftovers(sim)).toEqual([]);

    // Beside it, the console log and the JSON report of this run.
    const { files, exitCode } = finished! as RunOutcome;
    expect(files.warnings).toEqual([]);
    expect(files.log).toMatch(new RegExp(`^${dir}/vmbackup-\\d{4}-\\d\\d-\\d\\d-\\d{6}\\.log$`));
    expect(files.json).toBe(files.log!.replace(/\.log$/, '.json'));
    // The lines a headless run prints for these events (timestamps aside; the screen alone also
    // says where the log is).
    const headless: string[] = [];
    const logger = consoleLogger((l) => headless.push(l), () => new Date(), effectiveSettings(model));
    for (const e of events) if (!(e.type === 'log' && e.message.startsWith("this run's log:"))) logger(e);
    const stamp = /^\d{4}-\d\d-\d\d-\(\d\d:\d\d:\d\d\) - /;
    const written = readFileSync(files.log!, 'utf8').trimEnd().split('\n');
    for (const line of written) expect(line).toMatch(stamp);
    expect(written.map((l) => l.replace(stamp, ''))).toEqual(headless.map((l) => l.replace(stamp, '')));
    expect(written).toContainEqual(expect.stringMatching(/ - VmBackup vdi-export scratch - \*\*\*Success\*\*\*/));
    expect(written.at(-1)).toMatch(/ - VmBackup ended - Success - S:2 W:0 E:0$/);
    // The report is the object --json prints, for this run and its exit code.
    expect(exitCode).toBe(0);
    expect(JSON.parse(readFileSync(files.json!, 'utf8'))).toEqual(JSON.parse(JSON.stringify(jsonReport(summary, exitCode, null))));
    expect(events).toContainEqual({ type: 'log', message: `this run's log: ${files.log} (the JSON report follows at the end)` });
  });
});
