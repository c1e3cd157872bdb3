/**
 * The select screen's actions in a fake terminal: enter asks first, p and s hand on the model,
 * a leaving key sees the keys before it, messages wrap, x restores a pick, hidden choices are
 * counted, q asks before losing work, VDI disks, backup_dir, help.
 */
import stringWidth from 'string-width';
import { afterEach, describe, expect, it } from 'vitest';
import { choiceKey, initialState, reduce } from '../../src/tui/state/selection.js';
import { base, KEYS, rows, show, unmountScreen } from './select-harness.js';

afterEach(unmountScreen);

describe('select screen: actions', () => {
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
    // The question's frame goes once React drew the answer: wait for it, do not read it at once.
    await until((f) => !f.includes('y/n'));
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

    unmountScreen();
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
});
