/**
 * A page of screen lines taller than the terminal, as both summaries (a run's, a restore's)
 * show it: a title, the window of lines, and a key bar that names the scroll keys and the
 * position only when the lines do not fit. The title and the key bar stay put.
 * `useScrollWindow` holds the window; the screen's own key handler hands it the keys it does
 * not use (`scroll`).
 */
import type { Key } from 'ink';
import { Box, Text } from 'ink';
import { type ReactNode, useState } from 'react';
import { fit } from './run-format.js';
import { type ScreenLine, ScreenLines } from './screen-lines.js';
import { positionText, scrollBy, windowAt } from './scroll.js';

export interface ScrollWindow {
  from: number;
  to: number;
  /** Moves the window for a scroll key (↑/↓, PgUp/PgDn, Home/End); other keys do nothing. */
  scroll(key: Partial<Key>): void;
  /** The key bar's start: the scroll keys and the position, or '' when everything shows. */
  hint(ascii: boolean): string;
}

export function useScrollWindow(total: number, rows: number): ScrollWindow {
  // The title and the key bar; one line spare, or Ink redraws the whole screen every frame.
  const page = Math.max(3, rows - 3);
  const [top, setTop] = useState(0);
  const { from, to } = windowAt(top, page, total);
  return {
    from,
    to,
    // From the state, not this render's value: keys that arrive together each count.
    scroll: (key) => setTop((t) => scrollBy(key, windowAt(t, page, total).from, page, total) ?? t),
    hint: (ascii) => (total > page ? `${ascii ? 'up/down' : '↑/↓'} PgUp/PgDn: ${positionText(from, to, total)}   ` : ''),
  };
}

export interface ScrollingPageProps {
  title: ReactNode;
  lines: readonly ScreenLine[];
  window: ScrollWindow;
  /** The screen's own keys, after the scroll hint. */
  keys: string;
  width: number;
  ascii: boolean;
}

export function ScrollingPage({ title, lines, window, keys, width, ascii }: ScrollingPageProps) {
  return (
    <Box flexDirection="column" width={width}>
      {title}
      <ScreenLines lines={lines.slice(window.from, window.to)} />
      <Text dimColor wrap="truncate-end">
        {fit(window.hint(ascii) + keys, width - 1, ascii).trimEnd()}
      </Text>
    </Box>
  );
}
