/**
 * The windowed list: a cursor into the visible rows and the first visible row of the window.
 * Only `pageSize` rows are ever rendered, so a 10,000-VM pool draws as fast as a 10-VM one.
 */

export interface ListWindow {
  /** Index into the visible rows; 0 when there are none. */
  cursor: number;
  /** Index of the first row drawn. */
  offset: number;
  /** Rows drawn at once (at least 1). */
  pageSize: number;
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, n));
}

/** Puts the cursor inside [0, count) and scrolls the least amount that keeps it in view. */
export function settle(win: ListWindow, count: number): ListWindow {
  const pageSize = Math.max(1, Math.floor(win.pageSize));
  if (count <= 0) return { cursor: 0, offset: 0, pageSize };
  const cursor = clamp(win.cursor, 0, count - 1);
  let offset = clamp(win.offset, 0, Math.max(0, count - pageSize));
  if (cursor < offset) offset = cursor;
  else if (cursor >= offset + pageSize) offset = cursor - pageSize + 1;
  return { cursor, offset, pageSize };
}

export type Move = 'up' | 'down' | 'page-up' | 'page-down' | 'home' | 'end';

export function moveCursor(win: ListWindow, move: Move, count: number): ListWindow {
  const step: Record<Move, number> = {
    up: -1,
    down: 1,
    'page-up': -win.pageSize,
    'page-down': win.pageSize,
    home: -Infinity,
    end: Infinity,
  };
  const target = win.cursor + step[move];
  // A page move scrolls the window by a page too, as pagers do, so the cursor keeps its line.
  const offset = move === 'page-up' || move === 'page-down' ? win.offset + step[move] : win.offset;
  return settle({ ...win, cursor: Number.isFinite(target) ? target : target > 0 ? count - 1 : 0, offset }, count);
}

/** The slice [start, end) of visible rows to draw. */
export function windowRange(win: ListWindow, count: number): { start: number; end: number } {
  const start = Math.min(win.offset, Math.max(0, count));
  return { start, end: Math.min(count, start + win.pageSize) };
}
