/**
 * Text measured in terminal columns, the one way the TUI cuts and wraps what it shows: a CJK
 * character or an emoji takes two columns, a combining accent none (string-width, the measure
 * Ink itself lays out with), and a grapheme is never split.
 *
 * A cut is marked with "…", or with "~" when the terminal is ASCII-only (useTerminal().ascii),
 * where "…" would print as mojibake. Screens pass `ascii` through; every cut on screen goes
 * through clipToWidth so they all look the same.
 */
import stringWidth from 'string-width';
import { escapeControls } from '../../util/escape-controls.js';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export function cutMark(ascii: boolean): string {
  return ascii ? '~' : '…';
}

/**
 * `text` in at most `width` columns. When it is longer, the end (or, with side 'start', the
 * beginning: a path keeps its last folders) gives way to the cut mark.
 */
export function clipToWidth(text: string, width: number, ascii = false, side: 'end' | 'start' = 'end'): string {
  // Control characters (a VM name may hold "\n") would break the line: shown escaped, in the
  // logs' notation, so the screen and the log name a VM the same way.
  const clean = escapeControls(text);
  if (stringWidth(clean) <= width) return clean;
  if (width <= 0) return '';
  const parts = Array.from(graphemes.segment(clean), (s) => s.segment);
  if (side === 'start') parts.reverse();
  let kept = '';
  let used = 0;
  for (const part of parts) {
    const w = stringWidth(part);
    if (used + w > width - 1) break;
    kept = side === 'start' ? part + kept : kept + part;
    used += w;
  }
  return side === 'start' ? cutMark(ascii) + kept : kept + cutMark(ascii);
}

/** A table cell: `text` cut to `width` columns, then padded to exactly `width`. */
export function fit(text: string, width: number, ascii = false): string {
  const cell = clipToWidth(text, width, ascii);
  return cell + ' '.repeat(Math.max(0, width - stringWidth(cell)));
}

/**
 * `text` word-wrapped into lines of at most `width` columns (never cut: a word longer than a
 * line is broken between graphemes). Messages wrap instead of losing their end at 80 columns.
 */
export function wrapToWidth(text: string, width: number): string[] {
  const limit = Math.max(1, width);
  const lines: string[] = [];
  for (const paragraph of text.split(/\r?\n/).map(escapeControls)) {
    let line = '';
    let used = 0;
    const flush = () => {
      lines.push(line.trimEnd());
      line = '';
      used = 0;
    };
    for (const word of paragraph.split(/(?<= )/)) {
      const w = stringWidth(word);
      const bare = stringWidth(word.trimEnd());
      if (used > 0 && used + bare > limit) flush();
      if (bare <= limit) {
        line += word;
        used += w;
        continue;
      }
      // A word wider than a line: break it hard, grapheme by grapheme.
      for (const { segment } of graphemes.segment(word)) {
        const sw = stringWidth(segment);
        if (used + sw > limit) flush();
        line += segment;
        used += sw;
      }
    }
    flush();
  }
  return lines;
}
