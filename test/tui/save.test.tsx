/**
 * The save screen: what it writes is read back by the cfg parser to the same VMs, modes, :N,
 * excludes and directives; an existing file is replaced only after a yes; the filter is offered
 * when it stands for the choice.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { resolveScope } from '../../src/selection/index.js';
import type { VmRow } from '../../src/tui/contracts.js';
import { headlessCommands, SaveScreen } from '../../src/tui/screens/save.js';
import { initialState, reduce, type SelectAction } from '../../src/tui/state/selection.js';
import { modelFromSelection } from '../../src/tui/state/to-model.js';

const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));
const DOWN = '\u001b[B';
const ENTER = '\r';
async function press(stdin: { write(s: string): void }, ...keys: string[]) {
  for (const k of keys) {
    stdin.write(k);
    await tick();
  }
}
/** Until the frame shows `text` (writes are async file I/O). */
async function until(frame: () => string, text: string) {
  for (let i = 0; i < 100 && !frame().includes(text); i++) await tick();
  expect(frame()).toContain(text);
}

const names = ['web 01', 'web 02', 'db.example.com', 'mail:25', 'café', 'other'];
const rows: VmRow[] = names.map((name, i) => ({ uuid: `u${i}`, name, powerState: 'Running', diskCount: 1, diskBytes: 1, lastBackup: null }));
const base = { poolUrl: 'https://pool.example:8443', user: 'backup', backupDir: '/srv/backups', statusLog: '/srv/status.log', maxBackups: 5 };

function chosen() {
  const at = (name: string, ...actions: SelectAction[]) => (s: ReturnType<typeof initialState>) =>
    actions.reduce(reduce, { ...s, win: { ...s.win, cursor: s.visible.indexOf(names.indexOf(name)) } });
  let s = reduce(initialState(rows, { defaultKeep: 5 }), { type: 'filter', text: '(web|db|mail|caf)' });
  s = reduce(s, { type: 'toggle-all' });
  s = at('web 02', { type: 'exclude' })(s);
  s = at('db.example.com', { type: 'cycle-mode' }, { type: 'cycle-mode' }, { type: 'keep', delta: 1 })(s);
  s = at('mail:25', { type: 'cycle-mode' }, { type: 'cycle-mode' })(s);
  s = at('web 01', { type: 'keep', delta: -1 })(s);
  return s;
}

let app: ReturnType<typeof render> | null = null;
afterEach(() => app?.unmount());

function scopeOf(text: string) {
  const parsed = parseConfig(text, { file: 'saved.cfg' });
  expect(parsed.errors).toEqual([]);
  const scope = resolveScope(parsed.model, rows.map((r) => ({ name: r.name, uuid: r.uuid })), { file: 'saved.cfg' });
  const show = (e: { vm: { name: string }; maxBackups?: number }) => (e.maxBackups === undefined ? e.vm.name : `${e.vm.name}:${e.maxBackups}`);
  return { parsed, vdi: scope.vdiExport.map(show).sort(), vm: scope.vmExport.map(show).sort(), exclude: scope.exclude.map((e) => e.vm.name) };
}

describe('save screen', () => {
  it('writes names that read back to the chosen scope, remembers the path and shows how to run it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tui-save-'));
    const state = chosen();
    const names = modelFromSelection(state, base, 'names');
    if (!names.ok) throw new Error(names.message);
    const remembered: string[] = [];
    app = render(<SaveScreen model={names.model} cwd={dir} defaultPath="weekend.cfg" rememberPath={(p) => remembered.push(p)} onDone={() => undefined} />);
    const frame = () => app!.lastFrame() ?? '';
    await tick();
    expect(frame()).toContain('File: weekend.cfg');
    await press(app.stdin, ENTER);
    const path = join(dir, 'weekend.cfg');
    await until(frame, 'Saved');
    expect(remembered).toEqual([path]);
    expect(frame()).toContain(`vmbackup --config ${path}`);
    expect(frame()).toContain('--password-file');

    const { parsed, vdi, vm, exclude } = scopeOf(readFileSync(path, 'utf8'));
    expect(vdi).toEqual(['db.example.com:6', 'mail:25']);
    expect(vm).toEqual(['café', 'web 01:4']);
    expect(exclude).toEqual(['web 02']);
    expect(parsed.model.settings).toEqual({ maxBackups: 5, backupDir: '/srv/backups', statusLog: '/srv/status.log', vdiExportFormat: 'vhd' });
    expect(parsed.model.directives).toEqual({ pool: 'https://pool.example:8443', user: 'backup' });
  });

  it('offers the filter; saved as the filter, the same VMs today, and new matching VMs later', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tui-save-'));
    const state = chosen();
    const names = modelFromSelection(state, base, 'names');
    const filter = modelFromSelection(state, base, 'filter');
    if (!names.ok || !filter.ok) throw new Error('no model');
    app = render(<SaveScreen model={names.model} filter={{ pattern: '(web|db|mail|caf)', model: filter.model }} cwd={dir} defaultPath="f.cfg" rememberPath={() => undefined} onDone={() => undefined} />);
    const frame = () => app!.lastFrame() ?? '';
    await tick();
    expect(frame()).toContain('The filter (web|db|mail|caf)');
    await press(app.stdin, ENTER, ENTER);
    await until(frame, 'Saved');
    const text = readFileSync(join(dir, 'f.cfg'), 'utf8');
    expect(text).toContain('vm-export=(web|db|mail|caf)\n');
    const saved = scopeOf(text);
    expect(saved).toMatchObject({ vdi: ['db.example.com:6', 'mail:25'], vm: ['café', 'web 01:4'], exclude: ['web 02'] });
    const later = resolveScope(saved.parsed.model, [{ name: 'web 03', uuid: 'new' }, ...rows.map((r) => ({ name: r.name, uuid: r.uuid }))], { file: 'f.cfg' });
    expect(later.vmExport.map((e) => e.vm.name)).toContain('web 03');
  });

  it('replaces an existing file only after a yes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tui-save-'));
    const path = join(dir, 'old.cfg');
    writeFileSync(path, 'max_backups=1\n');
    const state = chosen();
    const names = modelFromSelection(state, base, 'names');
    if (!names.ok) throw new Error(names.message);
    let done = 0;
    app = render(<SaveScreen model={names.model} cwd={dir} defaultPath={path} rememberPath={() => undefined} onDone={() => done++} />);
    const frame = () => app!.lastFrame() ?? '';
    await tick();
    await press(app.stdin, ENTER);
    await until(frame, 'exists. Replace it?');
    // "No" (the first item) goes back to the path, the file untouched.
    await press(app.stdin, ENTER);
    await until(frame, 'File: ');
    expect(readFileSync(path, 'utf8')).toBe('max_backups=1\n');
    await press(app.stdin, ENTER);
    await until(frame, 'Replace it?');
    await press(app.stdin, DOWN, ENTER);
    await until(frame, 'Saved');
    expect(scopeOf(readFileSync(path, 'utf8')).vm).toEqual(['café', 'web 01:4']);
    await press(app.stdin, 'x');
    expect(done).toBe(1);
  });

  it('quotes odd paths in the commands it shows', () => {
    expect(headlessCommands('/etc/vmbackup/week end.cfg')).toEqual({
      command: "vmbackup --config '/etc/vmbackup/week end.cfg'",
      crontab: "0 2 * * *  root  vmbackup --config '/etc/vmbackup/week end.cfg' --password-file /root/VmBackup.pass >>/var/log/vmbackup/week_end.log 2>&1",
    });
  });
});
