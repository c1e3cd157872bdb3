/**
 * Delta backups on the select screen: m cycles a fourth mode, delta; saving writes the VM's
 * vm-export= line plus `#vmbackup: delta=` (VmBackup.py reads only the first); a cfg read back
 * shows those rows as delta again; the CHAIN column shows the depth of each VM's last backup.
 * Every step waits for the frame it needs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { cfgText } from '../../src/tui/screens/save.js';
import { choicesFromModel } from '../../src/tui/state/from-model.js';
import { initialState } from '../../src/tui/state/selection.js';
import { KEYS, lineOf, NOW, rows, show, unmountScreen } from './select-harness.js';

afterEach(unmountScreen);

describe('select screen: delta', () => {
  it('m cycles XVA → VDI raw → VDI vhd → delta → XVA; saving writes vm-export= and #vmbackup: delta=; read back, the row is delta', async () => {
    const { stdin, until, calls } = await show(10);
    stdin.write(KEYS.down);
    stdin.write(' ');
    for (const k of 'mmm') stdin.write(k);
    await until((f) => /> \[x\] vm-00001 +running +delta +3 /.test(f));
    stdin.write('m');
    await until((f) => /> \[x\] vm-00001 +running +XVA +3 /.test(f));
    stdin.write('mmm');
    await until((f) => /> \[x\] vm-00001 +running +delta +3 /.test(f));
    // The VDI note is not shown for a delta VM: it takes every disk, as XVA does.
    await until((f) => !f.includes('boot disk only'));
    stdin.write('+');
    await until((f) => /> \[x\] vm-00001 +running +delta +:4 /.test(f));
    stdin.write('s');
    await until(() => calls.save.length === 1);
    const [model] = calls.save[0]!;
    const text = cfgText(model, null, NOW);
    expect(text).toContain('#vmbackup: delta=vm-00001\n');
    expect(text).toContain('\nvm-export=vm-00001:4\n');
    expect(text).not.toContain('vdi-export');
    // What VmBackup.py reads of it: the vm-export line, so it exports a full XVA of the VM.
    expect(text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#') && /^(vm-export|vdi-export|exclude)=/.test(l))).toEqual(['vm-export=vm-00001:4']);

    const parsed = parseConfig(text, { file: 'saved.cfg' });
    expect(parsed.errors).toEqual([]);
    const back = choicesFromModel(parsed.model, rows(10), 'saved.cfg');
    expect(back.issues).toEqual([]);
    expect(back.choices[1]).toEqual({ selected: true, mode: 'delta', keep: 4, excluded: false });
    expect(back.choices.filter((c) => c.selected)).toHaveLength(1);

    unmountScreen();
    const again = await show(10, { initial: initialState(rows(10), { choices: back.choices, defaultKeep: back.defaultKeep }) });
    const f = await again.until((fr) => fr.includes('1 selected'));
    expect(lineOf(f, 'vm-00001')).toMatch(/\[x\] vm-00001 +running +delta +:4 /);
    expect(lineOf(f, 'vm-00002')).toMatch(/\[ \] vm-00002 +running +XVA +3 /);
  });

  it('the CHAIN column shows the depth of the last backup: full, +N, or blank when it is no delta point', async () => {
    const list = rows(5);
    list[1]!.chainDepth = 0;
    list[2]!.chainDepth = 3;
    list[3]!.chainDepth = null;
    const { until } = await show(5, { rows: list });
    const f = await until((fr) => fr.includes('CHAIN'));
    expect(lineOf(f, 'NAME')).toMatch(/LAST +CHAIN$/);
    expect(lineOf(f, 'vm-00001')).toMatch(/ 3h +full$/);
    expect(lineOf(f, 'vm-00002')).toMatch(/ now +\+3$/);
    expect(lineOf(f, 'vm-00003')).toMatch(/ never$/);
    expect(lineOf(f, 'café')).toMatch(/ never$/);
  });
});
