/**
 * Scrolling a list of screen lines: the keys (↑/↓ a line, PgUp/PgDn a page, Home/End) and the
 * window they leave, as pure functions so both scrolling screens (the summary, the run log)
 * move the same way and the window is tested without a terminal.
 */
import type { Key } from 'ink';

/** The first line shown after a key, or null when the key is not a scroll key. */
export function scrollBy(key: Partial<Pick<Key, 'upArrow' | 'downArrow' | 'pageUp' | 'pageDown' | 'home' | 'end'>>, top: number, page: number, total: number): number | null {
  const last = Math.max(0, total - page);
  const step = Math.max(1, page - 1);
  let next: number;
  if (key.upArrow) next = top - 1;
  else if (key.downArrow) next = top + 1;
  else if (key.pageUp) next = top - step;
  else if (key.pageDown) next = top + step;
  else if (key.home) next = 0;
  else if (key.end) next = last;
  else return null;
  return Math.min(last, Math.max(0, next));
}

/** The window `[from, to)` of `total` lines that starts at `top`, kept inside the lines. */
export function windowAt(top: number, page: number, total: number): { from: number; to: number } {
  const from = Math.min(Math.max(0, top), Math.max(0, total - page));
  return { from, to: Math.min(total, from + page) };
}

/** "lines 21-40 of 57", for the key bar of a window that does not show everything. */
export function positionText(from: number, to: number, total: number): string {
  return `lines ${from + 1}-${to} of ${total}`;
}
