/**
 * The run screen's keys and texts: the cancel question closes with Esc or `n` and the run goes
 * on; the log is wrapped (a failure's message and fix are read in full at 80 columns) and this
 * run's whole log scrolls; the overall bar has a time left, and after a cancel it shows what
 * was done, not 100% and not 0 B.
 */
import { render } from '../helpers/render-tui.js';
import stringWidth from 'string-width';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../src/backup/events.js';
import { RunScreen } from '../../src/tui/screens/run.js';
import { KEYS, press, waitForFrame } from '../helpers/ink-wait.js';
import { MiB, result, runStart, scriptedRun, summaryOf, vm } from '../helpers/scripted-run.js';

const SIZE = { columns: 80, rows: 24 };
/** The scroll keys as an xterm sends them. */
const SCROLL = { pageUp: '\u001b[5~', pageDown: '\u001b[6~', home: '\u001b[H', end: '\u001b[F' } as const;
const a = vm('web 01', 100 * MiB);
const b = vm('dns-2', 50 * MiB, 'vdi-export');

let unmount: (() => void) | null = null;
afterEach(() => {
  unmount?.();
  unmount = null;
});

function show(run: ReturnType<typeof scriptedRun>, extra: { logLines?: number } = {}) {
  const ui = render(<RunScreen start={run.start} title="Backup of demo" onFinished={() => undefined} size={SIZE} {...extra} />);
  unmount = ui.unmount;
  return ui;
}

const overallLine = (frame: string) => frame.split('\n').find((l) => l.startsWith('overall'))!;
/** The log as one text: wrapped lines joined back (continuations start with 4 spaces). */
const unwrapped = (lines: string[]) => lines.join('\n').replace(/\n {4}/g, ' ');

describe('the cancel question', () => {
  it('closes with Esc, and with n; the run goes on', async () => {
    const run = scriptedRun([[runStart([a, b]), { type: 'vm-start', vm: a, index: 0 }, { type: 'phase', vm: a.name, phase: 'export' }], []], () => summaryOf([result(a, 'success', 1), result(b, 'success', 1)]));
    const ui = show(run);
    await waitForFrame(ui.lastFrame, (f) => /export\s+web 01/.test(f));
    await press(ui.stdin, 'c');
    await waitForFrame(ui.lastFrame, (f) => f.includes('Cancel the run?'));
    await press(ui.stdin, KEYS.escape);
    let frame = await waitForFrame(ui.lastFrame, (f) => !f.includes('Cancel the run?'));
    expect(frame).toContain('c: cancel the run');
    expect(run.aborted()).toBe(false);

    await press(ui.stdin, 'c');
    await waitForFrame(ui.lastFrame, (f) => f.includes('Cancel the run?'));
    await press(ui.stdin, 'n');
    frame = await waitForFrame(ui.lastFrame, (f) => !f.includes('Cancel the run?'));
    expect(frame).toContain('c: cancel the run');
    expect(run.aborted()).toBe(false);

    // The run was not disturbed: it finishes as planned.
    run.step();
    frame = await waitForFrame(ui.lastFrame, (f) => f.includes('finished: SUCCESS'));
    expect(run.aborted()).toBe(false);
  });
});

describe('the log', () => {
  const message = 'VDI_IO_ERROR (Device I/O error) while the pool read the disk of dns-2 from its SR "Local storage" at offset 1073741824; the export stopped there';
  const hint = 'check the SR and the host it is attached to (xe sr-list, dmesg on the host), then run the backup of dns-2 again';

  it('wraps lines at 80 columns: a failure and its fix are read in full', async () => {
    const failed = result(b, 'failed', 0, { error: { code: 'VDI_IO_ERROR', message, hint, phase: 'export' } });
    const run = scriptedRun([[runStart([b]), { type: 'vm-start', vm: b, index: 0 }, { type: 'vm-done', result: failed }], []], () => summaryOf([failed]));
    const ui = show(run, { logLines: 10 });
    const frame = await waitForFrame(ui.lastFrame, (f) => f.includes('***ERROR***'));
    for (const line of frame.split('\n')) expect(stringWidth(line), line).toBeLessThanOrEqual(80);
    const log = frame.split('\n').slice(frame.split('\n').indexOf('log') + 1);
    const text = unwrapped(log);
    expect(text).toContain(`ERROR vdi-export dns-2: ${message} [VDI_IO_ERROR]`);
    expect(text).toContain(`  fix: ${hint}`);
  });

  it('scrolls back through the whole log of this run (l, PgUp/PgDn, Home/End), then follows it again', async () => {
    const lines: ProgressEvent[] = Array.from({ length: 40 }, (_, i) => ({ type: 'log', message: `step ${i} of the run` }));
    const run = scriptedRun([[runStart([a]), ...lines], [{ type: 'log', message: 'a line that came later' }], []], () => summaryOf([result(a, 'success', 1)]));
    const ui = show(run);
    let frame = await waitForFrame(ui.lastFrame, (f) => f.includes('step 39 of the run'));
    expect(frame).not.toContain('step 30 of the run');

    await press(ui.stdin, 'l');
    frame = await waitForFrame(ui.lastFrame, (f) => f.includes('(following)'));
    expect(frame).toContain('step 39 of the run');
    expect(frame).toContain('step 30 of the run');
    expect(frame).not.toContain('step 0 of the run');
    expect(frame).not.toMatch(/waiting\s+web 01/);

    await press(ui.stdin, SCROLL.pageUp);
    frame = await waitForFrame(ui.lastFrame, (f) => !f.includes('(following)'));
    expect(frame).not.toContain('step 39 of the run');
    await press(ui.stdin, SCROLL.home);
    frame = await waitForFrame(ui.lastFrame, (f) => f.includes('step 0 of the run'));
    expect(frame).toMatch(/log, lines 1-\d+ of \d+/);
    // Scrolled back, new lines do not move the window...
    run.step();
    await press(ui.stdin, KEYS.down);
    frame = await waitForFrame(ui.lastFrame, (f) => /log, lines 2-/.test(f));
    expect(frame).not.toContain('a line that came later');
    // ...End follows the end again, and l goes back to the rows.
    await press(ui.stdin, SCROLL.end);
    frame = await waitForFrame(ui.lastFrame, (f) => f.includes('a line that came later') && f.includes('(following)'));
    await press(ui.stdin, 'l');
    frame = await waitForFrame(ui.lastFrame, (f) => /waiting\s+web 01/.test(f));

    // PgUp from the rows opens the log a page up.
    await press(ui.stdin, SCROLL.pageUp);
    frame = await waitForFrame(ui.lastFrame, (f) => f.includes('log, lines'));
    expect(frame).not.toContain('a line that came later');
    await press(ui.stdin, KEYS.escape);
    await waitForFrame(ui.lastFrame, (f) => /waiting\s+web 01/.test(f));
  });
});

describe('the overall bar', () => {
  it('shows the time left while the run goes', async () => {
    // A run that began a minute ago and is a third done: about two minutes to go.
    const run = scriptedRun(
      [[runStart([a, b], new Date(Date.now() - 60_000)), { type: 'vm-start', vm: a, index: 0 }, { type: 'phase', vm: a.name, phase: 'export' }, { type: 'task-progress', vm: a.name, progress: 0.5 }, { type: 'bytes', vm: a.name, done: 50 * MiB, estimate: 100 * MiB, rate: 10e6 }], []],
      () => summaryOf([result(a, 'success', 1), result(b, 'success', 1)]),
    );
    const ui = show(run);
    const frame = await waitForFrame(ui.lastFrame, (f) => /export\s+web 01/.test(f));
    expect(overallLine(frame)).toMatch(/ 33%\s+50\.0 MiB\s+10\.0 MB\/s\s+2:0\d$/);
  });

  it('after a cancel: what was done, neither 100% nor 0 B', async () => {
    const run = scriptedRun(
      [[runStart([a, b]), { type: 'vm-start', vm: a, index: 0 }, { type: 'phase', vm: a.name, phase: 'export' }, { type: 'bytes', vm: a.name, done: 40 * MiB, estimate: 100 * MiB, rate: 10e6 }, { type: 'task-progress', vm: a.name, progress: 0.4 }], []],
      () => summaryOf([result(a, 'cancelled', 0, { error: { code: 'INTERRUPTED', message: 'the run was interrupted' } }), result(b, 'cancelled', 0, { error: { code: 'INTERRUPTED', message: 'not started: the run was interrupted' } })], true),
    );
    const ui = show(run);
    await waitForFrame(ui.lastFrame, (f) => /export\s+web 01/.test(f));
    await press(ui.stdin, 'c');
    await waitForFrame(ui.lastFrame, (f) => f.includes('Cancel the run?'));
    // y answers the question as the menu's second item does.
    await press(ui.stdin, 'y');
    const frame = await waitForFrame(ui.lastFrame, (f) => f.includes('enter: summary'));
    expect(run.aborted()).toBe(true);
    // web 01 reached 40% of its 2/3 of the plan.
    expect(overallLine(frame)).toMatch(/ 26%\s+40\.0 MiB/);
    expect(frame).toMatch(/cancelled\s+web 01\s+█*░+\s+40%\s+40\.0 MiB/);
    expect(frame).toContain('cancelled: S:0 W:0 E:2 (2 cancelled)');
  });
});
