/**
 * The select screen in a fake terminal. Keys are written as a terminal delivers them: one at a
 * time back to back with no pause, and in chunks (`jjj` held down, `/web.*` typed fast over ssh
 * or pasted, two Backspaces at once). Every key must count. Each step waits for the frame it
 * needs, never for a time.
 */
import { render } from 'ink-testing-library';
import stringWidth from 'string-width';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { CfgModel } from '../../src/config/index.js';
import type { VmRow } from '../../src/tui/contracts.js';
import { SelectScreen, type SelectScreenProps } from '../../src/tui/screens/select.js';
import { choiceKey, initialState, reduce } from '../../src/tui/state/selection.js';
import type { SavedFilter } from '../../src/tui/state/to-model.js';
import { waitForFrame } from '../helpers/ink-wait.js';

const KEYS = { down: '\u001b[B', up: '\u001b[A', end: '\u001b[F', home: '\u001b[H', left: '\u001b[D', enter: '\r', backspace: '\u007f', escape: '\u001b' };
const GiB = 2 ** 30;
const NOW = new Date(2026, 5, 1, 12, 0, 0);

function rows(n: number): VmRow[] {
  return Array.from({ length: n }, (_, i) => {
    const row: VmRow = {
      uuid: `u-${i}`,
      name: i === 0 ? 'café' : `vm-${String(i).padStart(5, '0')}`,
      powerState: i % 3 ? 'Running' : 'Halted',
      diskCount: 1 + (i % 2),
      diskBytes: (i + 1) * GiB,
      lastBackup: i === 1 ? new Date(2026, 5, 1, 9, 0, 0) : i === 2 ? new Date(NOW.getTime() - 20_000) : null,
    };
    // Two-disk VMs: a 1 GiB boot disk and the rest.
    if (row.diskCount === 2) row.bootDiskBytes = GiB;
    else row.bootDiskBytes = row.diskBytes;
    return row;
  });
}
const base = { poolUrl: 'https://pool.example:8443', user: 'root', backupDir: '/srv/b', statusLog: '/srv/s.log', maxBackups: 3 };

interface Calls {
  run: CfgModel[];
  preview: CfgModel[];
  save: [CfgModel, SavedFilter | null][];
  quit: number;
  backupDir: string[];
}
let app: ReturnType<typeof render> | null = null;
afterEach(() => app?.unmount());

async function show(n: number, extra: Partial<SelectScreenProps> = {}, size: { columns: number; rows: number } | null = { columns: 80, rows: 24 }) {
  const calls: Calls = { run: [], preview: [], save: [], quit: 0, backupDir: [] };
  const list = rows(n);
  // As the app does: a new backup_dir comes back as the screen's base.
  function Shell() {
    const [current, setCurrent] = useState(base);
    return (
      <SelectScreen
        rows={list}
        base={current}
        {...(size ? { size } : {})}
        now={() => NOW}
        onRun={(m) => calls.run.push(m)}
        onPreview={(m) => calls.preview.push(m)}
        onSave={(m, f) => calls.save.push([m, f])}
        onQuit={() => calls.quit++}
        onBackupDir={(dir) => {
          calls.backupDir.push(dir);
          setCurrent({ ...current, backupDir: dir });
          return null;
        }}
        {...extra}
      />
    );
  }
  app = render(<Shell />);
  const ui = app;
  const frame = () => ui.lastFrame() ?? '';
  await waitForFrame(ui.lastFrame, (f) => f.includes('VMs shown'));
  // The screen's key handler is subscribed once Ink reads the terminal: from then on no key is lost.
  await waitForFrame(() => String(ui.stdin.listenerCount('readable')), (count) => count !== '0');
  const until = (test: (frame: string) => boolean) => waitForFrame(ui.lastFrame, test);
  return { stdin: ui.stdin, stdout: ui.stdout, frame, until, calls };
}

/** The frame's line holding `text`. */
const lineOf = (frame: string, text: string) => frame.split('\n').find((l) => l.includes(text)) ?? '';

describe('select screen', () => {
  it('fits 80×24: header, a window of rows, the lines under it and the key bar', async () => {
    const { frame } = await show(10_000);
    const lines = frame().split('\n');
    expect(lines.length).toBeLessThanOrEqual(23);
    for (const l of lines) expect(stringWidth(l)).toBeLessThanOrEqual(80);
    expect(frame()).toContain('> [ ] café');
    expect(frame()).toMatch(/vm-00001 +running +XVA +3 +2x 2\.0 GiB +3h/);
    // A backup 20 s old is "now", not "0m".
    expect(frame()).toMatch(/vm-00002 +running +XVA +3 +1x 3\.0 GiB +now/);
    expect(frame()).toContain('never');
    expect(frame()).toContain('10000 of 10000 VMs shown, 0 selected');
    expect(frame()).not.toContain('vm-00100');
    // The key bar keeps its last keys at 80 columns.
    expect(lines.at(-1)).toMatch(/\? help q quit$/);
  });

  it('moves, toggles, cycles the mode, changes keep N and excludes with keys sent back to back', async () => {
    const { stdin, until } = await show(50);
    for (const k of [KEYS.down, ' ', 'm', '+', '+']) stdin.write(k);
    await until((f) => /> \[x\] vm-00001 +running +VDI raw +:5/.test(f));
    for (const k of ['m', '-', '-', '-']) stdin.write(k);
    await until((f) => /> \[x\] vm-00001 +running +VDI vhd +:2/.test(f));
    for (const k of ['j', 'x']) stdin.write(k);
    await until((f) => /> \[-\] vm-00002/.test(f));
    stdin.write(KEYS.end);
    await until((f) => f.includes('> [ ] vm-00049'));
    stdin.write(KEYS.home);
    const f = await until((f) => f.includes('> [ ] café'));
    expect(f).toContain('1 selected');
  });

  it('the filter shows a live count, and an invalid pattern inline with its column', async () => {
    const { stdin, frame, until } = await show(200);
    // The key right after "/" goes into the filter (it was lost 2 runs out of 3).
    stdin.write('/');
    for (const ch of 'vm-0001.') stdin.write(ch);
    await until((f) => f.includes('10 match'));
    expect(frame()).toContain('filter /vm-0001.');
    expect(frame()).toContain('vm-00010');
    expect(frame()).not.toContain('café');
    stdin.write('[');
    await until((f) => f.includes('invalid'));
    expect(frame()).toMatch(/\^ column 9: /);
    // The list keeps the last valid filter's rows.
    expect(frame()).toContain('vm-00019');
    // Enter does not close an invalid filter: the list behind it is not what it says.
    stdin.write(KEYS.enter);
    await until((f) => f.includes('invalid'));
    stdin.write(KEYS.backspace);
    stdin.write(KEYS.enter);
    await until((f) => f.includes('10 of 200 VMs shown'));
    stdin.write('a');
    await until((f) => f.includes('10 selected'));
    // A simple name is one exact VM, as in a cfg: with no match, the whole hint is shown.
    stdin.write('/');
    for (let i = 0; i < 8; i++) stdin.write(KEYS.backspace);
    for (const ch of 'vm-0001') stdin.write(ch);
    await until((f) => f.includes('0 match'));
    expect(frame()).toContain('a simple name is one exact VM, as in a cfg; add .* for a prefix');
    for (const l of frame().split('\n')) expect(stringWidth(l)).toBeLessThanOrEqual(80);
    stdin.write(KEYS.escape);
    await until((f) => f.includes('no filter'));
    expect(frame()).toContain('200 of 200 VMs shown, 10 selected');
  });

  it('keys in one chunk all count: a filter typed at once, jjj, two Backspaces, a paste with Enter in it', async () => {
    const { stdin, frame, until } = await show(30);
    stdin.write('jjj');
    await until((f) => f.includes('> [ ] vm-00003'));
    stdin.write('/vm-0.*x');
    await until((f) => f.includes('filter /vm-0.*x') && f.includes('0 match'));
    // Held Backspace: two DELs in one chunk delete two characters, never insert them.
    stdin.write('\x7f\x7f');
    await until((f) => /filter \/vm-0\. +29 match/.test(f));
    expect(frame()).not.toContain('\x7f');
    // A paste that ends the filter and goes on in the list: everything after Enter is a list key.
    stdin.write('*2[05]\rj ');
    await until((f) => f.includes('2 of 30 VMs shown, 1 selected'));
    expect(frame()).toContain('> [x] vm-00025');
    expect(frame()).toContain('filter /vm-0.*2[05]');
  });

  it('the caret of an invalid pattern stands under its character, measured in terminal columns', async () => {
    const { stdin, frame, until } = await show(5);
    stdin.write('/日本(');
    await until((f) => f.includes('invalid'));
    const input = lineOf(frame(), 'filter /');
    const caret = lineOf(frame(), '^ column');
    expect(caret).toContain('^ column 3:');
    expect(stringWidth(caret.slice(0, caret.indexOf('^')))).toBe(stringWidth(input.slice(0, input.indexOf('('))));
    // Editing in the middle: ← moves over a wide character as one step.
    stdin.write(KEYS.left);
    stdin.write(KEYS.left);
    stdin.write('x');
    await until((f) => f.includes('filter /日x本('));
  });

  it('enter asks first, with the VMs and bytes; n goes back, y runs', async () => {
    const { stdin, frame, until, calls } = await show(30);
    stdin.write('/vm-0000.\r');
    await until((f) => f.includes('9 of 30 VMs shown'));
    stdin.write('a');
    stdin.write('m');
    stdin.write(KEYS.enter);
    // vm-00001..9 take 2..10 GiB as XVA (54 GiB), but VDI raw takes the 1 GiB boot disk of vm-00001's two.
    await until((f) => f.includes('Back up 9 VMs (~53.0 GiB) now? y/n'));
    expect(calls.run).toHaveLength(0);
    stdin.write('n');
    await until((f) => f.includes('Not started.'));
    expect(calls.run).toHaveLength(0);
    stdin.write('\ry');
    await until(() => calls.run.length === 1);
    expect(calls.run[0]!.selections).toHaveLength(9);
    expect(calls.run[0]!.directives).toMatchObject({ pool: base.poolUrl, user: 'root' });
    expect(frame()).not.toContain('y/n');
  });

  it('p and s hand on the model; s offers the filter when it stands for the choice', async () => {
    const { stdin, until, calls } = await show(30);
    stdin.write('/vm-0000.\ra');
    await until((f) => f.includes('9 selected'));
    stdin.write('p');
    stdin.write('s');
    await until(() => calls.preview.length === 1 && calls.save.length === 1);
    const [model, filter] = calls.save[0]!;
    expect(model.selections).toHaveLength(9);
    expect(filter?.pattern).toBe('vm-0000.');
    expect(filter?.model.selections).toEqual([{ action: 'vm-export', selector: { kind: 'pattern', pattern: 'vm-0000.' } }]);
    stdin.write(KEYS.down + ' s');
    await until(() => calls.save.length === 2);
    expect(calls.save[1]![1]).toBeNull();
  });

  it('a key that leaves the screen sees the keys before it in the same chunk', async () => {
    const { stdin, until, calls } = await show(10);
    stdin.write('j js');
    await until(() => calls.save.length === 1);
    expect(calls.save[0]![0].selections.map((s) => s.selector)).toEqual([{ kind: 'name', name: 'vm-00001' }]);
  });

  it('refuses mixed VDI raw and vhd with the whole message wrapped, and an empty selection', async () => {
    const { stdin, frame, until, calls } = await show(5);
    stdin.write(KEYS.enter);
    await until((f) => f.includes('No VM is selected'));
    stdin.write(' mj mm\r');
    await until((f) => f.includes('cannot be mixed'));
    expect(calls.run).toHaveLength(0);
    // Wrapped at 80 columns, not cut: the end of the message is on screen.
    const text = frame().replace(/\s+/g, ' ');
    expect(text).toContain('VDI raw (café) and VDI vhd (vm-00001) cannot be mixed: vdi_export_format is one setting for the whole cfg. Press m on one side to make them the same.');
    const lines = frame().split('\n');
    expect(lines.length).toBeLessThanOrEqual(23);
    for (const l of lines) expect(stringWidth(l)).toBeLessThanOrEqual(80);
  });

  it('x on a picked VM and x again gives the pick back', async () => {
    const { stdin, until } = await show(5);
    stdin.write(' ');
    await until((f) => f.includes('> [x] café'));
    stdin.write('x');
    await until((f) => f.includes('> [-] café') && f.includes('0 selected'));
    stdin.write('x');
    await until((f) => f.includes('> [x] café') && f.includes('1 selected'));
  });

  it('counts chosen VMs the filter hides, and says so', async () => {
    const { stdin, until } = await show(10);
    stdin.write(' j j j j ');
    await until((f) => f.includes('5 selected'));
    stdin.write('/vm-0000[1-3]\r');
    const f = await until((f) => f.includes('3 of 10 VMs shown'));
    expect(f).toContain('5 selected (2 hidden by the filter)');
  });

  it('q asks before an unsaved selection is lost; n stays, y quits; nothing to lose quits at once', async () => {
    const { stdin, frame, until, calls } = await show(5);
    stdin.write(' q');
    await until((f) => f.includes('Quit without saving? y/n'));
    expect(calls.quit).toBe(0);
    stdin.write('n');
    await until((f) => !f.includes('y/n'));
    expect(frame()).toContain('> [x] café');
    stdin.write('qy');
    await until(() => calls.quit === 1);

    app!.unmount();
    const empty = await show(5);
    empty.stdin.write('q');
    await empty.until(() => empty.calls.quit === 1);
  });

  it('q quits at once when the selection is the one last saved', async () => {
    const saved = choiceKey(reduce(initialState(rows(5)), { type: 'toggle' }));
    const { stdin, until, calls } = await show(5, { savedChoice: saved });
    stdin.write(' ');
    await until((f) => f.includes('1 selected'));
    stdin.write('q');
    await until(() => calls.quit === 1);
  });

  it('a VDI mode on a VM of several disks says what it leaves out; D takes every disk, and the model says so', async () => {
    const { stdin, frame, until, calls } = await show(5);
    stdin.write('j m');
    // vm-00001 has two disks: a VDI mode takes one of them.
    await until((f) => /> \[x\] vm-00001 +running +VDI raw +3 +1 of 2 1\.0 GiB/.test(f));
    expect(frame()).toContain('vm-00001: boot disk only; 1 other disk is not backed up (D: every disk)');
    stdin.write('D');
    await until((f) => /> \[x\] vm-00001 +running +VDI raw +3 +2x 2\.0 GiB/.test(f));
    expect(frame()).toContain('VDI modes take every disk, each to its own file (D: boot disk only)');
    stdin.write('\r');
    await until((f) => f.includes('Back up 1 VM (~2.0 GiB) now? y/n'));
    stdin.write('y');
    await until(() => calls.run.length === 1);
    expect(calls.run[0]!.directives.vdiDisks).toBe('all');
    expect(calls.run[0]!.selections).toEqual([{ action: 'vdi-export', selector: { kind: 'name', name: 'vm-00001' } }]);
  });

  it('b edits backup_dir with the same keys; the title and the model take the new folder', async () => {
    const { stdin, frame, until, calls } = await show(3, { resolveDir: (text) => (text.startsWith('/') ? text : `/home/me/${text}`) });
    expect(frame()).toContain('backups in /srv/b (b changes it)');
    stdin.write('b');
    await until((f) => f.includes('backup_dir: /srv/b'));
    // ctrl-u clears the line; the new folder arrives as a paste; esc would have kept the old one.
    stdin.write('\x15');
    // The rest of the chunk after the change sees the new folder.
    stdin.write('bk\x7fackups\r \ry');
    await until(() => calls.run.length === 1);
    expect(calls.backupDir).toEqual(['/home/me/backups']);
    expect(calls.run[0]!.settings.backupDir).toBe('/home/me/backups');
    await until((f) => f.includes('backups in /home/me/backups'));
    // Esc leaves it as it is.
    stdin.write('b/elsewhere' + KEYS.escape);
    await until((f) => f.includes('backups in /home/me/backups') && !f.includes('backup_dir: '));
    expect(calls.backupDir).toHaveLength(1);
  });

  it('? shows the help and any key returns', async () => {
    const { stdin, until } = await show(5);
    stdin.write('?');
    await until((f) => f.includes('Keys of the VM list'));
    stdin.write('z');
    await until((f) => f.includes('café'));
  });

  it('follows a resize without a key: the list takes the new height and width', async () => {
    const { stdout, until, frame } = await show(100, {}, null);
    expect(frame()).not.toContain('vm-00030');
    const out = stdout as unknown as { columns: number; rows: number; emit(e: string): void };
    Object.defineProperty(out, 'columns', { value: 120, configurable: true });
    out.rows = 40;
    out.emit('resize');
    const f = await until((f) => f.includes('vm-00030'));
    expect(lineOf(f, 'vm-00030').trimEnd().length).toBeGreaterThan(80);
  });
});
