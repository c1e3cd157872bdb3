/**
 * Around every screen: redraws the whole frame on resize, and below 80×24 shows one notice
 * instead of a screen that would spill rows onto second lines and lose the end of its key bar.
 * The screen stays mounted underneath (hidden, not unmounted), so a run goes on and the list
 * keeps its choices until the terminal is large enough again.
 *
 * Nothing is drawn past the terminal's right edge (overflow hidden): right after a resize Ink
 * draws the screen as laid out for the old width, and a line wider than the terminal would wrap
 * onto lines Ink does not count, and so never erases.
 */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { useRedrawOnResize, useTerminal, useTerminalSize } from '../hooks/use-terminal.js';

export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;

export function tooSmallText(columns: number, rows: number, ascii: boolean): string {
  const x = ascii ? 'x' : '×';
  return `terminal too small (need ${MIN_COLUMNS}${x}${MIN_ROWS}, this one is ${columns}${x}${rows}): make the window larger. vmbackup carries on meanwhile; ctrl-c quits (or cancels a run).`;
}

export function TerminalFrame({ children }: { children: ReactNode }) {
  useRedrawOnResize();
  const { columns, rows } = useTerminalSize();
  const { ascii } = useTerminal();
  const small = columns < MIN_COLUMNS || rows < MIN_ROWS;
  return (
    <Box flexDirection="column" overflowX="hidden">
      {small ? (
        <Text color="yellow" wrap="wrap">
          {tooSmallText(columns, rows, ascii)}
        </Text>
      ) : null}
      <Box display={small ? 'none' : 'flex'} flexDirection="column">
        {children}
      </Box>
    </Box>
  );
}
