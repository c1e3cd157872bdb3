/**
 * The summary screen at 80×24: every error with its fix in full (wrapped, never cut), rows that
 * keep their status, name and kind, a body taller than the screen that scrolls, a cancel called
 * a cancel, local times as in the log, and the files the run wrote.
 */
import { Text } from 'ink';
import { useState } from 'react';
import { render } from '../helpers/render-tui.js';
import stringWidth from 'string-width';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/backup/events.js';
import type { RunFiles } from '../../src/tui/run-files.js';
import { useKeys } from '../../src/tui/hooks/use-keys.js';
import { TerminalContext } from '../../src/tui/hooks/use-terminal.js';
import { SummaryScreen } from '../../src/tui/screens/summary.js';
import { KEYS, press, waitForFrame } from '../helpers/ink-wait.js';
import { MiB, result, summaryOf, vm } from '../helpers/scripted-run.js';

const SIZE = { columns: 80, rows: 24 };
const SCROLL = { pageUp: '\u001b[5~', pageDown: '\u001b[6~', home: '\u001b[H', end: '\u001b[F' } as const;

let unmount: (() => void) | null = null;
afterEach(() => {
  unmount?.();
  unmount = null;
});

function show(summary: RunSummary, opts: { exitCode?: number; files?: RunFiles; ascii?: boolean } = {}) {
  const ui = render(
    <TerminalContext.Provider value={{ ascii: opts.ascii ?? false }}>
      <SummaryScreen summary={summary} exitCode={opts.exitCode ?? 2} files={opts.files} onBack={() => undefined} onQuit={() => undefined} size={SIZE} />
    </TerminalContext.Provider>,
  );
  unmount = ui.unmount;
  return ui;
}

/** The frame's text with wrapped lines joined back: a continuation starts with 12+ spaces. */
const unwrapped = (frame: string) => frame.replace(/\n {12,}/g, ' ');

const message = 'VDI_IO_ERROR (Device I/O error) while the pool read the disk of dns-2 from its SR "Local storage" at offset 1073741824; the export stopped there';
const hint = 'check the SR and the host it is attached to (xe sr-list, dmesg on the host), then run the backup of dns-2 again';

/** Stands for the VM list the summary goes back to: it records the keys it is given. */
function AfterSummary({ seen }: { seen: string[] }) {
  useKeys(({ input }) => void seen.push(input));
  return <Text>the list</Text>;
}

describe('SummaryScreen', () => {
  it('b and q in one chunk: back to the list, and the q goes to the list, not to quitting', async () => {
    const seen: string[] = [];
    const quits: number[] = [];
    function Shell() {
      const [back, setBack] = useState(false);
      if (back) return <AfterSummary seen={seen} />;
      return <SummaryScreen summary={summaryOf([result(vm('web 01', MiB), 'success', MiB)])} exitCode={0} files={undefined} onBack={() => setBack(true)} onQuit={() => quits.push(1)} size={SIZE} />;
    }
    const ui = render(<Shell />);
    unmount = ui.unmount;
    await waitForFrame(ui.lastFrame, (f) => f.includes('Run finished'));
    ui.stdin.write('bq');
    await waitForFrame(ui.lastFrame, (f) => f.includes('the list'));
    await waitForFrame(ui.lastFrame, () => seen.length > 0);
    expect(seen).toEqual(['q']);
    expect(quits).toEqual([]);
  });

  it('shows each error and its fix in full at 80 columns, wrapped', async () => {
    const dns = vm('dns-2', 50 * MiB, 'vdi-export');
    const summary = summaryOf([result(vm('web 01', 100 * MiB), 'success', 100 * MiB), result(dns, 'failed', 0, { error: { code: 'VDI_IO_ERROR', message, hint, phase: 'export' } })], false, {
      problems: [{ code: 'SCOPE', message: 'vdi-export=dns-1 matches no VM of this pool: a renamed VM is no longer backed up', hint: 'check the names with --preview; the names are case-sensitive' }],
    });
    const ui = show(summary);
    const frame = await waitForFrame(ui.lastFrame, (f) => f.includes('Run finished'));
    for (const line of frame.split('\n')) expect(stringWidth(line), line).toBeLessThanOrEqual(80);
    const text = unwrapped(frame);
    expect(text).toContain(`VDI_IO_ERROR: ${message}`);
    expect(text).toContain(`fix: ${hint}`);
    expect(frame).toContain('SCOPE: vdi-export=dns-1 matches no VM of this pool:');
    expect(frame.replace(/\n {7,}/g, ' ')).toContain('fix: check the names with --preview; the names are case-sensitive');
    expect(frame).toMatch(/Run finished: ERROR\s+S:1 W:0 E:2\s+exit code 2/);
  });

  it('keeps status, name and kind of a row at 80 columns; a long name is cut with … (~ in ASCII)', async () => {
    const long = vm('customer-portal-production-frontend-node-07.example.com', 10 * MiB, 'vdi-export');
    const summary = summaryOf([result(long, 'failed', 0, { format: 'vhd', error: { code: 'SR_FULL', message: 'the SR is full' } })]);
    let ui = show(summary);
    let frame = await waitForFrame(ui.lastFrame, (f) => f.includes('Run finished'));
    expect(frame).toMatch(/^failed {4}customer-portal-production-\S*… VDI vhd {6}0 B/m);
    ui.unmount();
    ui = show(summary, { ascii: true });
    frame = await waitForFrame(ui.lastFrame, (f) => f.includes('Run finished'));
    expect(frame).toMatch(/^failed {4}customer-portal-production-\S*~ VDI vhd/m);
  });

  it('scrolls a summary taller than the screen (PgDn/PgUp, ↑/↓, Home/End)', async () => {
    const vms = Array.from({ length: 30 }, (_, i) => result(vm(`vm-${String(i).padStart(2, '0')}`, MiB), i % 3 === 0 ? 'failed' : 'success', MiB, i % 3 === 0 ? { error: { code: 'VM_NOT_FOUND', message: `vm-${i} is no longer in the pool`, hint: 'check the VM list' } } : {}));
    const ui = show(summaryOf(vms));
    let frame = await waitForFrame(ui.lastFrame, (f) => f.includes('Run finished'));
    expect(frame).toContain('vm-00');
    expect(frame).not.toContain('vm-29');
    const position = (f: string) => /lines (\d+)-(\d+) of (\d+)/.exec(f)!.slice(1).map(Number);
    const [, shown, total] = position(frame);
    expect(total).toBeGreaterThan(shown!);

    await press(ui.stdin, SCROLL.pageDown);
    frame = await waitForFrame(ui.lastFrame, (f) => position(f)[0]! > 1);
    expect(frame).not.toMatch(/success\s+vm-01 /);
    await press(ui.stdin, SCROLL.end);
    frame = await waitForFrame(ui.lastFrame, (f) => f.includes('vm-29'));
    expect(position(frame)[1]).toBe(total);
    // The title and the key bar stay.
    expect(frame.split('\n')[0]).toMatch(/^Run finished: ERROR/);
    expect(frame).toContain('q: quit');
    const bottom = position(frame)[0]!;
    await press(ui.stdin, KEYS.up);
    frame = await waitForFrame(ui.lastFrame, (f) => position(f)[0] === bottom - 1);
    await press(ui.stdin, SCROLL.home);
    frame = await waitForFrame(ui.lastFrame, (f) => position(f)[0] === 1);
    expect(frame).toContain('vm-00');
    // Keys that arrive together each count.
    // (A page moves by its height less one line, so a line of context stays.)
    const step = shown! - 1;
    const bottomTop = total! - shown! + 1;
    const expected = Math.min(bottomTop, 1 + 2 * step) - 1;
    ui.stdin.write(SCROLL.pageDown + SCROLL.pageDown + KEYS.up);
    frame = await waitForFrame(ui.lastFrame, (f) => position(f)[0] === expected);
    await press(ui.stdin, SCROLL.pageUp);
    frame = await waitForFrame(ui.lastFrame, (f) => position(f)[0] === Math.max(1, expected - step));
  });

  it('calls a cancelled run cancelled, with what its E count is made of', async () => {
    const planned = [vm('web-01', MiB), vm('dns-1', MiB, 'vdi-export'), vm('dns-2', MiB, 'vdi-export'), vm('mail', MiB)];
    const summary = summaryOf(
      planned.map((p, i) => result(p, i === 0 ? 'failed' : 'cancelled', 0, { error: i === 0 ? { code: 'SR_FULL', message: 'the SR is full' } : { code: 'INTERRUPTED', message: 'not started: the run was interrupted' } })),
      true,
    );
    const ui = show(summary, { exitCode: 130 });
    const frame = await waitForFrame(ui.lastFrame, (f) => f.includes('Run cancelled'));
    const title = frame.split('\n')[0]!;
    expect(title).toMatch(/^Run cancelled\s+S:0 W:0 E:4 \(3 cancelled, 1 failed\)\s+exit code 130$/);
    expect(title).not.toContain('ERROR');
    expect(frame).toMatch(/^cancelled dns-2\s+VDI raw/m);
  });

  it('shows the times in local time, as the log does', async () => {
    const tz = process.env.TZ;
    process.env.TZ = 'Asia/Kolkata';
    try {
      const ui = show(summaryOf([result(vm('web', MiB), 'success', MiB)]), { exitCode: 0 });
      const frame = await waitForFrame(ui.lastFrame, (f) => f.includes('Run finished'));
      // 10:00:00Z is 15:30 in India (UTC+5:30).
      expect(frame).toContain('started 2026-01-01-(15:30:00), ended 2026-01-01-(15:30:05)');
      expect(frame).not.toContain('T10:00:00');
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it('names the log and report files the run wrote, and why one was not', async () => {
    const files = { log: '/var/log/vmbackup/vmbackup-2026-01-01-100000.log', json: null, warnings: ['the JSON report of this run is not written: /var/log/vmbackup/vmbackup-2026-01-01-100000.json: ENOSPC'] };
    const ui = show(summaryOf([result(vm('web', MiB), 'success', MiB)]), { exitCode: 1, files });
    const frame = await waitForFrame(ui.lastFrame, (f) => f.includes('Run finished'));
    expect(frame).toContain('log:    /var/log/vmbackup/vmbackup-2026-01-01-100000.log');
    expect(frame.replace(/\n {2}/g, ' ')).toContain('WARNING the JSON report of this run is not written: /var/log/vmbackup/vmbackup-2026-01-01-100000.json: ENOSPC');
  });
});
