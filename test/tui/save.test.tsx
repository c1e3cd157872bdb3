/**
 * The save screen: what it writes is read back by the cfg parser to the same VMs, modes, :N,
 * excludes and directives; an existing file is replaced only after a yes; the filter is offered
 * when it stands for the choice.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderToString } from 'ink';
import { render } from '../helpers/render-tui.js';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { resolveScope } from '../../src/selection/index.js';
import type { VmRow } from '../../src/tui/contracts.js';
import { SavedReport } from '../../src/tui/components/saved-report.js';
import { headlessCommands, SaveScreen } from '../../src/tui/screens/save.js';
import { expandHome } from '../../src/tui/save-file.js';
import { initialState, reduce, type SelectAction } from '../../src/tui/state/selection.js';
import { modelFromSelection } from '../../src/tui/state/to-model.js';
import { KEYS, press as pressKeys, waitForFrame } from '../helpers/ink-wait.js';
import { tempDirForTest } from '../helpers/temp.js';

const DOWN = KEYS.down;
const ENTER = KEYS.enter;
const press = pressKeys;
/** Until the frame shows `text` (writes are async file I/O), and its keys are listened to. */
async function until(frame: () => string, text: string) {
  await waitForFrame(frame, (f) => f.includes(text));
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

/** A frame with Ink's line breaks in prose taken out. */
const flat = (frame: string) => frame.replace(/\s*\n\s*/g, ' ');

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
    const dir = tempDirForTest('tui-save');
    const state = chosen();
    const names = modelFromSelection(state, base, 'names');
    if (!names.ok) throw new Error(names.message);
    const remembered: string[] = [];
    app = render(<SaveScreen model={names.model} cwd={dir} defaultPath="weekend.cfg" rememberPath={(p) => remembered.push(p)} onDone={() => undefined} />);
    const frame = () => app!.lastFrame() ?? '';
    await until(frame, 'File: weekend.cfg');
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
    const dir = tempDirForTest('tui-save');
    const state = chosen();
    const names = modelFromSelection(state, base, 'names');
    const filter = modelFromSelection(state, base, 'filter');
    if (!names.ok || !filter.ok) throw new Error('no model');
    app = render(<SaveScreen model={names.model} filter={{ pattern: '(web|db|mail|caf)', model: filter.model }} cwd={dir} defaultPath="f.cfg" rememberPath={() => undefined} onDone={() => undefined} />);
    const frame = () => app!.lastFrame() ?? '';
    await until(frame, 'The filter (web|db|mail|caf)');
    await press(app.stdin, ENTER);
    await until(frame, 'File: f.cfg');
    await press(app.stdin, ENTER);
    await until(frame, 'Saved');
    const text = readFileSync(join(dir, 'f.cfg'), 'utf8');
    expect(text).toContain('vm-export=(web|db|mail|caf)\n');
    const saved = scopeOf(text);
    expect(saved).toMatchObject({ vdi: ['db.example.com:6', 'mail:25'], vm: ['café', 'web 01:4'], exclude: ['web 02'] });
    const later = resolveScope(saved.parsed.model, [{ name: 'web 03', uuid: 'new' }, ...rows.map((r) => ({ name: r.name, uuid: r.uuid }))], { file: 'f.cfg' });
    expect(later.vmExport.map((e) => e.vm.name)).toContain('web 03');
  });

  it('replaces an existing file only after a yes', async () => {
    const dir = tempDirForTest('tui-save');
    const path = join(dir, 'old.cfg');
    writeFileSync(path, 'max_backups=1\n');
    const state = chosen();
    const names = modelFromSelection(state, base, 'names');
    if (!names.ok) throw new Error(names.message);
    let done = 0;
    app = render(<SaveScreen model={names.model} cwd={dir} defaultPath={path} rememberPath={() => undefined} onDone={() => done++} />);
    const frame = () => app!.lastFrame() ?? '';
    await until(frame, 'File: ');
    await press(app.stdin, ENTER);
    await until(frame, 'exists. Replace it?');
    // "No" (the first item) goes back to the path, the file untouched.
    await press(app.stdin, ENTER);
    await until(frame, 'File: ');
    expect(readFileSync(path, 'utf8')).toBe('max_backups=1\n');
    await press(app.stdin, ENTER);
    await until(frame, 'Replace it?');
    await press(app.stdin, DOWN);
    await until(frame, '❯ Yes, replace it');
    await press(app.stdin, ENTER);
    await until(frame, 'Saved');
    expect(scopeOf(readFileSync(path, 'utf8')).vm).toEqual(['café', 'web 01:4']);
    await press(app.stdin, 'x');
    expect(done).toBe(1);
  });

  it('warns, before and after saving, about a chosen VM VmBackup.py cannot back up', async () => {
    const dir = tempDirForTest('tui-save');
    const names = modelFromSelection(chosen(), base, 'names');
    if (!names.ok) throw new Error(names.message);
    app = render(<SaveScreen model={names.model} cwd={dir} defaultPath="w.cfg" rememberPath={() => undefined} onDone={() => undefined} />);
    const frame = () => app!.lastFrame() ?? '';
    const warning = 'VmBackup.py cannot back up 1 VM this cfg selects (vmbackup can):';
    const why = '"mail:25": it splits names at ":" and looks for VM "mail" with max_backups "25"';
    let shown = await waitForFrame(frame, (f) => f.includes('File: w.cfg'));
    expect(shown).toContain(warning);
    expect(shown).toContain(why);
    await pressKeys(app.stdin, KEYS.enter);
    shown = await waitForFrame(frame, (f) => f.includes('Saved'));
    expect(shown).toContain(warning);
    expect(shown).toContain(why);
    expect(shown).not.toContain('"café"');
  });

  it('counts a VM the saved filter matches, even one the list excluded', async () => {
    const dir = tempDirForTest('tui-save');
    const odd: VmRow[] = ['web-1', 'x,y', 'web-2'].map((name, i) => ({ uuid: `o${i}`, name, powerState: 'Running', diskCount: 1, diskBytes: 1, lastBackup: null }));
    let s = reduce(initialState(odd), { type: 'filter', text: '(web|x)' });
    s = reduce(s, { type: 'toggle-all' });
    s = reduce({ ...s, win: { ...s.win, cursor: 1 } }, { type: 'exclude' });
    const names = modelFromSelection(s, base, 'names');
    const filter = modelFromSelection(s, base, 'filter');
    if (!names.ok || !filter.ok) throw new Error('no model');
    app = render(<SaveScreen model={names.model} filter={{ pattern: '(web|x)', model: filter.model }} cwd={dir} defaultPath="f.cfg" rememberPath={() => undefined} onDone={() => undefined} />);
    const frame = () => app!.lastFrame() ?? '';
    await waitForFrame(frame, (f) => f.includes('The filter (web|x)'));
    // The names: web-1 and web-2 only, nothing to say.
    await pressKeys(app.stdin, KEYS.down, KEYS.enter);
    expect(await waitForFrame(frame, (f) => f.includes('File: f.cfg'))).not.toContain('VmBackup.py cannot');
    app.unmount();
    app = render(<SaveScreen model={names.model} filter={{ pattern: '(web|x)', model: filter.model }} cwd={dir} defaultPath="f.cfg" rememberPath={() => undefined} onDone={() => undefined} />);
    await waitForFrame(frame, (f) => f.includes('The filter (web|x)'));
    // The filter: in VmBackup.py it matches the pieces of "x,y" too.
    await pressKeys(app.stdin, KEYS.enter);
    const shown = await waitForFrame(frame, (f) => f.includes('File: f.cfg'));
    expect(shown).toContain('"x,y": its VM list (xe vm-list --minimal) splits names at ",": it sees "x" and "y"');
  });

  it('quotes odd paths in the commands it shows', () => {
    expect(headlessCommands('/etc/vmbackup/week end.cfg')).toEqual({
      command: "vmbackup --config '/etc/vmbackup/week end.cfg'",
      crontab: "0 2 * * *  root  vmbackup --config '/etc/vmbackup/week end.cfg' --password-file /root/VmBackup.pass >>/var/log/vmbackup/week_end.log 2>&1",
    });
  });
});

describe('save path', () => {
  function screen(defaultPath: string, home: string, extra: { onDone?: () => void } = {}) {
    const names = modelFromSelection(chosen(), base, 'names');
    if (!names.ok) throw new Error(names.message);
    app = render(<SaveScreen model={names.model} cwd={join(home, 'elsewhere')} home={home} defaultPath={defaultPath} rememberPath={() => undefined} onDone={extra.onDone ?? (() => undefined)} />);
    return () => app!.lastFrame() ?? '';
  }

  it('reads ~ and ~/ as the home folder', async () => {
    expect(expandHome('~', '/home/ann')).toBe('/home/ann');
    expect(expandHome('~/x.cfg', '/home/ann')).toBe('/home/ann/x.cfg');
    expect(expandHome('~ann/x.cfg', '/home/ann')).toBe('~ann/x.cfg');
    expect(expandHome('a/~/x.cfg', '/home/ann')).toBe('a/~/x.cfg');
    const home = tempDirForTest('tui-home');
    const frame = screen('~/x.cfg', home);
    await waitForFrame(frame, (f) => f.includes('File: ~/x.cfg'));
    await pressKeys(app!.stdin, KEYS.enter);
    expect(await waitForFrame(frame, (f) => f.includes('Saved'))).toContain(`Saved ${join(home, 'x.cfg')}`);
    expect(readFileSync(join(home, 'x.cfg'), 'utf8')).toContain('vm-export=');
  });

  it('names a missing folder and makes it (0700) only after a yes', async () => {
    const home = tempDirForTest('tui-home');
    const frame = screen('~/new/deeper/x.cfg', home);
    await waitForFrame(frame, (f) => f.includes('File: '));
    await pressKeys(app!.stdin, KEYS.enter);
    let shown = await waitForFrame(frame, (f) => f.includes('y/n'));
    expect(flat(shown)).toContain(`The folder ${join(home, 'new/deeper')} does not exist (nor does ${join(home, 'new')}).`);
    await pressKeys(app!.stdin, 'n');
    shown = await waitForFrame(frame, (f) => f.includes('File: '));
    expect(shown).toContain(`not saved: ${join(home, 'new/deeper')} was not created`);
    expect(existsSync(join(home, 'new'))).toBe(false);
    await pressKeys(app!.stdin, KEYS.enter);
    await waitForFrame(frame, (f) => f.includes('y/n'));
    await pressKeys(app!.stdin, 'y');
    shown = await waitForFrame(frame, (f) => f.includes('Saved'));
    expect(shown).toContain(`Saved ${join(home, 'new/deeper/x.cfg')}`);
    expect(statSync(join(home, 'new')).mode & 0o777).toBe(0o700);
    expect(statSync(join(home, 'new/deeper')).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(home, 'new/deeper/x.cfg'), 'utf8')).toContain('vm-export=');
  });

  it('says why a path cannot be written instead of a bare error code', async () => {
    const home = tempDirForTest('tui-home');
    writeFileSync(join(home, 'afile'), '');
    const frame = screen('~/afile/x.cfg', home);
    await waitForFrame(frame, (f) => f.includes('File: '));
    await pressKeys(app!.stdin, KEYS.enter);
    expect(flat(await waitForFrame(frame, (f) => f.includes('cannot write')))).toContain(`cannot write ${join(home, 'afile/x.cfg')}: a part of the path is a file, not a folder`);
  });
});

describe('after saving', () => {
  const long = '/srv/vmbackup/configs/production-weekly-full.cfg';

  it('prints the crontab line whole on its own line at 80 columns, never broken inside', () => {
    const { command, crontab } = headlessCommands(long);
    expect(crontab.length).toBeGreaterThan(80);
    const out = renderToString(<SavedReport path={long} what="3 VMs" command={command} crontab={crontab} warning={[]} />, { columns: 80 });
    const lines = out.split('\n').map((l) => l.trimEnd());
    expect(lines).toContain(crontab);
    expect(lines).toContain(command);
    // Prose still wraps at the terminal's width.
    const prose = renderToString(<SavedReport path={long} what="3 VMs" command={command} crontab={crontab} warning={['x '.repeat(60).trim()]} />, { columns: 80 });
    expect(prose.split('\n').filter((l) => l.startsWith('x x')).every((l) => l.trimEnd().length <= 80)).toBe(true);
  });

  it('writes the crontab line to a file beside the cfg on c, in /etc/cron.d form', async () => {
    const dir = tempDirForTest('tui-save');
    const names = modelFromSelection(chosen(), base, 'names');
    if (!names.ok) throw new Error(names.message);
    let done = 0;
    app = render(<SaveScreen model={names.model} cwd={dir} defaultPath="week end.cfg" rememberPath={() => undefined} onDone={() => done++} />);
    const frame = () => app!.lastFrame() ?? '';
    await waitForFrame(frame, (f) => f.includes('File: '));
    await pressKeys(app.stdin, KEYS.enter);
    const saved = await waitForFrame(frame, (f) => f.includes('Saved'));
    const { crontab } = headlessCommands(join(dir, 'week end.cfg'));
    expect(saved.split('\n').map((l) => l.trimEnd())).toContain(crontab);
    await pressKeys(app.stdin, 'c');
    const wrote = await waitForFrame(frame, (f) => f.includes('Wrote'));
    const file = join(dir, 'week end.crontab');
    expect(flat(wrote)).toContain(`Wrote ${file}. Install it as root:`);
    expect(wrote.split('\n').map((l) => l.trimEnd())).toContain(`cp '${file}' /etc/cron.d/vmbackup-week_end`);
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')).toContain(crontab);
    expect(text.endsWith('\n')).toBe(true);
    expect(done).toBe(0);
    await pressKeys(app.stdin, 'x');
    expect(done).toBe(1);
  });

  it('in the demo, says the cfg names the demo simulator and how to serve it again', async () => {
    const dir = tempDirForTest('tui-save');
    const names = modelFromSelection(chosen(), base, 'names');
    if (!names.ok) throw new Error(names.message);
    const demo = { port: 41234, stateDir: null, passwordFile: '/home/ann/.local/state/vmbackup/sim/password' };
    app = render(<SaveScreen model={names.model} cwd={dir} defaultPath="d.cfg" rememberPath={() => undefined} demo={demo} onDone={() => undefined} />);
    const frame = () => app!.lastFrame() ?? '';
    expect(await waitForFrame(frame, (f) => f.includes('File: '))).toContain('Demo: the cfg will name this demo');
    await pressKeys(app.stdin, KEYS.enter);
    const saved = await waitForFrame(frame, (f) => f.includes('Saved'));
    expect(flat(saved)).toContain("Demo: this cfg names the demo's simulator (port 41234), which stops when the demo ends.");
    const lines = saved.split('\n').map((l) => l.trimEnd());
    expect(lines).toContain('vmbackup sim --demo --port 41234 &');
    expect(lines).toContain(`vmbackup --config ${join(dir, 'd.cfg')} --password-file /home/ann/.local/state/vmbackup/sim/password`);
    const withState = renderToString(<SavedReport path="/c.cfg" what="1 VM" command="" crontab="" warning={[]} demo={{ ...demo, stateDir: '/tmp/my state' }} />, { columns: 80 });
    expect(withState).toContain("vmbackup sim --demo --port 41234 --state '/tmp/my state' &");
  });
});
