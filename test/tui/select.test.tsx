/**
 * The select screen in a fake terminal: the list at 80×24, moves and picks, the filter and its
 * inline errors, keys that arrive in one chunk, the caret under wide characters, a resize. Keys
 * are written as a terminal delivers them: one at a time back to back with no pause, and in
 * chunks (`jjj` held down, `/web.*` typed fast over ssh or pasted, two Backspaces at once). Every
 * key must count. Each step waits for the frame it needs, never for a time.
 */
import stringWidth from 'string-width';
import { afterEach, describe, expect, it } from 'vitest';
import { KEYS, lineOf, show, unmountScreen } from './select-harness.js';

afterEach(unmountScreen);

describe('select screen: list, filter and keys', () => {
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
