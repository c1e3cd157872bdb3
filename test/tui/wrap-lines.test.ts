/** Word wrap in terminal columns and the scroll window, which the summary and the run log share. */
import stringWidth from 'string-width';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scrollBy, windowAt } from '../../src/tui/components/scroll.js';
import { wrapLines } from '../../src/tui/components/wrap-lines.js';

const none = { upArrow: false, downArrow: false, pageUp: false, pageDown: false, home: false, end: false };

describe('wrapLines', () => {
  it('breaks at spaces, indents what follows, and keeps every word', () => {
    expect(wrapLines('SR_FULL: the SR is full, free some space', 20, '  ')).toEqual(['SR_FULL: the SR is', '  full, free some', '  space']);
    expect(wrapLines('', 10)).toEqual(['']);
    expect(wrapLines('a\nb c', 10, '> ')).toEqual(['a', '> b c']);
  });

  it('cuts a word longer than the line, and measures columns, not characters', () => {
    expect(wrapLines('/snapshots/BACKUPS/web-01/backup', 10)).toEqual(['/snapshots', '/BACKUPS/w', 'eb-01/back', 'up']);
    // Each CJK character takes two columns.
    expect(wrapLines('日本語の名前 x', 6)).toEqual(['日本語', 'の名前', 'x']);
  });

  it('shows control characters escaped instead of letting them move the cursor', () => {
    expect(wrapLines('a\u001b[2Jb\tc', 40)).toEqual(['a\\x1b[2Jb\\tc']);
    // A line separator would break the line on some terminals: escaped as in the logs.
    expect(wrapLines('a\u2028b', 40)).toEqual(['a\\u2028b']);
  });

  it('a grapheme wider than the room after the indent goes on a line without the indent', () => {
    // One grapheme that string-width counts as three columns (found by the property below).
    const note = '\u{1D158}\u{1D165}\u{1D16E}';
    const lines = wrapLines(` ${note}!`, 4, '  ');
    for (const line of lines) expect(stringWidth(line)).toBeLessThanOrEqual(4);
    expect(lines.join('')).toContain(note);
  });

  it('never makes a line wider than asked, and loses no text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.integer({ min: 4, max: 100 }), (text, width) => {
        // What the wrapper shows escaped (util/escape-controls.ts), taken out.
        const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '');
        const lines = wrapLines(clean, width, '  ');
        for (const line of lines) expect(stringWidth(line)).toBeLessThanOrEqual(width);
        expect(lines.join('').replace(/\s/g, '')).toBe(clean.replace(/\s/g, ''));
      }),
    );
  });
});

describe('scrolling', () => {
  it('moves by a line, by a page less one line, to either end, and stays inside the lines', () => {
    expect(scrollBy({ ...none, downArrow: true }, 0, 10, 25)).toBe(1);
    expect(scrollBy({ ...none, pageDown: true }, 0, 10, 25)).toBe(9);
    expect(scrollBy({ ...none, pageDown: true }, 9, 10, 25)).toBe(15);
    expect(scrollBy({ ...none, end: true }, 0, 10, 25)).toBe(15);
    expect(scrollBy({ ...none, pageUp: true }, 3, 10, 25)).toBe(0);
    expect(scrollBy({ ...none, upArrow: true }, 0, 10, 25)).toBe(0);
    expect(scrollBy({ ...none, home: true }, 12, 10, 25)).toBe(0);
    expect(scrollBy(none, 4, 10, 25)).toBeNull();
    // Everything fits: nowhere to go.
    expect(scrollBy({ ...none, pageDown: true }, 0, 10, 5)).toBe(0);
    expect(windowAt(99, 10, 25)).toEqual({ from: 15, to: 25 });
    expect(windowAt(0, 10, 4)).toEqual({ from: 0, to: 4 });
  });
});
