/**
 * The select list's columns as fixed-width text. One function per cell, all pure, so a row is
 * one string and the list draws one <Text> per visible row (cheap on every keystroke).
 * Plain ASCII marks ([x], [-], >) so the list reads the same on any TERM.
 */
import stringWidth from 'string-width';
import { humanBytes } from '../../backup/free-space.js';
import type { TuiMode, VmRow } from '../contracts.js';
import type { VmChoice } from '../state/selection.js';

export const MODE_LABEL: Record<TuiMode, string> = { xva: 'XVA', 'vdi-raw': 'VDI raw', 'vdi-vhd': 'VDI vhd' };

/** Widths of the fixed columns; the name takes the rest (never less than 10). */
const W = { mark: 2, box: 4, power: 9, mode: 8, keep: 5, disks: 13, age: 6 } as const;
const FIXED = Object.values(W).reduce((a, b) => a + b, 0);

export function nameWidth(columns: number): number {
  return Math.max(10, columns - FIXED - 1);
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Cut to `width` terminal columns with "~", padded to exactly `width` columns. Columns, not
 * characters: a CJK character or an emoji takes two, a combining accent none (string-width,
 * the measure Ink itself lays out with).
 */
export function fit(text: string, width: number): string {
  // Control characters (a name may hold "\n") would break the line: show them as "?".
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, '?');
  const total = stringWidth(clean);
  if (total <= width) return clean + ' '.repeat(width - total);
  let out = '';
  let used = 0;
  for (const { segment } of graphemes.segment(clean)) {
    const w = stringWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return out + '~' + ' '.repeat(Math.max(0, width - 1 - used));
}

export function powerText(state: string): string {
  const s = state.toLowerCase();
  return s === 'suspended' ? 'suspend' : s;
}

/** Age of the last successful backup: 45m, 20h, 3d, or never. */
export function ageText(last: Date | null, now: Date): string {
  if (last === null) return 'never';
  const minutes = Math.max(0, Math.floor((now.getTime() - last.getTime()) / 60_000));
  if (minutes < 60) return `${minutes}m`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)}h`;
  return `${Math.floor(minutes / 1440)}d`;
}

export function boxText(choice: VmChoice): string {
  return choice.excluded ? '[-]' : choice.selected ? '[x]' : '[ ]';
}

export function keepText(choice: VmChoice, defaultKeep: number): string {
  return choice.keep === null ? String(defaultKeep) : `:${choice.keep}`;
}

export function headerLine(columns: number): string {
  return ' '.repeat(W.mark + W.box) + fit('NAME', nameWidth(columns)) + ' ' + fit('POWER', W.power) + fit('MODE', W.mode) + fit('KEEP', W.keep) + fit('DISKS', W.disks) + fit('LAST', W.age);
}

export function rowLine(row: VmRow, choice: VmChoice, opts: { columns: number; cursor: boolean; defaultKeep: number; now: Date }): string {
  const disks = row.diskCount === 0 ? '-' : `${row.diskCount}x ${humanBytes(row.diskBytes)}`;
  return (
    fit(opts.cursor ? '>' : '', W.mark) +
    fit(boxText(choice), W.box) +
    fit(row.name, nameWidth(opts.columns)) +
    ' ' +
    fit(powerText(row.powerState), W.power) +
    fit(MODE_LABEL[choice.mode], W.mode) +
    fit(keepText(choice, opts.defaultKeep), W.keep) +
    fit(disks, W.disks) +
    fit(ageText(row.lastBackup, opts.now), W.age)
  );
}
