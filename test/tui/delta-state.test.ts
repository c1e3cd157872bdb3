/**
 * The list's delta mode as a cfg, without a terminal: names and filter shapes, the same scope
 * through the writer, the parser and the resolver, and back into choices (choicesFromModel).
 */
import { describe, expect, it } from 'vitest';
import { formatConfig, parseConfig } from '../../src/config/index.js';
import { resolveScope } from '../../src/selection/index.js';
import type { VmRow } from '../../src/tui/contracts.js';
import { choicesFromModel } from '../../src/tui/state/from-model.js';
import { choiceKey, initialState, reduce, type SelectAction, type SelectState } from '../../src/tui/state/selection.js';
import { chosenBytes, modelFromSelection } from '../../src/tui/state/to-model.js';

const NAMES = ['web-01', 'web-02', 'web.example.com', 'db-01', 'x=y'];
const rows: VmRow[] = NAMES.map((name, i) => ({ uuid: `uuid-${i}`, name, powerState: 'Running', diskCount: 2, diskBytes: 10 * 2 ** 30, bootDiskBytes: 2 ** 30, lastBackup: null }));
const base = { poolUrl: 'https://pool.example', user: 'root', backupDir: '/srv/b', statusLog: '/srv/s.log' };
const run = (state: SelectState, ...actions: SelectAction[]) => actions.reduce(reduce, state);
const at = (state: SelectState, name: string, ...actions: SelectAction[]) => run({ ...state, win: { ...state.win, cursor: state.visible.indexOf(NAMES.indexOf(name)) } }, ...actions);
const toDelta: SelectAction[] = [{ type: 'cycle-mode' }, { type: 'cycle-mode' }, { type: 'cycle-mode' }];

function roundTrip(state: SelectState, shape: 'names' | 'filter') {
  const result = modelFromSelection(state, base, shape);
  if (!result.ok) throw new Error(result.message);
  const text = formatConfig(result.model);
  const parsed = parseConfig(text, { file: 'tui.cfg' });
  expect(parsed.errors).toEqual([]);
  const scope = resolveScope(parsed.model, rows.map((r) => ({ name: r.name, uuid: r.uuid })), { file: 'tui.cfg' });
  return { text, model: parsed.model, scope };
}

describe('delta rows as a cfg', () => {
  it('names: a vm-export= line per VM and a delta= line per delta VM; VDI rows stay vdi-export', () => {
    let state = run(initialState(rows), { type: 'toggle-all' });
    state = at(state, 'web.example.com', ...toDelta);
    state = at(state, 'x=y', ...toDelta, { type: 'keep', delta: 1 });
    state = at(state, 'db-01', { type: 'cycle-mode' });
    const { text, scope } = roundTrip(state, 'names');
    expect(text).toContain('#vmbackup: delta=web\\.example\\.com$\n#vmbackup: delta=x\\x3dy$\n');
    expect(scope.warnings).toEqual([]);
    expect(scope.vdiExport.map((e) => e.vm.name)).toEqual(['db-01']);
    expect(scope.vmExport.map((e) => [e.vm.name, e.delta ?? false, e.maxBackups])).toEqual([
      ['web-01', false, undefined],
      ['web-02', false, undefined],
      ['web.example.com', true, undefined],
      ['x=y', true, 5],
    ]);
    // A delta VM may take a full: its estimate counts every disk, as XVA does.
    expect(chosenBytes(state)).toBe(4 * 10 * 2 ** 30 + 2 ** 30);
  });

  it('filter: when every vm-export VM the filter shows is delta, delta= is the filter itself', () => {
    let state = run(initialState(rows), { type: 'filter', text: 'web-.*' }, { type: 'toggle-all' });
    state = at(state, 'web-01', ...toDelta);
    state = at(state, 'web-02', ...toDelta);
    const { model, scope } = roundTrip(state, 'filter');
    expect(model.directives.delta?.map((d) => d.selector)).toEqual([{ kind: 'pattern', pattern: 'web-.*' }]);
    expect(model.selections.map((s) => s.action)).toEqual(['vm-export']);
    expect(scope.vmExport.map((e) => [e.vm.name, e.delta])).toEqual([['web-01', true], ['web-02', true]]);
    // One XVA among them: delta= lines by name.
    const mixed = roundTrip(at(state, 'web-02', { type: 'cycle-mode' }), 'filter');
    expect(mixed.model.directives.delta?.map((d) => d.selector)).toEqual([{ kind: 'name', name: 'web-01' }]);
    expect(mixed.scope.vmExport.map((e) => [e.vm.name, e.delta ?? false])).toEqual([['web-01', true], ['web-02', false]]);
  });

  it('a delta= kept in the base never leaks into the saved cfg: the list decides', () => {
    const state = run(initialState(rows), { type: 'toggle' });
    const result = modelFromSelection(state, { ...base, directives: { delta: [{ selector: { kind: 'pattern', pattern: '.*' } }], fullEvery: 3 } });
    if (!result.ok) throw new Error(result.message);
    expect(result.model.directives.delta).toBeUndefined();
    expect(result.model.directives.fullEvery).toBe(3);
  });

  it('read back: the same choices, so the same choiceKey', () => {
    let state = run(initialState(rows, { defaultKeep: 4 }), { type: 'toggle-all' });
    state = at(state, 'web-02', ...toDelta, { type: 'keep', delta: -1 });
    state = at(state, 'db-01', { type: 'exclude' });
    state = at(state, 'web-01', { type: 'cycle-mode' }, { type: 'cycle-mode' });
    const { model } = roundTrip(state, 'names');
    const back = choicesFromModel(model, rows, 'tui.cfg');
    expect(back.issues).toEqual([]);
    expect(choiceKey(initialState(rows, { choices: back.choices, defaultKeep: back.defaultKeep }))).toBe(choiceKey(state));
    expect(back.choices.map((c) => c.mode)).toEqual(['vdi-vhd', 'delta', 'xva', 'xva', 'xva']);
  });

  it('read back: a delta= naming an excluded VM shows the VM excluded, and the warning comes with it', () => {
    const parsed = parseConfig('vm-export=.*\nexclude=db-01\n#vmbackup: delta=db-01\n#vmbackup: delta=web-.*\n', { file: 'hand.cfg' });
    const back = choicesFromModel(parsed.model, rows, 'hand.cfg');
    expect(back.choices.map((c) => (c.excluded ? 'excluded' : c.mode))).toEqual(['delta', 'delta', 'xva', 'excluded', 'xva']);
    expect(back.issues.map((i) => [i.line, i.message])).toEqual([[3, expect.stringMatching(/delta=db-01 matches db-01 \(excluded on line 2\)/)]]);
  });
});
