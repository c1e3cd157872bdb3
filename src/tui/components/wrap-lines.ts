/**
 * Word wrap measured in terminal columns, done here rather than by Ink's `wrap="wrap"` because
 * the screens that scroll (the summary, the run log) must know how many lines a text takes
 * before they draw it: a window of N lines is only honest if each line is one screen line.
 */
import stringWidth from 'string-width';
import { escapeControls } from '../../util/escape-controls.js';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * `text` as lines of at most `width` columns, broken at spaces where possible; every line after
 * the first starts with `indent` (so a wrapped message stays under its first line). Never
 * returns an empty array: an empty text is one empty line.
 */
export function wrapLines(text: string, width: number, indent = ''): string[] {
  const w = Math.max(1, width);
  // An indent as wide as the line would leave no room for text.
  const pad = stringWidth(indent) < w ? indent : '';
  const padWidth = stringWidth(pad);
  const out: string[] = [];
  // A newline ends a line; other control characters would move the cursor behind our back:
  // shown escaped in the logs' notation (`\x07`, `\t`).
  for (const paragraph of text.split(/\r?\n/).map(escapeControls)) {
    let line = out.length === 0 ? '' : pad;
    let used = out.length === 0 ? 0 : padWidth;
    let fresh = true;
    const flush = () => {
      out.push(line.trimEnd());
      line = pad;
      used = padWidth;
      fresh = true;
    };
    for (const word of paragraph.split(' ')) {
      const ww = stringWidth(word);
      const gap = fresh ? 0 : 1;
      if (used + gap + ww <= w) {
        line += (fresh ? '' : ' ') + word;
        used += gap + ww;
        fresh = false;
        continue;
      }
      if (!fresh) flush();
      if (padWidth + ww <= w) {
        line += word;
        used += ww;
        fresh = false;
        continue;
      }
      // A word wider than the line (a path, a uuid list): cut it where the line ends.
      for (const { segment } of graphemes.segment(word)) {
        const gw = stringWidth(segment);
        if (used + gw > w && !fresh) flush();
        // A grapheme wider than what the indent leaves (string-width gives some three
        // columns): that line goes without the indent rather than past the edge.
        if (fresh && used + gw > w && line === pad) {
          line = '';
          used = 0;
        }
        line += segment;
        used += gw;
        fresh = false;
      }
    }
    out.push(line.trimEnd());
  }
  return out;
}
