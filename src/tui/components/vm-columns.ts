/**
 * The select list's columns as fixed-width text. One function per cell, all pure, so a row is
 * a few strings and the list draws one <Text> per visible row (cheap on every keystroke).
 * Plain ASCII marks ([x], [-], >) so the list reads the same on any TERM; cells are cut by
 * text-fit.ts (… or, on ASCII terminals, ~).
 */
import { humanBytes } from '../../backup/free-space.js';
import type { VdiDisks } from '../../config/index.js';
import type { TuiMode, VmRow } from '../contracts.js';
import { isVdiMode, type VmChoice } from '../state/selection.js';
import { clipToWidth, fit } from './text-fit.js';

export { fit } from './text-fit.js';

export const MODE_LABEL: Record<TuiMode, string> = { xva: 'XVA', 'vdi-raw': 'VDI raw', 'vdi-vhd': 'VDI vhd', delta: 'delta' };

/** Widths of the fixed columns; the name takes the rest (never less than 10). */
const W = { mark: 2, box: 4, power: 9, mode: 8, keep: 5, disks: 16, age: 6, chain: 6 } as const;
const FIXED = Object.values(W).reduce((a, b) => a + b, 0);

export function nameWidth(columns: number): number {
  return Math.max(10, columns - FIXED - 1);
}

export function powerText(state: string): string {
  const s = state.toLowerCase();
  return s === 'suspended' ? 'suspend' : s;
}

/**
 * The chain depth of the last backup when it is a delta point: `full` (depth 0) or the number of
 * diff links down to the full (`+3`); blank for an XVA or VDI backup, or none.
 */
export function chainText(depth: number | null | undefined): string {
  if (depth === null || depth === undefined) return '';
  return depth === 0 ? 'full' : `+${depth}`;
}

/** Age of the last successful backup: now, 45m, 20h, 3d, or never. */
export function ageText(last: Date | null, now: Date): string {
  if (last === null) return 'never';
  const minutes = Math.max(0, Math.floor((now.getTime() - last.getTime()) / 60_000));
  if (minutes < 1) return 'now';
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

/** True when this VM's backup leaves disks out: a VDI mode takes its boot disk only. */
export function leavesDisksOut(row: VmRow, mode: TuiMode, vdiDisks: VdiDisks): boolean {
  return isVdiMode(mode) && vdiDisks === 'boot' && row.diskCount > 1;
}

/** Disks and their size; `1 of 3 6.0 GiB` when a VDI mode takes only the boot disk of three. */
export function disksText(row: VmRow, mode: TuiMode, vdiDisks: VdiDisks): string {
  if (row.diskCount === 0) return '-';
  if (leavesDisksOut(row, mode, vdiDisks)) return `1 of ${row.diskCount} ${row.bootDiskBytes === undefined ? '' : humanBytes(row.bootDiskBytes)}`.trimEnd();
  return `${row.diskCount}x ${humanBytes(row.diskBytes)}`;
}

export function headerLine(columns: number, ascii = false): string {
  const cell = (text: string, width: number) => fit(text, width, ascii);
  return ' '.repeat(W.mark + W.box) + cell('NAME', nameWidth(columns)) + ' ' + cell('POWER', W.power) + cell('MODE', W.mode) + cell('KEEP', W.keep) + cell('DISKS', W.disks) + cell('LAST', W.age) + cell('CHAIN', W.chain);
}

export interface RowOptions {
  columns: number;
  cursor: boolean;
  defaultKeep: number;
  now: Date;
  vdiDisks?: VdiDisks;
  ascii?: boolean;
}

/** A row in three parts, so the list can colour the disks cell on its own. */
export function rowParts(row: VmRow, choice: VmChoice, opts: RowOptions): { left: string; disks: string; right: string; diskWarning: boolean } {
  const vdiDisks = opts.vdiDisks ?? 'boot';
  const cell = (text: string, width: number) => fit(text, width, opts.ascii ?? false);
  return {
    left: cell(opts.cursor ? '>' : '', W.mark) + cell(boxText(choice), W.box) + cell(row.name, nameWidth(opts.columns)) + ' ' + cell(powerText(row.powerState), W.power) + cell(MODE_LABEL[choice.mode], W.mode) + cell(keepText(choice, opts.defaultKeep), W.keep),
    disks: cell(disksText(row, choice.mode, vdiDisks), W.disks),
    right: cell(ageText(row.lastBackup, opts.now), W.age) + cell(chainText(row.chainDepth), W.chain),
    diskWarning: leavesDisksOut(row, choice.mode, vdiDisks),
  };
}

export function rowLine(row: VmRow, choice: VmChoice, opts: RowOptions): string {
  const { left, disks, right } = rowParts(row, choice, opts);
  return left + disks + right;
}

/**
 * The line under the list: what a VDI mode leaves out of the VM under the cursor, else which
 * disks the VDI modes take when any chosen VM uses one (D switches), else nothing.
 */
export function diskNote(row: VmRow | undefined, choice: VmChoice | undefined, vdiDisks: VdiDisks, anyVdiChosen: boolean, columns: number, ascii = false): { text: string; warning: boolean } | null {
  if (row && choice && leavesDisksOut(row, choice.mode, vdiDisks)) {
    const others = row.diskCount - 1;
    const rest = `: boot disk only; ${others} other disk${others === 1 ? ' is' : 's are'} not backed up (D: every disk)`;
    return { text: clipToWidth(clipToWidth(row.name, Math.max(8, columns - rest.length), ascii) + rest, columns, ascii), warning: true };
  }
  if (!anyVdiChosen && vdiDisks === 'boot') return null;
  const text = vdiDisks === 'all' ? 'VDI modes take every disk, each to its own file (D: boot disk only)' : 'VDI modes take the boot disk only, as VmBackup.py does (D: every disk)';
  return { text: clipToWidth(text, columns, ascii), warning: false };
}
