/**
 * Cells are measured in terminal columns (string-width, as Ink lays out), so names in CJK, with
 * emoji or combining accents keep the list's columns aligned. Every cut is marked the same way:
 * "…", or "~" on an ASCII-only terminal; messages wrap instead.
 */
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { clipToWidth, wrapToWidth } from '../../src/tui/components/text-fit.js';
import { ageText, disksText, fit } from '../../src/tui/components/vm-columns.js';
import type { VmRow } from '../../src/tui/contracts.js';

describe('fit', () => {
  it.each([
    ['web-01', 10, 'web-01    '],
    ['a-very-long-vm-name', 10, 'a-very-lo…'],
    ['データベース', 14, 'データベース  '], // six wide characters: 12 columns
    ['データベース', 8, 'データ… '], // a wide character never half-shown
    ['cafe\u0301', 6, 'cafe\u0301  '], // a combining accent takes no column
    ['line\nbreak', 12, 'line\\nbreak '], // a control character shown escaped, as in the logs
  ])('%j in %i columns', (name, width, expected) => {
    const cell = fit(name, width);
    expect(cell).toBe(expected);
    expect(stringWidth(cell)).toBe(width);
  });

  it('cuts with ~ on an ASCII-only terminal', () => {
    expect(fit('a-very-long-vm-name', 10, true)).toBe('a-very-lo~');
    expect(clipToWidth('/snapshots/BACKUPS/pool-a', 12, true, 'start')).toBe('~KUPS/pool-a');
  });

  it('keeps every row of a mixed list the same width', () => {
    const names = ['web', 'サーバー01', '🐳 docker-host', 'Ölraffinerie', 'x'.repeat(40)];
    expect(new Set(names.map((n) => stringWidth(fit(n, 16))))).toEqual(new Set([16]));
  });
});

describe('clipToWidth and wrapToWidth', () => {
  it('a path cut at its start keeps its last folders', () => {
    const cut = clipToWidth('/snapshots/BACKUPS/pool-a', 15, false, 'start');
    expect(cut).toBe('…BACKUPS/pool-a');
    expect(stringWidth(cut)).toBe(15);
  });

  it('wraps at word boundaries within the width, breaks a word longer than a line, and loses nothing', () => {
    const text = 'VDI raw (dns-1) and VDI vhd (dns-2) cannot be mixed: vdi_export_format is one setting for the whole cfg. Press m on one side.';
    const lines = wrapToWidth(text, 40);
    for (const l of lines) expect(stringWidth(l)).toBeLessThanOrEqual(40);
    expect(lines.join(' ')).toBe(text);
    expect(wrapToWidth('日本語'.repeat(10), 7).every((l) => stringWidth(l) <= 7)).toBe(true);
    expect(wrapToWidth('日本語'.repeat(10), 7).join('')).toBe('日本語'.repeat(10));
    expect(wrapToWidth('a\nb', 10)).toEqual(['a', 'b']);
  });
});

describe('cells', () => {
  const now = new Date(2026, 5, 1, 12, 0, 0);
  it('a backup under a minute old is "now", not "0m"', () => {
    expect(ageText(new Date(now.getTime() - 59_000), now)).toBe('now');
    expect(ageText(new Date(now.getTime() - 60_000), now)).toBe('1m');
    expect(ageText(null, now)).toBe('never');
  });

  it('the disks cell says when a VDI mode takes the boot disk of several', () => {
    const row: VmRow = { uuid: 'u', name: 'fileserver', powerState: 'Running', diskCount: 3, diskBytes: 24 * 2 ** 30, bootDiskBytes: 6 * 2 ** 30, lastBackup: null };
    expect(disksText(row, 'xva', 'boot')).toBe('3x 24.0 GiB');
    expect(disksText(row, 'vdi-raw', 'boot')).toBe('1 of 3 6.0 GiB');
    expect(disksText(row, 'vdi-vhd', 'all')).toBe('3x 24.0 GiB');
    expect(disksText({ ...row, diskCount: 1 }, 'vdi-raw', 'boot')).toBe('1x 24.0 GiB');
  });
});
