/**
 * Around every screen: below 80×24 one notice instead of a screen that would spill and lose its
 * key bar, the screen kept mounted underneath; and on every resize the screen cleared and the
 * whole frame drawn again (a narrowed terminal re-wraps the old frame beyond what Ink erases).
 */
import { Box, Text } from 'ink';
import { render } from '../helpers/render-tui.js';
import { useEffect } from 'react';
import { afterEach, expect, it } from 'vitest';
import { TerminalFrame } from '../../src/tui/components/terminal-frame.js';
import { CLEAR_SCREEN } from '../../src/tui/hooks/use-terminal.js';
import { waitForFrame } from '../helpers/ink-wait.js';

let app: ReturnType<typeof render> | null = null;
afterEach(() => app?.unmount());

const life = { mounted: 0, unmounted: 0 };
function Screen() {
  useEffect(() => {
    life.mounted++;
    return () => void life.unmounted++;
  }, []);
  return <Text>the list of VMs</Text>;
}

function resize(stdout: unknown, columns: number, rows: number) {
  const out = stdout as { rows?: number; emit(event: string): void };
  Object.defineProperty(out, 'columns', { value: columns, configurable: true });
  out.rows = rows;
  out.emit('resize');
}

it('below 80×24 says so instead of the screen, keeps the screen mounted, and shows it again when large enough', async () => {
  app = render(
    <TerminalFrame>
      <Screen />
    </TerminalFrame>,
  );
  const ui = app;
  await waitForFrame(ui.lastFrame, (f) => f.includes('the list of VMs'));
  await waitForFrame(() => String(life.mounted), (n) => n === '1');
  resize(ui.stdout, 60, 20);
  const small = await waitForFrame(ui.lastFrame, (f) => f.includes('terminal too small'));
  expect(small).toContain('need 80×24, this one is 60×20');
  expect(small).not.toContain('the list of VMs');
  resize(ui.stdout, 80, 24);
  await waitForFrame(ui.lastFrame, (f) => f.includes('the list of VMs') && !f.includes('too small'));
  expect(life).toEqual({ mounted: 1, unmounted: 0 });
});

it('on a resize, clears the screen and draws the whole frame again', async () => {
  app = render(
    <TerminalFrame>
      <Text>line one</Text>
      <Text>line two</Text>
    </TerminalFrame>,
  );
  const ui = app;
  await waitForFrame(ui.lastFrame, (f) => f.includes('line two'));
  // The frame's own listeners (size, redraw) subscribe just after the first frame.
  await waitForFrame(() => String(ui.stdout.listenerCount('resize')), (n) => Number(n) >= 2);
  resize(ui.stdout, 90, 30);
  // The clear, then the whole frame (under test Ink writes every frame whole; on a terminal, its
  // write() redraws the last frame after our text, then the resized frame follows).
  await waitForFrame(() => String(ui.frames.findIndex((f) => f.startsWith(CLEAR_SCREEN))), (i) => i !== '-1');
  const cleared = ui.frames.findIndex((f) => f.startsWith(CLEAR_SCREEN));
  const after = await waitForFrame(() => ui.frames.slice(cleared + 1).find((f) => f.includes('line one')) ?? '', (f) => f !== '');
  expect(after).toContain('line two');
});

it('draws nothing past the right edge, even a screen still laid out for a wider terminal', async () => {
  // Right after a narrowing resize, Ink draws the screen as it was laid out for the old width;
  // a line wider than the terminal wraps onto lines Ink does not count and never erases.
  app = render(
    <TerminalFrame>
      <Box width={140}>
        <Text>{'x'.repeat(140)}</Text>
      </Box>
    </TerminalFrame>,
  );
  const frame = await waitForFrame(app.lastFrame, (f) => f.includes('xxx'));
  // ink-testing-library's terminal is 100 columns wide.
  expect(frame.split('\n').map((l) => l.length)).toEqual([100]);
});
