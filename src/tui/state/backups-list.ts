/**
 * The Backups screen's list as a pure machine: the catalog of backup_dir flattened into lines
 * (a VM's line, then one line per dated backup, newest first), a cursor that rests only on
 * backup lines, and the window of window.ts over the lines, so a backup_dir of thousands of
 * backups draws only what fits. `/` narrows the VMs by a part of their name. Space marks
 * backups (by path, so a mark outlives a filter and a re-read of the catalog); `v` verifies the
 * marked ones, or the one under the cursor when none is marked.
 */
import type { Catalog, CatalogBackup, CatalogVm } from '../../catalog/types.js';
import type { KeyPress } from './key-split.js';
import { editLine, type LineEdit, lineAtEnd } from './line-edit.js';
import { type ListWindow, settle } from './window.js';

export type BackupLine = { kind: 'vm'; vm: CatalogVm } | { kind: 'backup'; vm: CatalogVm; backup: CatalogBackup };

export interface BackupsListState {
  catalog: Catalog;
  filter: string;
  /** The filter line while it is being typed. */
  editing: LineEdit | null;
  lines: BackupLine[];
  /** cursor: index into lines, always a backup line when there is one. */
  win: ListWindow;
  /** Paths of the marked backups (space). */
  marked: ReadonlySet<string>;
}

export type Picked = { vm: CatalogVm; backup: CatalogBackup };

export type BackupsListEffect =
  | ({ type: 'pick' } & Picked)
  | { type: 'back' }
  | { type: 'help' }
  /** Catalog order (VM by name, newest backup first). */
  | { type: 'verify'; targets: Picked[] };

export function linesOf(catalog: Catalog, filter: string): BackupLine[] {
  const needle = filter.trim().toLowerCase();
  const out: BackupLine[] = [];
  for (const vm of catalog.vms) {
    if (needle !== '' && !vm.name.toLowerCase().includes(needle)) continue;
    out.push({ kind: 'vm', vm });
    for (const backup of vm.backups) out.push({ kind: 'backup', vm, backup });
  }
  return out;
}

function isBackup(lines: readonly BackupLine[], i: number): boolean {
  return lines[i]?.kind === 'backup';
}

/** The nearest backup line from `at`, looking in `dir` first, then the other way; 0 when none. */
function snap(lines: readonly BackupLine[], at: number, dir: 1 | -1): number {
  const start = Math.max(0, Math.min(lines.length - 1, at));
  for (let i = start; i >= 0 && i < lines.length; i += dir) if (isBackup(lines, i)) return i;
  for (let i = start; i >= 0 && i < lines.length; i -= dir) if (isBackup(lines, i)) return i;
  return 0;
}

/** The window around the cursor; the VM line above the first backup stays in view at the top. */
function placed(lines: readonly BackupLine[], win: ListWindow): ListWindow {
  const settled = settle(win, lines.length);
  // A cursor on a VM's newest backup shows the VM's own line above it when there is room.
  if (settled.cursor > 0 && settled.offset === settled.cursor && lines[settled.cursor - 1]?.kind === 'vm' && settled.pageSize > 1) return { ...settled, offset: settled.cursor - 1 };
  return settled;
}

export function backupsListState(catalog: Catalog, pageSize: number, filter = ''): BackupsListState {
  const lines = linesOf(catalog, filter);
  return { catalog, filter, editing: null, lines, win: placed(lines, { cursor: snap(lines, 0, 1), offset: 0, pageSize }), marked: new Set() };
}

/**
 * The list over a catalog read again (after a verify or a restore): the filter kept, the marks
 * that still name a backup kept, and the cursor on the same backup when it is still there.
 */
export function reloadList(state: BackupsListState, catalog: Catalog, pageSize: number): BackupsListState {
  const lines = linesOf(catalog, state.filter);
  const was = cursorBackup(state)?.backup.path;
  const found = was === undefined ? -1 : lines.findIndex((l) => l.kind === 'backup' && l.backup.path === was);
  const cursor = found >= 0 ? found : snap(lines, Math.min(state.win.cursor, lines.length - 1), 1);
  const all = new Set(catalog.vms.flatMap((v) => v.backups.map((b) => b.path)));
  const marked = new Set([...state.marked].filter((p) => all.has(p)));
  return { catalog, filter: state.filter, editing: null, lines, win: placed(lines, { cursor, offset: state.win.offset, pageSize }), marked };
}

export function clearMarks(state: BackupsListState): BackupsListState {
  return state.marked.size === 0 ? state : { ...state, marked: new Set() };
}

/** What `v` verifies: every marked backup, in catalog order, or else the one under the cursor. */
export function verifyTargets(state: BackupsListState): Picked[] {
  if (state.marked.size === 0) {
    const one = cursorBackup(state);
    return one ? [one] : [];
  }
  return state.catalog.vms.flatMap((vm) => vm.backups.filter((b) => state.marked.has(b.path)).map((backup) => ({ vm, backup })));
}

function toggleMark(state: BackupsListState): BackupsListState {
  const at = cursorBackup(state);
  if (!at) return state;
  const marked = new Set(state.marked);
  if (!marked.delete(at.backup.path)) marked.add(at.backup.path);
  return { ...state, marked };
}

export function resizeList(state: BackupsListState, pageSize: number): BackupsListState {
  return { ...state, win: placed(state.lines, { ...state.win, pageSize }) };
}

/** The backup under the cursor, or null (no backups shown). */
export function cursorBackup(state: BackupsListState): { vm: CatalogVm; backup: CatalogBackup } | null {
  const line = state.lines[state.win.cursor];
  return line?.kind === 'backup' ? { vm: line.vm, backup: line.backup } : null;
}

function moveTo(state: BackupsListState, target: number, dir: 1 | -1, offsetShift = 0): BackupsListState {
  const cursor = snap(state.lines, target, dir);
  return { ...state, win: placed(state.lines, { ...state.win, cursor, offset: state.win.offset + offsetShift }) };
}

function withFilter(state: BackupsListState, filter: string): BackupsListState {
  const lines = linesOf(state.catalog, filter);
  return { ...state, filter, lines, win: placed(lines, { ...state.win, cursor: snap(lines, 0, 1), offset: 0 }) };
}

/** One key. The filter line takes every key while it is open (enter keeps it, esc clears it). */
export function pressBackupsList(state: BackupsListState, press: KeyPress): { state: BackupsListState; effect?: BackupsListEffect } {
  const { input, key } = press;
  if (state.editing) {
    if (key.escape) return { state: { ...withFilter(state, ''), editing: null } };
    if (key.return) return { state: { ...state, editing: null } };
    const edit = editLine(state.editing, press);
    if (edit === null) return { state };
    return { state: { ...withFilter(state, edit.text), editing: edit } };
  }
  const page = state.win.pageSize;
  const at = state.win.cursor;
  if (key.escape) return { state, effect: { type: 'back' } };
  if (key.upArrow || (input === 'k' && !key.ctrl)) return { state: moveTo(state, at - 1, -1) };
  if (key.downArrow || (input === 'j' && !key.ctrl)) return { state: moveTo(state, at + 1, 1) };
  if (key.pageUp) return { state: moveTo(state, at - page, -1, -page) };
  if (key.pageDown) return { state: moveTo(state, at + page, 1, page) };
  if (key.home || input === 'g') return { state: moveTo(state, 0, 1) };
  if (key.end || input === 'G') return { state: moveTo(state, state.lines.length - 1, -1) };
  if (key.return) {
    const picked = cursorBackup(state);
    return picked ? { state, effect: { type: 'pick', ...picked } } : { state };
  }
  if (key.ctrl || key.meta) return { state };
  if (input === '/') return { state: { ...state, editing: lineAtEnd(state.filter) } };
  if (input === 'q') return { state, effect: { type: 'back' } };
  if (input === '?') return { state, effect: { type: 'help' } };
  if (input === ' ') return { state: toggleMark(state) };
  if (input === 'v') {
    const targets = verifyTargets(state);
    return targets.length > 0 ? { state, effect: { type: 'verify', targets } } : { state };
  }
  return { state };
}

/** "3 VMs, 12 backups (1 unfinished)" for the title line, of what the filter shows. */
export function countsText(state: BackupsListState): string {
  let vms = 0;
  let backups = 0;
  let unfinished = 0;
  for (const line of state.lines) {
    if (line.kind === 'vm') vms++;
    else {
      backups++;
      if (line.backup.status === 'unfinished') unfinished++;
    }
  }
  const all = state.catalog.vms.length;
  const shown = vms === all ? `${vms} VM${vms === 1 ? '' : 's'}` : `${vms} of ${all} VMs`;
  const marked = state.marked.size > 0 ? `, ${state.marked.size} marked` : '';
  return `${shown}, ${backups} backup${backups === 1 ? '' : 's'}${unfinished > 0 ? ` (${unfinished} unfinished)` : ''}${marked}`;
}
