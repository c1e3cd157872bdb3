/**
 * Cells are measured in terminal columns (string-width, as Ink lays out), so names in CJK, with
 * emoji or combining accents keep the list's columns aligned.
 */
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { fit } from '../../src/tui/components/vm-columns.js';

describe('fit', () => {
  it.each([
    ['web-01', 10, 'web-01    '],
    ['a-very-long-vm-name', 10, 'a-very-lo~'],
    ['データベース', 14, 'データベース  '], // six wide characters: 12 columns
    ['データベース', 8, 'データ~ '], // a wide character never half-shown
    ['cafe\u0301', 6, 'cafe\u0301  '], // a combining accent takes no column
    ['line\nbreak', 12, 'line?break  '],
  ])('%j in %i columns', (name, width, expected) => {
    const cell = fit(name, width);
    expect(cell).toBe(expected);
    expect(stringWidth(cell)).toBe(width);
  });

  it('keeps every row of a mixed list the same width', () => {
    const names = ['web', 'サーバー01', '🐳 docker-host', 'Ölraffinerie', 'x'.repeat(40)];
    expect(new Set(names.map((n) => stringWidth(fit(n, 16))))).toEqual(new Set([16]));
  });
});
