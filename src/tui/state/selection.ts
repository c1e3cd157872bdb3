/**
 * The select screen's state and the reducer its keys drive. Pure and immutable: each action
 * returns a new state. Per-keystroke work is O(visible window) for moves and O(n) cheap array
 * work for the rest (a toggle copies one array; a filter keystroke runs one compiled RegExp per
 * row over names whose byte form was computed once).
 */
import type { VdiDisks } from '../../config/index.js';
import type { TuiMode, VmRow } from '../contracts.js';
import { byteNames, type CompiledFilter, compileFilter, type FilterError, matchingIndices } from './filter.js';
import { type ListWindow, type Move, moveCursor, settle } from './window.js';

export interface VmChoice {
  /** Picked with space or a. An excluded VM keeps its pick underneath: x again restores it. */
  selected: boolean;
  mode: TuiMode;
  /** The `:N` override; null means the global max_backups. */
  keep: number | null;
  /** Written as an `exclude=` line; an excluded VM is never backed up, picked or not. */
  excluded: boolean;
}

/** Backed up: picked and not excluded. */
export function isChosen(choice: VmChoice): boolean {
  return choice.selected && !choice.excluded;
}

const defaultChoice = (): VmChoice => ({ selected: false, mode: 'xva', keep: null, excluded: false });

export interface SelectState {
  rows: readonly VmRow[];
  /** Parallel to rows. */
  byteNames: readonly string[];
  choices: readonly VmChoice[];
  /** The filter as typed, and the last one that compiled (the list keeps showing its matches). */
  filterText: string;
  filter: CompiledFilter & { ok: true };
  filterError: FilterError | null;
  /** Row indices the filter shows, in row order. */
  visible: readonly number[];
  win: ListWindow;
  /** The global max_backups: the keep shown for rows without an override. */
  defaultKeep: number;
  /** VMs backed up (picked, not excluded), shown or not. */
  selectedCount: number;
  /** What vdi-export takes of a VM: its boot disk (the original's behaviour) or every disk. */
  vdiDisks: VdiDisks;
}

export const KEEP_MIN = 1;
/** More than this is surely a typo on a + key held down; the cfg itself has no upper bound. */
export const KEEP_MAX = 999;
/** m's cycle. delta comes last so the VDI modes keep their places (m, m m) from before it. */
export const MODES: readonly TuiMode[] = ['xva', 'vdi-raw', 'vdi-vhd', 'delta'];

/** A vdi-export mode (a disk to a file); xva and delta are both vm-export lines. */
export function isVdiMode(mode: TuiMode): boolean {
  return mode === 'vdi-raw' || mode === 'vdi-vhd';
}

export function initialState(rows: readonly VmRow[], options: { defaultKeep?: number; pageSize?: number; choices?: readonly VmChoice[]; vdiDisks?: VdiDisks } = {}): SelectState {
  const filter = compileFilter('') as CompiledFilter & { ok: true };
  const choices = options.choices ?? rows.map(defaultChoice);
  return {
    rows,
    byteNames: byteNames(rows.map((r) => r.name)),
    choices,
    filterText: '',
    filter,
    filterError: null,
    visible: rows.map((_, i) => i),
    win: settle({ cursor: 0, offset: 0, pageSize: options.pageSize ?? 10 }, rows.length),
    defaultKeep: options.defaultKeep ?? 4,
    selectedCount: choices.filter(isChosen).length,
    vdiDisks: options.vdiDisks ?? 'boot',
  };
}

export type SelectAction =
  | { type: 'move'; move: Move }
  | { type: 'toggle' }
  | { type: 'toggle-all' }
  | { type: 'cycle-mode' }
  | { type: 'keep'; delta: 1 | -1 }
  | { type: 'exclude' }
  | { type: 'filter'; text: string }
  | { type: 'vdi-disks' }
  | { type: 'resize'; pageSize: number };

/** The row index under the cursor, or null when nothing is visible. */
export function cursorRow(state: SelectState): number | null {
  return state.visible[state.win.cursor] ?? null;
}

function withChoice(state: SelectState, change: (c: VmChoice) => VmChoice): SelectState {
  const row = cursorRow(state);
  if (row === null) return state;
  const choices = state.choices.slice();
  const before = choices[row]!;
  const after = change(before);
  choices[row] = after;
  return { ...state, choices, selectedCount: state.selectedCount + Number(isChosen(after)) - Number(isChosen(before)) };
}

export function nextMode(mode: TuiMode): TuiMode {
  return MODES[(MODES.indexOf(mode) + 1) % MODES.length]!;
}

/** keep ± 1 within [KEEP_MIN, KEEP_MAX]; landing on the global value drops the override. */
export function stepKeep(keep: number | null, delta: 1 | -1, defaultKeep: number): number | null {
  const next = Math.max(KEEP_MIN, Math.min(KEEP_MAX, (keep ?? defaultKeep) + delta));
  return next === defaultKeep ? null : next;
}

function toggleAll(state: SelectState): SelectState {
  const candidates = state.visible.filter((i) => !state.choices[i]!.excluded);
  const allOn = candidates.length > 0 && candidates.every((i) => state.choices[i]!.selected);
  const choices = state.choices.slice();
  let count = state.selectedCount;
  for (const i of candidates) {
    const c = choices[i]!;
    if (c.selected === !allOn) continue;
    choices[i] = { ...c, selected: !allOn };
    count += allOn ? -1 : 1;
  }
  return { ...state, choices, selectedCount: count };
}

function applyFilter(state: SelectState, text: string): SelectState {
  const compiled = compileFilter(text);
  if (!compiled.ok) return { ...state, filterText: text, filterError: compiled.error };
  if (compiled.selector === state.filter.selector) return { ...state, filterText: text, filterError: null, filter: compiled };
  const visible = matchingIndices(compiled, state.rows.map((r) => r.name), state.byteNames);
  return { ...state, filterText: text, filter: compiled, filterError: null, visible, win: settle({ ...state.win, cursor: 0, offset: 0 }, visible.length) };
}

export function reduce(state: SelectState, action: SelectAction): SelectState {
  switch (action.type) {
    case 'move':
      return { ...state, win: moveCursor(state.win, action.move, state.visible.length) };
    case 'toggle':
      // Space on an excluded VM takes the exclusion off and picks it.
      return withChoice(state, (c) => (c.excluded ? { ...c, selected: true, excluded: false } : { ...c, selected: !c.selected }));
    case 'toggle-all':
      return toggleAll(state);
    case 'cycle-mode':
      return withChoice(state, (c) => ({ ...c, mode: nextMode(c.mode) }));
    case 'keep':
      return withChoice(state, (c) => ({ ...c, keep: stepKeep(c.keep, action.delta, state.defaultKeep) }));
    case 'exclude':
      return withChoice(state, (c) => ({ ...c, excluded: !c.excluded }));
    case 'filter':
      return applyFilter(state, action.text);
    case 'vdi-disks':
      return { ...state, vdiDisks: state.vdiDisks === 'boot' ? 'all' : 'boot' };
    case 'resize':
      return { ...state, win: settle({ ...state.win, pageSize: action.pageSize }, state.visible.length) };
  }
}

/** Chosen VMs the filter hides: "4 selected" must not hide them. */
export function hiddenChosen(state: SelectState): number {
  if (state.visible.length === state.rows.length) return 0;
  let shown = 0;
  for (const i of state.visible) if (isChosen(state.choices[i]!)) shown++;
  return state.selectedCount - shown;
}

/**
 * The same state over a fresh read of the pool's VMs (new backup ages, VMs added or gone):
 * choices follow their VM by uuid, the filter is applied again, the cursor stays on its VM.
 */
export function replaceRows(state: SelectState, rows: readonly VmRow[]): SelectState {
  if (rows === state.rows) return state;
  const before = new Map(state.rows.map((r, i) => [r.uuid, state.choices[i]!]));
  const choices = rows.map((r) => before.get(r.uuid) ?? defaultChoice());
  const names = byteNames(rows.map((r) => r.name));
  const visible = matchingIndices(state.filter, rows.map((r) => r.name), names);
  const cursorUuid = state.rows[cursorRow(state) ?? -1]?.uuid;
  const at = visible.findIndex((i) => rows[i]!.uuid === cursorUuid);
  return {
    ...state,
    rows,
    byteNames: names,
    choices,
    visible,
    selectedCount: choices.filter(isChosen).length,
    win: settle({ ...state.win, cursor: at === -1 ? 0 : at }, visible.length),
  };
}

/**
 * What a saved cfg would hold of this choice, as one string: equal strings, same cfg. The
 * screen compares it with the one of the last save before letting unsaved work go.
 */
export function choiceKey(state: SelectState): string {
  const parts: string[] = [];
  state.choices.forEach((c, i) => {
    const uuid = state.rows[i]!.uuid;
    if (c.excluded) parts.push(`-${uuid}`);
    else if (c.selected) parts.push(`+${uuid}:${c.mode}:${c.keep ?? ''}`);
  });
  if (parts.length > 0 && state.vdiDisks === 'all') parts.push('vdi_disks=all');
  return parts.join(',');
}
