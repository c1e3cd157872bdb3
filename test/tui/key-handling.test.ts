/**
 * Keys as a terminal delivers them, without a terminal: Ink's events split into single keys,
 * the one-line editor, and the select screen's state machine folding a whole chunk, so the
 * keys after `/` land in the filter and a key that leaves sees the ones before it.
 */
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import type { VmRow } from '../../src/tui/contracts.js';
import { type KeyPress, splitKeys } from '../../src/tui/state/key-split.js';
import { caretColumn, editLine, type LineEdit, lineAtEnd, visibleLine } from '../../src/tui/state/line-edit.js';
import { pressKeys, type ScreenContext, type ScreenState, screenState } from '../../src/tui/state/screen.js';
import { choiceKey, initialState, replaceRows } from '../../src/tui/state/selection.js';
import { chosenBytes, modelFromSelection } from '../../src/tui/state/to-model.js';

const GiB = 2 ** 30;
const rowsOf = (names: readonly string[]): VmRow[] =>
  names.map((name, i) => ({ uuid: `uuid-${name}`, name, powerState: 'Running', diskCount: i % 2 ? 3 : 1, diskBytes: (i + 1) * GiB, bootDiskBytes: GiB, lastBackup: null }));
const base = { poolUrl: 'https://pool.example:8443', user: 'root', backupDir: '/srv/backups', statusLog: '/srv/status.log' };
const ctx: ScreenContext = { base, savedChoice: null, resolveDir: (t) => (t.startsWith('/') ? t : `/cwd/${t}`) };

/** What Ink hands the input handler for each chunk (as its parser splits escape sequences off). */
const ink = {
  text: (s: string): [string, object] => [s, {}],
  enter: ['', { return: true }] as [string, object],
  escape: ['', { escape: true, meta: true }] as [string, object],
  // Ink 6.8 reports a lone "\x7f" as delete.
  backspace: ['', { delete: true }] as [string, object],
  left: ['', { leftArrow: true }] as [string, object],
  down: ['', { downArrow: true }] as [string, object],
};

/** Folds Ink events through the screen, as the select screen's handler does. */
function feed(state: ScreenState, ...events: [string, object][]) {
  const effects = [];
  for (const [input, key] of events) {
    const out = pressKeys(state, splitKeys(input, key), ctx);
    state = out.state;
    effects.push(...out.effects);
  }
  return { state, effects };
}

describe('splitKeys', () => {
  it('a run of plain characters is one key each; Enter, DEL, BS and tab inside it are keys too', () => {
    expect(splitKeys('jjj', {})).toEqual([{ input: 'j', key: {} }, { input: 'j', key: {} }, { input: 'j', key: {} }]);
    expect(splitKeys('\x7f\x7f', {})).toEqual([{ input: '', key: { backspace: true } }, { input: '', key: { backspace: true } }]);
    expect(splitKeys('a\rG\b\t', {}).map((k) => k.key)).toEqual([{}, { return: true }, { shift: true }, { backspace: true }, { tab: true }]);
    // ctrl-c in a chunk is still ctrl-c.
    expect(splitKeys('x\x03', {})[1]).toEqual({ input: 'c', key: { ctrl: true } });
    // A wide character or an emoji is one key, not two halves.
    expect(splitKeys('日😀', {}).map((k) => k.input)).toEqual(['日', '😀']);
  });

  it('single keys pass as Ink reported them; Esc run together with a key is Esc and the key', () => {
    expect(splitKeys('', { downArrow: true })).toEqual([{ input: '', key: { downArrow: true } }]);
    expect(splitKeys('j', {})).toEqual([{ input: 'j', key: {} }]);
    expect(splitKeys('\n', {})).toEqual([{ input: '', key: { return: true } }]);
    expect(splitKeys('b', { meta: true })).toEqual([{ input: '', key: { escape: true, meta: true } }, { input: 'b', key: { meta: false } }]);
    expect(splitKeys('', { escape: true, meta: true })).toEqual([{ input: '', key: { escape: true, meta: true } }]);
  });
});

describe('editLine', () => {
  const apply = (edit: LineEdit, ...keys: KeyPress[]) => keys.reduce((e, k) => editLine(e, k) ?? e, edit);
  const text = (s: string): KeyPress[] => splitKeys(s, {});

  it('inserts at the cursor, moves and deletes by graphemes, Backspace as Ink reports it', () => {
    let edit = apply(lineAtEnd(''), ...text('web.*'));
    expect(edit).toEqual({ text: 'web.*', cursor: 5 });
    edit = apply(edit, { input: '', key: { leftArrow: true } }, { input: '', key: { leftArrow: true } }, ...text('[0-9]'));
    expect(edit).toEqual({ text: 'web[0-9].*', cursor: 8 });
    edit = apply(edit, { input: '', key: { delete: true } }, { input: '', key: { backspace: true } });
    expect(edit.text).toBe('web[0-.*');
    edit = apply(edit, { input: '', key: { home: true } }, { input: 'd', key: { ctrl: true } });
    expect(edit).toEqual({ text: 'eb[0-.*', cursor: 0 });
    edit = apply(edit, { input: '', key: { end: true } }, { input: 'u', key: { ctrl: true } });
    expect(edit).toEqual({ text: '', cursor: 0 });
    // An emoji with a skin tone, and e + combining accent, are one step each.
    edit = apply(lineAtEnd('a👍🏽e\u0301'), { input: '', key: { leftArrow: true } });
    expect(edit.cursor).toBe('a👍🏽'.length);
    edit = apply(edit, { input: '', key: { backspace: true } });
    expect(edit).toEqual({ text: 'ae\u0301', cursor: 1 });
  });

  it('a paste keeps its text but not its control characters; Enter and Esc are not edits', () => {
    expect(editLine(lineAtEnd('x'), { input: 'a\x1bb', key: {} })).toEqual({ text: 'xab', cursor: 3 });
    expect(editLine(lineAtEnd('x'), { input: '', key: { return: true } })).toBeNull();
    expect(editLine(lineAtEnd('x'), { input: '', key: { escape: true } })).toBeNull();
  });

  it('puts the caret by terminal columns, and keeps it in view on a long line', () => {
    expect(caretColumn(lineAtEnd('日本('))).toBe(5);
    const long = { text: 'x'.repeat(50) + '日本', cursor: 52 };
    const view = visibleLine(long, 20);
    expect(stringWidth(view.before + view.at + view.after)).toBeLessThanOrEqual(20);
    expect(view.before.endsWith('日本')).toBe(true);
    expect(view.at).toBe(' ');
    expect(view.skipped).toBeGreaterThan(0);
    expect(visibleLine({ text: 'abc', cursor: 1 }, 20)).toEqual({ before: 'a', at: 'b', after: 'c', skipped: 0 });
  });
});

describe('the select screen machine', () => {
  const rows = rowsOf(['web-01', 'web-02', 'web-03', 'db-01', 'db-02']);
  const fresh = () => screenState(initialState(rows, { pageSize: 10 }));

  it('the rest of a chunk after / goes into the filter; Enter in it closes the filter and the rest are list keys', () => {
    let { state } = feed(fresh(), ink.text('/web.*'));
    expect(state.overlay).toMatchObject({ kind: 'filter', edit: { text: 'web.*' } });
    expect(state.select.visible).toHaveLength(3);
    ({ state } = feed(state, ink.text('\x7f'.repeat(5) + 'db.*\rj ')));
    expect(state.overlay.kind).toBe('list');
    expect(state.select.filterText).toBe('db.*');
    expect(state.select.choices.map((c) => c.selected)).toEqual([false, false, false, false, true]);
    // One at a time, with Backspace as Ink reports a lone DEL, the same.
    ({ state } = feed(fresh(), ink.text('/'), ink.text('x'), ink.backspace, ink.text('d'), ink.text('b'), ink.text('.'), ink.enter));
    expect(state.select.filterText).toBe('db.');
    expect(state.overlay.kind).toBe('list');
  });

  it('Enter asks with VMs and bytes; y runs the model of the keys before it; anything but y/n/esc/q waits', () => {
    // web-02 has 3 disks (2 GiB in all, 1 GiB boot): as VDI raw it counts its boot disk only.
    let { state, effects } = feed(fresh(), ink.text(' j m\r'));
    expect(state.overlay).toMatchObject({ kind: 'confirm-run', vms: 2, bytes: 2 * GiB, hidden: 0 });
    expect(effects).toEqual([]);
    ({ state, effects } = feed(state, ink.text('jx'), ink.enter));
    expect(effects).toEqual([]);
    expect(state.overlay.kind).toBe('confirm-run');
    ({ state, effects } = feed(state, ink.text('y')));
    expect(effects).toHaveLength(1);
    const run = effects[0]!;
    expect(run.type).toBe('run');
    if (run.type === 'run') expect(run.model.selections.map((s) => [s.action, s.selector])).toEqual([
      ['vdi-export', { kind: 'name', name: 'web-02' }],
      ['vm-export', { kind: 'name', name: 'web-01' }],
    ]);
    // n goes back without running; keys after a leaving key are not for this screen.
    expect(feed(fresh(), ink.text(' \rn')).effects).toEqual([]);
    const left = feed(fresh(), ink.text(' s jjj'));
    expect(left.effects.map((e) => e.type)).toEqual(['save']);
    expect(left.state.select.win.cursor).toBe(0);
  });

  it('q asks only when the selection differs from the one last saved', () => {
    expect(feed(fresh(), ink.text('q')).effects).toEqual([{ type: 'quit' }]);
    const asked = feed(fresh(), ink.text(' q'));
    expect(asked.effects).toEqual([]);
    expect(asked.state.overlay.kind).toBe('confirm-quit');
    expect(feed(asked.state, ink.escape).state.overlay.kind).toBe('list');
    expect(feed(asked.state, ink.text('y')).effects).toEqual([{ type: 'quit' }]);
    const picked = feed(fresh(), ink.text(' ')).state;
    const saved = { ...ctx, savedChoice: choiceKey(picked.select) };
    expect(pressKeys(picked, splitKeys('q', {}), saved).effects).toEqual([{ type: 'quit' }]);
    // One more change after the save: asks again.
    expect(pressKeys(picked, splitKeys('mq', {}), saved).effects).toEqual([]);
  });

  it('b edits backup_dir: resolved on Enter, seen by a run later in the same chunk; esc keeps the old one', () => {
    const { state, effects } = feed(fresh(), ink.text('b\x15nas/vm\r \ry'));
    expect(effects.map((e) => e.type)).toEqual(['backup-dir', 'run']);
    expect(effects[0]).toEqual({ type: 'backup-dir', dir: '/cwd/nas/vm' });
    const run = effects[1]!;
    if (run.type === 'run') expect(run.model.settings.backupDir).toBe('/cwd/nas/vm');
    expect(state.overlay.kind).toBe('list');
    expect(feed(fresh(), ink.text('b/x'), ink.escape).effects).toEqual([]);
    expect(feed(fresh(), ink.text('b\x15 \r')).state.message).toMatch(/backup_dir cannot be empty/);
  });

  it('? shows the help; the next key only closes it', () => {
    const { state } = feed(fresh(), ink.text('?'));
    expect(state.overlay.kind).toBe('help');
    const after = feed(state, ink.text(' ')).state;
    expect(after.overlay.kind).toBe('list');
    expect(after.select.selectedCount).toBe(0);
  });
});

describe('choices over new rows, sizes and vdi_disks', () => {
  const rows = rowsOf(['a', 'b', 'c']);

  it('replaceRows keeps choices by VM, applies the filter again and keeps the cursor on its VM', () => {
    let state = feed(screenState(initialState(rows)), ink.text('j xj /[bc]d?\rj')).state.select;
    expect(state.visible).toHaveLength(2);
    const newer = [rows[2]!, { ...rows[0]!, lastBackup: new Date() }, rowsOf(['bd'])[0]!, rows[1]!];
    state = replaceRows(state, newer);
    expect(state.rows).toBe(newer);
    expect(state.choices.map((c) => [c.selected, c.excluded])).toEqual([[true, false], [false, false], [false, false], [true, true]]);
    expect(state.visible.map((i) => newer[i]!.name)).toEqual(['c', 'bd', 'b']);
    expect(newer[state.visible[state.win.cursor]!]!.name).toBe('c');
    expect(state.selectedCount).toBe(1);
  });

  it('D takes every disk: the model carries vdi_disks=all only when a VDI VM is chosen, and the bytes follow', () => {
    let state = feed(screenState(initialState(rows)), ink.text('j m')).state.select;
    expect(chosenBytes(state)).toBe(GiB);
    state = feed(screenState(state), ink.text('D')).state.select;
    expect(state.vdiDisks).toBe('all');
    expect(chosenBytes(state)).toBe(2 * GiB);
    const model = modelFromSelection(state, base);
    expect(model.ok && model.model.directives.vdiDisks).toBe('all');
    const xvaOnly = feed(screenState(state), ink.text('m m')).state.select;
    const plain = modelFromSelection(xvaOnly, base);
    expect(plain.ok && 'vdiDisks' in plain.model.directives).toBe(false);
    // Back to the boot disk: nothing written, the default.
    const boot = modelFromSelection(feed(screenState(state), ink.text('D')).state.select, base);
    expect(boot.ok && 'vdiDisks' in boot.model.directives).toBe(false);
  });
});
