/**
 * TUI runs against the simulator, through `engineRun` as the app starts them: a status log whose
 * folder is missing costs its files and a warning (never the run), and a cancelled run shows
 * what it did (overall not 100%, the bytes that came) and lists a VM it never started in the
 * mode and format it was planned with.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { render } from '../helpers/render-tui.js';
import { afterEach, expect, it } from 'vitest';
import type { RunOutcome } from '../../src/tui/hooks/use-backup-run.js';
import { RunScreen } from '../../src/tui/screens/run.js';
import { SummaryScreen } from '../../src/tui/screens/summary.js';
import { engineRun } from '../../src/tui/start-run.js';
import { PoolConnection } from '../../src/xapi/connection.js';
import { leftovers } from '../helpers/e2e.js';
import { KEYS, press, waitForFrame } from '../helpers/ink-wait.js';
import { stopAll } from '../helpers/sim.js';
import { tuiRunSetup } from '../helpers/tui-run.js';

const SIZE = { columns: 80, rows: 24 };
const conns: PoolConnection[] = [];
let unmount: (() => void) | null = null;
afterEach(async () => {
  unmount?.();
  unmount = null;
  for (const conn of conns.splice(0)) await conn.close();
  await stopAll();
});

const setup = (lines: string[], statusLog: (dir: string) => string) => tuiRunSetup(conns, lines, statusLog);

function showRun(start: ReturnType<typeof engineRun>) {
  const outcome: { current: RunOutcome | null } = { current: null };
  const ui = render(<RunScreen start={start} title="real run" onFinished={(o) => (outcome.current = o)} size={SIZE} logLines={8} />);
  unmount = ui.unmount;
  return { ui, outcome };
}

it('a status log folder that is missing: the backup runs, the screen and the summary say what was not written', async () => {
  const { sim, dir, start } = await setup(['vm-export=scratch'], (d) => join(d, 'logs', 'status.log'));
  const { ui, outcome } = showRun(start);
  const frame = await waitForFrame(ui.lastFrame, (f) => f.includes('enter: summary'), 30_000);
  expect(frame).toContain('finished: SUCCESS S:1 W:0 E:0');
  await press(ui.stdin, KEYS.enter);
  const { summary, exitCode, files } = outcome.current!;
  expect(summary.counts).toEqual({ success: 1, warning: 0, error: 0 });
  // As a headless run counts a status log it could not write: exit 1.
  expect(exitCode).toBe(1);
  expect([files.log, files.json]).toEqual([null, null]);
  expect(files.warnings).toEqual([
    expect.stringMatching(/^this run's log and JSON report are not written: folder .*\/logs does not exist/),
    expect.stringMatching(/^status_log .*folder .*\/logs does not exist/),
  ]);
  expect(readdirSync(dir).sort()).toEqual(['backups']);
  ui.unmount();

  const shown = render(<SummaryScreen summary={summary} exitCode={exitCode} files={files} onBack={() => undefined} onQuit={() => undefined} size={SIZE} />);
  unmount = shown.unmount;
  const text = (await waitForFrame(shown.lastFrame, (f) => f.includes('Run finished'))).replace(/\n {2}/g, ' ');
  expect(text).toMatch(/WARNING this run's log and JSON report are not written: folder .*logs does not exist/);
  expect(leftovers(sim)).toEqual([]);
}, 60_000);

it('cancelled mid-export: overall shows what was done, and the VDI VM never started is listed as VDI vhd', async () => {
  const { sim, start } = await setup(['vdi_export_format=vhd', 'vdi-export=scratch', 'vdi-export=db.example.com'], (d) => join(d, 'status.log'));
  // Slow enough to cancel mid-export; concurrency 1 leaves the second VM waiting.
  sim.faults.throttle(256 * 1024);
  const { ui, outcome } = showRun(start);
  await waitForFrame(ui.lastFrame, (f) => /^export\s+\S+\s+\S*\s+\d+%\s+[\d.]+ (KiB|MiB)/m.test(f), 30_000);
  await press(ui.stdin, 'c');
  await waitForFrame(ui.lastFrame, (f) => f.includes('Cancel the run?'));
  await press(ui.stdin, 'y');
  const frame = await waitForFrame(ui.lastFrame, (f) => f.includes('enter: summary'), 30_000);
  expect(frame).toMatch(/cancelled: S:0 W:0 E:2 \(2 cancelled\)/);
  const overall = frame.split('\n').find((l) => l.startsWith('overall'))!;
  expect(overall).not.toContain('100%');
  expect(overall).toMatch(/\d+%\s+[\d.]+ (KiB|MiB)/);
  await press(ui.stdin, KEYS.enter);
  const { summary, exitCode, files } = outcome.current!;
  expect(exitCode).toBe(130);
  const never = summary.vms.find((v) => v.error?.message.startsWith('not started'))!;
  expect([never.mode, never.format, never.status]).toEqual(['vdi-export', 'vhd', 'cancelled']);
  ui.unmount();

  const shown = render(<SummaryScreen summary={summary} exitCode={exitCode} files={files} onBack={() => undefined} onQuit={() => undefined} size={SIZE} />);
  unmount = shown.unmount;
  const text = await waitForFrame(shown.lastFrame, (f) => f.includes('Run cancelled'));
  expect(text.split('\n')[0]).toMatch(/^Run cancelled\s+S:0 W:0 E:2 \(2 cancelled\)\s+exit code 130$/);
  expect(text).toMatch(new RegExp(`^cancelled ${never.name.replace(/\./g, '\\.')}\\s+VDI vhd`, 'm'));
  expect(leftovers(sim)).toEqual([]);
}, 60_000);
