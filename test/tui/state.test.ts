/**
 * The select screen's pure state: the filter reads text as a cfg selector does, the keys change
 * choices within bounds, the window stays right on 10,000 rows, and the model it makes, written
 * and read back, resolves to the VMs that were chosen.
 */
import { describe, expect, it } from 'vitest';
import { formatConfig, parseConfig } from '../../src/config/index.js';
import { resolveScope, type VmCandidate } from '../../src/selection/index.js';
import type { VmRow } from '../../src/tui/contracts.js';
import { compileFilter } from '../../src/tui/state/filter.js';
import { commandForKey } from '../../src/tui/state/keys.js';
import { initialState, isChosen, KEEP_MAX, reduce, type SelectAction, type SelectState } from '../../src/tui/state/selection.js';
import { filterStandsForChoice, modelFromSelection } from '../../src/tui/state/to-model.js';
import { moveCursor, settle } from '../../src/tui/state/window.js';

const NAMES = ['web 01', 'web 02', 'web-03', 'db.example.com', 'mail.example.com:25', 'café', 'cafe', 'PROD-eu-web1', 'PROD-us-db', 'dev_box', 'web\n', 'Web 04', 'x=y'];

const rowsOf = (names: readonly string[]): VmRow[] =>
  names.map((name, i) => ({ uuid: `uuid-${i}`, name, powerState: i % 2 ? 'Halted' : 'Running', diskCount: 1, diskBytes: 2 ** 30, lastBackup: null }));
const candidates = (rows: readonly VmRow[]): VmCandidate[] => rows.map((r) => ({ name: r.name, uuid: r.uuid }));
const base = { poolUrl: 'https://pool.example:8443', user: 'root', backupDir: '/srv/backups', statusLog: '/srv/status.log' };

const run = (state: SelectState, ...actions: SelectAction[]) => actions.reduce(reduce, state);

/** What a cfg line `vm-export=TEXT` selects, through the parser and the resolver. */
function cfgSelects(text: string, rows: readonly VmRow[]): Set<string> | 'error' {
  const parsed = parseConfig(`vm-export=${text}\n`, { file: 't.cfg' });
  if (parsed.errors.length > 0) return 'error';
  const scope = resolveScope(parsed.model, candidates(rows), { file: 't.cfg' });
  return new Set(scope.vmExport.map((e) => e.vm.uuid!));
}

describe('filter', () => {
  const rows = rowsOf(NAMES);
  const patterns = ['web', 'web 01', 'web.*', 'Web', '(?i)web', 'PROD-.*web[0-9]$', 'caf.', 'caf\\xc3', 'caf..$', 'web$', '.*\\.com', 'd', 'd.*', '[a-z]+_', 'web\\s0', '', '.*', 'x\\x3dy'];
  for (const p of patterns) {
    it(`"${p}" shows the VMs that vm-export=${p} selects`, () => {
      const state = run(initialState(rows), { type: 'filter', text: p });
      expect(state.filterError).toBeNull();
      const shown = new Set(state.visible.map((i) => rows[i]!.uuid));
      expect(shown).toEqual(cfgSelects(p, rows));
    });
  }

  it('an invalid pattern is an error with its column, and the list keeps the last good filter', () => {
    let state = run(initialState(rows), { type: 'filter', text: 'web.*' });
    const before = state.visible;
    state = run(state, { type: 'filter', text: 'web.*(' });
    expect(state.filterError).toMatchObject({ column: 6 });
    expect(state.visible).toBe(before);
    expect(cfgSelects('web.*(', rows)).toBe('error');
    // Leading spaces are stripped as the cfg reader strips them; the column is still in the typed text.
    expect(compileFilter('  a[')).toMatchObject({ ok: false, error: { column: 4 } });
    for (const bad of ['(?P<x', '*', 'a{2,1}', '(a*)*', '\\', '(?(1)a|b)', '[', '(?u)x']) {
      const f = compileFilter(bad);
      expect(f.ok, bad).toBe(false);
      if (!f.ok) expect(f.error.column).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('choices', () => {
  const rows = rowsOf(NAMES);
  it('m cycles XVA → VDI raw → VDI vhd → delta → XVA on the cursor row only', () => {
    const modes = [];
    let state = initialState(rows);
    for (let i = 0; i < 5; i++) {
      modes.push(state.choices[0]!.mode);
      state = run(state, { type: 'cycle-mode' });
    }
    expect(modes).toEqual(['xva', 'vdi-raw', 'vdi-vhd', 'delta', 'xva']);
    expect(state.choices[1]!.mode).toBe('xva');
  });

  it('keep N stays within 1..KEEP_MAX, and landing on max_backups drops the override', () => {
    let state = initialState(rows, { defaultKeep: 2 });
    state = run(state, { type: 'keep', delta: -1 }, { type: 'keep', delta: -1 }, { type: 'keep', delta: -1 });
    expect(state.choices[0]!.keep).toBe(1);
    state = run(state, { type: 'keep', delta: 1 });
    expect(state.choices[0]!.keep).toBeNull();
    for (let i = 0; i < KEEP_MAX + 5; i++) state = reduce(state, { type: 'keep', delta: 1 });
    expect(state.choices[0]!.keep).toBe(KEEP_MAX);
  });

  it('space, a and x keep the selected count right; an excluded VM is never chosen, and x again gives its pick back', () => {
    let state = run(initialState(rows), { type: 'filter', text: 'web.*' });
    state = run(state, { type: 'toggle-all' });
    expect(state.selectedCount).toBe(state.visible.length);
    state = run(state, { type: 'exclude' });
    expect(state.choices[state.visible[0]!]).toMatchObject({ excluded: true });
    expect(isChosen(state.choices[state.visible[0]!]!)).toBe(false);
    expect(state.selectedCount).toBe(state.visible.length - 1);
    // x again: the pick it had comes back.
    expect(run(state, { type: 'exclude' }).choices[state.visible[0]!]).toMatchObject({ selected: true, excluded: false });
    expect(run(state, { type: 'exclude' }).selectedCount).toBe(state.visible.length);
    state = run(state, { type: 'toggle-all' });
    expect(state.selectedCount).toBe(0);
    expect(state.choices.filter((c) => c.excluded)).toHaveLength(1);
    state = run(state, { type: 'toggle' });
    expect(state.choices[state.visible[0]!]).toMatchObject({ selected: true, excluded: false });
    expect(state.selectedCount).toBe(1);
    // An excluded VM that was never picked stays unpicked when x is pressed again.
    const plain = run(initialState(rows), { type: 'exclude' }, { type: 'exclude' });
    expect(plain.choices[0]).toMatchObject({ selected: false, excluded: false });
    expect(plain.selectedCount).toBe(0);
  });

  it('maps keys to commands', () => {
    expect(commandForKey('j', {})).toEqual({ type: 'move', move: 'down' });
    expect(commandForKey('', { pageDown: true })).toEqual({ type: 'move', move: 'page-down' });
    expect(commandForKey('+', {})).toEqual({ type: 'keep', delta: 1 });
    expect(commandForKey('', { return: true })).toEqual({ type: 'run' });
    expect(commandForKey('z', {})).toBeNull();
    expect(commandForKey('D', { shift: true })).toEqual({ type: 'vdi-disks' });
    expect(commandForKey('b', {})).toEqual({ type: 'backup-dir' });
    // ctrl-k is not k.
    expect(commandForKey('k', { ctrl: true })).toBeNull();
  });
});

describe('window', () => {
  it('keeps the cursor in view on 10,000 rows', () => {
    const count = 10_000;
    let win = settle({ cursor: 0, offset: 0, pageSize: 15 }, count);
    win = moveCursor(win, 'end', count);
    expect(win).toEqual({ cursor: 9_999, offset: 9_985, pageSize: 15 });
    win = moveCursor(win, 'page-up', count);
    expect(win.cursor).toBe(9_984);
    expect(win.cursor).toBeGreaterThanOrEqual(win.offset);
    win = moveCursor(win, 'home', count);
    expect(win).toEqual({ cursor: 0, offset: 0, pageSize: 15 });
    for (let i = 0; i < 20; i++) win = moveCursor(win, 'down', count);
    expect(win).toEqual({ cursor: 20, offset: 6, pageSize: 15 });
    win = moveCursor(win, 'up', count);
    expect(win.offset).toBe(6);
    expect(settle({ cursor: 50, offset: 40, pageSize: 15 }, 10)).toEqual({ cursor: 9, offset: 0, pageSize: 15 });
    expect(settle({ cursor: 5, offset: 3, pageSize: 15 }, 0)).toEqual({ cursor: 0, offset: 0, pageSize: 15 });
  });
});

describe('modelFromSelection', () => {
  const rows = rowsOf(NAMES);
  /** The scope of a model after writing and reading it back. */
  function roundTrip(model: Parameters<typeof formatConfig>[0]) {
    const text = formatConfig(model);
    const parsed = parseConfig(text, { file: 'saved.cfg' });
    expect(parsed.errors).toEqual([]);
    const scope = resolveScope(parsed.model, candidates(rows), { file: 'saved.cfg' });
    return { parsed, scope, text };
  }
  const pick = (state: SelectState, name: string, ...actions: SelectAction[]) => {
    const at = state.visible.indexOf(rows.findIndex((r) => r.name === name));
    return run({ ...state, win: { ...state.win, cursor: at } }, ...actions);
  };

  it('names: modes, :N and excludes survive format → parse → resolve', () => {
    let state = initialState(rows, { defaultKeep: 3 });
    state = pick(state, 'web 01', { type: 'toggle' }, { type: 'keep', delta: 1 }, { type: 'keep', delta: 1 });
    state = pick(state, 'mail.example.com:25', { type: 'toggle' }, { type: 'cycle-mode' }, { type: 'cycle-mode' });
    state = pick(state, 'café', { type: 'toggle' }, { type: 'cycle-mode' }, { type: 'cycle-mode' });
    state = pick(state, 'web\n', { type: 'toggle' });
    state = pick(state, 'cafe', { type: 'exclude' });
    const result = modelFromSelection(state, { ...base, maxBackups: 3 });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { parsed, scope } = roundTrip(result.model);
    expect(parsed.model.settings).toMatchObject({ vdiExportFormat: 'vhd', maxBackups: 3, backupDir: '/srv/backups' });
    expect(parsed.model.directives).toMatchObject({ pool: 'https://pool.example:8443', user: 'root' });
    expect(scope.vmExport.map((e) => [e.vm.name, e.maxBackups])).toEqual([['web 01', 5], ['web\n', undefined]]);
    expect(scope.vdiExport.map((e) => e.vm.name).sort()).toEqual(['café', 'mail.example.com:25']);
    expect(scope.exclude.map((e) => e.vm.name)).toEqual(['cafe']);
  });

  it('refuses a mix of VDI raw and VDI vhd, naming the VMs', () => {
    let state = initialState(rows);
    state = pick(state, 'web 01', { type: 'toggle' }, { type: 'cycle-mode' });
    state = pick(state, 'web 02', { type: 'toggle' }, { type: 'cycle-mode' }, { type: 'cycle-mode' });
    const result = modelFromSelection(state, base);
    expect(result).toMatchObject({ ok: false });
    if (!result.ok) expect(result.message).toMatch(/VDI raw \(web 01\) and VDI vhd \(web 02\)/);
    expect(modelFromSelection(initialState(rows), base)).toMatchObject({ ok: false, message: expect.stringMatching(/No VM is selected/) });
  });

  it('filter: saved as the regex only when the choice is exactly what the filter shows', () => {
    let state = run(initialState(rows, { defaultKeep: 4 }), { type: 'filter', text: 'web.*' });
    expect(filterStandsForChoice(state)).toBe(false);
    state = run(state, { type: 'toggle-all' });
    expect(filterStandsForChoice(state)).toBe(true);
    state = pick(state, 'web 02', { type: 'exclude' });
    state = pick(state, 'web-03', { type: 'cycle-mode' });
    state = pick(state, 'web 01', { type: 'keep', delta: -1 });
    expect(filterStandsForChoice(state)).toBe(true);
    const result = modelFromSelection(state, base, 'filter');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.model.selections[0]).toEqual({ action: 'vm-export', selector: { kind: 'pattern', pattern: 'web.*' } });
    const { scope } = roundTrip(result.model);
    expect(scope.vmExport.map((e) => [e.vm.name, e.maxBackups])).toEqual([['web 01', 3], ['web\n', undefined]]);
    expect(scope.vdiExport.map((e) => e.vm.name)).toEqual(['web-03']);
    // The same choice saved as names resolves to the same VMs today.
    const names = modelFromSelection(state, base, 'names');
    if (!names.ok) throw new Error(names.message);
    const byNames = roundTrip(names.model).scope;
    expect(byNames.vmExport.map((e) => e.vm.uuid)).toEqual(scope.vmExport.map((e) => e.vm.uuid));
    expect(byNames.vdiExport.map((e) => e.vm.uuid)).toEqual(scope.vdiExport.map((e) => e.vm.uuid));

    // One more VM chosen outside the filter, or one shown left out: names only.
    expect(filterStandsForChoice(pick(state, 'web 01', { type: 'toggle' }))).toBe(false);
    const all = run(state, { type: 'filter', text: '' });
    expect(filterStandsForChoice(pick(all, 'dev_box', { type: 'toggle' }))).toBe(false);
    // A single exact name is not a filter worth saving; ":" cannot be written in a vm-export pattern.
    expect(filterStandsForChoice(run(initialState(rows), { type: 'filter', text: 'dev_box' }, { type: 'toggle-all' }))).toBe(false);
    expect(filterStandsForChoice(run(initialState(rows), { type: 'filter', text: 'mail.*:25' }, { type: 'toggle-all' }))).toBe(false);
  });

  it('an all-VDI filter choice is one vdi-export line; the empty filter is written .*', () => {
    let state = run(initialState(rows), { type: 'toggle-all' });
    for (let i = 0; i < rows.length; i++) state = run({ ...state, win: { ...state.win, cursor: i } }, { type: 'cycle-mode' });
    const result = modelFromSelection(state, base, 'filter');
    if (!result.ok) throw new Error(result.message);
    expect(result.model.selections).toEqual([{ action: 'vdi-export', selector: { kind: 'pattern', pattern: '.*' } }]);
    expect(roundTrip(result.model).scope.vdiExport).toHaveLength(rows.length);
  });
});
