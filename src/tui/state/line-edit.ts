/**
 * A one-line text editor as a pure function of (text, cursor) and one key, for the filter and
 * the backup_dir line: typed or pasted text goes in at the cursor, and the cursor moves and
 * deletes by graphemes (an emoji or an accented letter is one step). The cursor is a string
 * index that always sits on a grapheme boundary; where it shows on screen is measured in
 * terminal columns (caretColumn), so wide characters put it in the right place.
 *
 * Keys: ← → Home End (and ctrl-a / ctrl-e), Backspace, ctrl-d (delete forward), ctrl-u (delete
 * to the start), ctrl-k (delete to the end). Ink 6.8 reports the Delete key exactly as it
 * reports Backspace, so both delete backwards.
 */
import stringWidth from 'string-width';
import { isBackspace, type KeyPress } from './key-split.js';

export interface LineEdit {
  text: string;
  /** A UTF-16 index into text, on a grapheme boundary. */
  cursor: number;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export function lineAtEnd(text: string): LineEdit {
  return { text, cursor: text.length };
}

/** Grapheme boundaries of text: 0, ..., text.length. */
function boundaries(text: string): number[] {
  const out = [0];
  for (const { index, segment } of graphemes.segment(text)) out.push(index + segment.length);
  return out;
}

function previousBoundary(text: string, cursor: number): number {
  const b = boundaries(text);
  for (let i = b.length - 1; i >= 0; i--) if (b[i]! < cursor) return b[i]!;
  return 0;
}

function nextBoundary(text: string, cursor: number): number {
  for (const at of boundaries(text)) if (at > cursor) return at;
  return text.length;
}

/** Text as it may stand in one line: no control characters (a paste may carry tabs or escapes). */
function insertable(input: string): string {
  return input.replace(/[\u0000-\u001f\u007f]/g, '');
}

/** The edit after one key, or null when the key is not an editing key (Enter, Esc, ↑...). */
export function editLine(edit: LineEdit, press: KeyPress): LineEdit | null {
  const { input, key } = press;
  const { text, cursor } = edit;
  if (key.leftArrow) return { text, cursor: previousBoundary(text, cursor) };
  if (key.rightArrow) return { text, cursor: nextBoundary(text, cursor) };
  if (key.home || (key.ctrl && input === 'a')) return { text, cursor: 0 };
  if (key.end || (key.ctrl && input === 'e')) return { text, cursor: text.length };
  if (isBackspace(press)) {
    const from = previousBoundary(text, cursor);
    return { text: text.slice(0, from) + text.slice(cursor), cursor: from };
  }
  if (key.ctrl && input === 'd') return { text: text.slice(0, cursor) + text.slice(nextBoundary(text, cursor)), cursor };
  if (key.ctrl && input === 'u') return { text: text.slice(cursor), cursor: 0 };
  if (key.ctrl && input === 'k') return { text: text.slice(0, cursor), cursor };
  if (key.ctrl || key.meta || key.return || key.escape || key.tab || key.upArrow || key.downArrow || key.pageUp || key.pageDown) return null;
  const add = insertable(input);
  if (add === '') return null;
  return { text: text.slice(0, cursor) + add + text.slice(cursor), cursor: cursor + add.length };
}

/** Terminal columns from the start of the text to the cursor. */
export function caretColumn(edit: LineEdit): number {
  return stringWidth(edit.text.slice(0, edit.cursor));
}

/**
 * The part of the line to draw in `width` columns, keeping the cursor in view: the text
 * before the cursor, the grapheme under it (a space at the end), and the text after it.
 */
export function visibleLine(edit: LineEdit, width: number): { before: string; at: string; after: string; skipped: number } {
  const parts = Array.from(graphemes.segment(edit.text), (s) => ({ at: s.index, text: s.segment, width: stringWidth(s.segment) }));
  let index = parts.findIndex((p) => p.at >= edit.cursor);
  if (index === -1) index = parts.length;
  const atText = parts[index]?.text ?? ' ';
  const room = Math.max(1, width);
  // Start as late as needed for the cursor's grapheme to fit, then fill what is left after it.
  let start = 0;
  let used = parts.slice(0, index).reduce((n, p) => n + p.width, 0) + stringWidth(atText);
  while (used > room && start < index) used -= parts[start++]!.width;
  let end = index + 1;
  while (end < parts.length && used + parts[end]!.width <= room) used += parts[end++]!.width;
  const join = (from: number, to: number) => parts.slice(from, to).map((p) => p.text).join('');
  return { before: join(start, index), at: atText, after: join(index + 1, end), skipped: start === 0 ? 0 : parts[start]!.at };
}
