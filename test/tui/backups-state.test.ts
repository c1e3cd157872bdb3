/**
 * The Backups screen's pure parts: the list over the catalog (cursor only on backups, the
 * window, the filter), the restore form (fields per kind, what the request holds), the progress
 * fold of restore events, and the line formats (local date, UNFINISHED, verification).
 */
import { describe, expect, it } from 'vitest';
import { backupLine, kindText, localDate, verificationText } from '../../src/tui/components/backup-columns.js';
import { backupsListState, countsText, cursorBackup, pressBackupsList } from '../../src/tui/state/backups-list.js';
import type { KeyPress } from '../../src/tui/state/key-split.js';
import { focused, picked, pressForm, requestOf, restoreForm } from '../../src/tui/state/restore-form.js';
import { RestoreTracker } from '../../src/tui/state/restore-progress.js';
import { backup, catalog, GiB, plan, result, SRS } from './backups-data.js';

const k = (input: string, key: KeyPress['key'] = {}): KeyPress => ({ input, key });
const DOWN = k('', { downArrow: true });
const UP = k('', { upArrow: true });
const ENTER = k('', { return: true });
const ESC = k('', { escape: true, meta: true });

function keys<S>(start: S, fold: (s: S, p: KeyPress) => { state?: S; form?: S }, ...presses: KeyPress[]): S {
  return presses.reduce((s, p) => {
    const r = fold(s, p);
    return (r.state ?? r.form)!;
  }, start);
}

describe('the backups list', () => {
  it('rests only on backups, newest first under each VM, and enter picks the one under the cursor', () => {
    const s0 = backupsListState(catalog(), 10);
    expect(s0.lines.map((l) => (l.kind === 'vm' ? `vm ${l.vm.name}` : `  ${l.backup.status}`))).toEqual(['vm db', '  success', 'vm web-01', '  unfinished', '  success']);
    expect(s0.win.cursor).toBe(1);
    const s1 = keys(s0, pressBackupsList, DOWN);
    // The VM line is skipped.
    expect(s1.win.cursor).toBe(3);
    expect(cursorBackup(s1)?.backup.status).toBe('unfinished');
    const s2 = keys(s1, pressBackupsList, DOWN, DOWN, DOWN);
    expect(s2.win.cursor).toBe(4);
    expect(keys(s2, pressBackupsList, UP, UP).win.cursor).toBe(1);
    const picked = pressBackupsList(s2, ENTER).effect;
    expect(picked).toMatchObject({ type: 'pick', vm: { name: 'web-01' }, backup: { date: new Date(2026, 4, 6, 14, 45, 18) } });
    expect(pressBackupsList(s2, ESC).effect).toEqual({ type: 'back' });
    expect(countsText(s0)).toBe('2 VMs, 3 backups (1 unfinished)');
  });

  it('windows 500 backups: End, PgUp and Home keep the cursor in view on a backup line', () => {
    const s0 = backupsListState(catalog(500), 18);
    expect(s0.lines.length).toBe(3 + 503);
    const end = keys(s0, pressBackupsList, k('G'));
    expect(end.win.cursor).toBe(end.lines.length - 1);
    expect(end.win.offset).toBe(end.lines.length - 18);
    const up = keys(end, pressBackupsList, k('', { pageUp: true }));
    expect(up.lines[up.win.cursor]!.kind).toBe('backup');
    expect(up.win.cursor).toBeGreaterThanOrEqual(up.win.offset);
    expect(up.win.cursor).toBeLessThan(up.win.offset + 18);
    const home = keys(up, pressBackupsList, k('g'));
    expect([home.win.cursor, home.win.offset]).toEqual([1, 0]);
  });

  it('/ narrows the VMs by a part of the name; esc clears it, enter keeps it', () => {
    const s0 = backupsListState(catalog(3), 10);
    const typed = keys(s0, pressBackupsList, k('/'), k('W'), k('e'));
    expect(typed.lines.filter((l) => l.kind === 'vm').map((l) => l.vm.name)).toEqual(['web-01']);
    expect(typed.win.cursor).toBe(1);
    const kept = keys(typed, pressBackupsList, ENTER);
    expect([kept.editing, kept.filter, countsText(kept)]).toEqual([null, 'We', '1 of 3 VMs, 2 backups (1 unfinished)']);
    const cleared = keys(typed, pressBackupsList, ESC);
    expect([cleared.filter, cleared.lines.length]).toEqual(['', s0.lines.length]);
    const none = keys(s0, pressBackupsList, k('/'), k('z'), ENTER);
    expect([none.lines.length, cursorBackup(none)]).toEqual([0, null]);
    expect(pressBackupsList(none, ENTER).effect).toBeUndefined();
  });
});

describe('a backup’s line', () => {
  it('local date, kind, size and on-disk size, UNFINISHED, verification', () => {
    const b = backup('web-01', new Date(2026, 4, 7, 14, 45, 18), { status: 'unfinished', bytes: 10 * GiB, diskBytes: 3 * GiB });
    const line = backupLine(b, 80, false);
    expect(line).toMatch(/^ {3}2026-05-07 14:45:18  XVA zst  10\.0 GiB  3\.0 GiB UNFINISHED not verified$/);
    expect(line.length).toBeLessThanOrEqual(79);
    expect(kindText({ format: 'vhd', mode: 'vdi-export' })).toBe('VDI vhd');
    expect(verificationText({ verification: { at: '2026-05-03T10:00:00+02:00', result: 'failed', detail: 'chunk 3' } }).text).toMatch(/^FAILED 2026-05-0\d$/);
    expect(localDate(new Date(2026, 0, 2, 3, 4, 5))).toBe('2026-01-02 03:04:05');
  });
});

describe('the restore form', () => {
  it('an XVA: SR, name, MACs, start; only what changed from the plan goes into the request', () => {
    const f0 = restoreForm('/srv/b/web-01/x', plan(), SRS, []);
    expect(f0.fields).toEqual(['sr', 'name', 'macs', 'start', 'continue']);
    expect(focused(f0)).toBe('continue');
    const submit = pressForm(f0, ENTER);
    expect(submit.effect).toEqual({ type: 'submit', request: { path: '/srv/b/web-01/x', sr: 'sr-1', preserve: false, start: false, yes: false } });
    // Up twice to MACs: space toggles preserve; up to the name: typing edits it.
    const f1 = keys(f0, pressForm, UP, UP, k(' '), UP, k('', { backspace: true }), k('!'), DOWN, DOWN, k('', { rightArrow: true }));
    expect([f1.preserve, f1.start, f1.name.text]).toEqual([true, true, 'web-01 (restored 2026-05-06 14:45:18!']);
    expect(requestOf(f1)).toEqual({ path: '/srv/b/web-01/x', sr: 'sr-1', name: 'web-01 (restored 2026-05-06 14:45:18!', preserve: true, start: true, yes: false });
    // Enter on the SR opens its menu; a pick sets it and closes it; esc in a menu only closes it.
    const atSr = keys(f0, pressForm, k('', { home: true }), DOWN);
    expect(focused(atSr)).toBe('sr');
    const menu = pressForm(atSr, ENTER).form;
    expect(menu.picking).toBe('sr');
    expect(pressForm(menu, ESC)).toEqual({ form: { ...menu, picking: null } });
    expect(requestOf(picked(menu, 1)).sr).toBe('sr-2');
    expect(pressForm(atSr, ESC).effect).toEqual({ type: 'back' });
  });

  it('a raw disk: attach to a VM or none; an emptied name is refused', () => {
    const vms = [{ uuid: 'vm-a', name: 'app', powerState: 'Running' }];
    const f0 = restoreForm('/p', plan({ kind: 'vdi', name: 'db disk (restored)' }), SRS, vms);
    expect(f0.fields).toEqual(['sr', 'name', 'attach', 'continue']);
    expect(requestOf(f0).attachTo).toBeUndefined();
    const attached = keys(f0, pressForm, UP, k(' '));
    expect(requestOf(attached)).toEqual({ path: '/p', sr: 'sr-1', preserve: false, start: false, yes: false, attachTo: 'vm-a' });
    expect(requestOf(keys(attached, pressForm, k(' '))).attachTo).toBeUndefined();
    const emptied = keys(f0, pressForm, UP, UP, k('u', { ctrl: true }), DOWN, DOWN);
    const refused = pressForm(emptied, ENTER);
    expect(refused.effect).toBeUndefined();
    expect([refused.form.message, focused(refused.form)]).toEqual(['The name cannot be empty.', 'name']);
  });
});

describe('restore progress', () => {
  it('folds phases, bytes, task progress, log and warnings; the result makes it whole', () => {
    const t = new RestoreTracker();
    t.apply({ type: 'phase', vm: 'x', phase: 'import' });
    t.apply({ type: 'bytes', vm: 'x', done: GiB, estimate: 4 * GiB, rate: 100e6 });
    t.apply({ type: 'task-progress', vm: 'x', progress: 0.2 });
    t.apply({ type: 'warning', vm: 'x', message: 'network DMZ was created' });
    const v = t.view();
    expect([v.phase, v.fraction, v.task, v.warnings, v.log]).toEqual(['import', 0.25, 0.2, ['network DMZ was created'], ['warning: network DMZ was created']]);
    expect(v.etaSeconds).toBeCloseTo((3 * GiB) / 100e6);
    const before = t.version;
    t.apply({ type: 'restore-done', result: result() });
    expect(t.version).toBe(before + 1);
    expect([t.view().fraction, t.view().etaSeconds]).toEqual([1, null]);
  });
});
