/**
 * `#vmbackup: delta=` against the scope: it marks vm-export entries `delta` and never selects a
 * VM itself (VmBackup.py reads it as a comment). Order and :N of the vm-export entries stay.
 */
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/index.js';
import { resolveText, vms } from '../helpers/scope.js';

const pool = vms('PROD-web', 'PROD-db', 'DEV-app', 'DEV-ci', 'big', 'other');
const deltaOf = (scope: ReturnType<typeof resolveText>['scope']) => scope.vmExport.map((e) => `${e.vm.name}${e.maxBackups ? `:${e.maxBackups}` : ''}${e.delta ? ' delta' : ''}`);

describe('delta= in the scope', () => {
  it('marks the vm-export VMs it matches; order and :N unchanged', () => {
    const { scope } = resolveText('vm-export=PROD.*:3\nvm-export=DEV-app\nvm-export=big\n#vmbackup: delta=PROD-db\n#vmbackup: delta=big\n', pool);
    expect(scope.errors).toEqual([]);
    expect(scope.warnings).toEqual([]);
    expect(deltaOf(scope)).toEqual(['PROD-web:3', 'PROD-db:3 delta', 'DEV-app', 'big delta']);
  });

  it('a pattern marks every vm-export VM it matches and says nothing of the VMs outside the vm-export scope', () => {
    const { scope } = resolveText('#vmbackup: delta=.*\nvm-export=PROD-web\nvm-export=DEV-app\n', pool);
    expect(scope.warnings).toEqual([]);
    expect(deltaOf(scope)).toEqual(['PROD-web delta', 'DEV-app delta']);
    expect(scope.vmExport.filter((e) => e.delta)).toHaveLength(2);
  });

  it('never selects a VM: without vm-export= nothing is backed up', () => {
    const { scope } = resolveText('#vmbackup: delta=big\nvm-export=PROD-web\n', pool);
    expect(deltaOf(scope)).toEqual(['PROD-web']);
    expect(scope.warnings).toHaveLength(1);
    const w = scope.warnings[0]!;
    expect(w.line).toBe(1);
    expect(w.message).toBe('#vmbackup: delta=big matches big (no vm-export= line selects it), which vm-export= does not back up: only vm-export VMs are backed up as delta');
    expect(w.hint).toBe('add a vm-export= line for big, or remove this delta= line');
    expect(formatIssue(w)).toMatch(/^test\.cfg:1: warning: /);
  });

  it('warns for an excluded VM and for a vdi-export named exactly, with their lines', () => {
    const { scope } = resolveText('vm-export=PROD.*\nexclude=PROD-db\nvdi-export=PROD-web\nvm-export=big\n#vmbackup: delta=PROD-web\n#vmbackup: delta=PROD-db\n#vmbackup: delta=big\n', pool);
    expect(deltaOf(scope)).toEqual(['big delta']);
    expect(scope.vdiExport.map((e) => [e.vm.name, e.delta])).toEqual([['PROD-web', undefined]]);
    expect(scope.warnings.map((w) => [w.line, w.message, w.hint])).toEqual([
      [5, '#vmbackup: delta=PROD-web matches PROD-web (a vdi-export on line 3), which vm-export= does not back up: only vm-export VMs are backed up as delta', 'add a vm-export= line for PROD-web, or remove this delta= line'],
      [6, '#vmbackup: delta=PROD-db matches PROD-db (excluded on line 2), which vm-export= does not back up: only vm-export VMs are backed up as delta', 'remove the exclude= line, or this delta= line'],
    ]);
  });

  it('a pattern meeting excluded and vdi-export VMs besides vm-export ones is meant: no warning', () => {
    const { scope } = resolveText('vm-export=.*\nexclude=PROD-db\n#vmbackup: delta=PROD-.*\nvdi-export=DEV-app\n#vmbackup: delta=DEV-.*\n', pool);
    expect(scope.warnings).toEqual([]);
    expect(scope.vmExport.filter((e) => e.delta).map((e) => e.vm.name)).toEqual(['PROD-web', 'DEV-ci']);
    // When it meets no vm-export VM at all, it does nothing: that is worth a warning.
    const none = resolveText('vm-export=.*\nexclude=PROD-db\nvdi-export=PROD-web\n#vmbackup: delta=PROD-.*\n', pool).scope;
    expect(none.warnings.map((w) => w.message)).toEqual(['#vmbackup: delta=PROD-.* matches PROD-web, PROD-db, none of them a vm-export VM: it backs up nothing as delta']);
    const again = resolveText('vm-export=.*\nexclude=PROD-db\n#vmbackup: delta=PROD-.*\n', pool).scope;
    expect(again.warnings).toEqual([]);
    expect(again.vmExport.filter((e) => e.delta).map((e) => e.vm.name)).toEqual(['PROD-web']);
  });

  it('a pattern that matches VMs but no vm-export VM backs up nothing as delta: a warning', () => {
    const { scope } = resolveText('vm-export=big\n#vmbackup: delta=DEV-.*\n', pool);
    expect(scope.warnings.map((w) => [w.line, w.message])).toEqual([[2, '#vmbackup: delta=DEV-.* matches DEV-app, DEV-ci, none of them a vm-export VM: it backs up nothing as delta']]);
  });

  it('a delta= that matches no VM is the unmatched warning of the other selectors', () => {
    const { scope } = resolveText('vm-export=big\n#vmbackup: delta=Big\n#vmbackup: delta=^nothing\n', pool);
    expect(scope.warnings.map((w) => [w.line, w.message, w.hint])).toEqual([
      [2, '#vmbackup: delta=Big matches no VM', 'check the spelling: names are case-sensitive'],
      [3, '#vmbackup: delta=^nothing matches no VM', 'the pattern must match from the first character of the name (re.match)'],
    ]);
    expect(deltaOf(scope)).toEqual(['big']);
  });

  it('VMs refused for a shared name are not warned about twice', () => {
    const { scope } = resolveText('vm-export=twin\nvm-export=big\n#vmbackup: delta=twin\n', [...pool, { name: 'twin', uuid: 'a' }, { name: 'twin', uuid: 'b' }]);
    expect(scope.errors).toHaveLength(1);
    expect(scope.warnings).toEqual([]);
  });
});

describe('delta VMs in the offline preview', () => {
  it('the backup order says delta, the settings block lists them and full_every, the JSON marks them', async () => {
    const { effectiveSettings, parseConfig } = await import('../../src/config/index.js');
    const { resolveScope } = await import('../../src/selection/index.js');
    const { previewJson, previewText } = await import('../../src/report/preview.js');
    const parsed = parseConfig('#vmbackup: full_every=3\n#vmbackup: delta=big\nvm-export=PROD-web\nvm-export=big:5\n', { file: 'p.cfg' });
    const scope = resolveScope(parsed.model, pool, { file: 'p.cfg' });
    const input = { source: 'p.cfg', settings: effectiveSettings(parsed.model), scope, issues: [...parsed.errors, ...scope.warnings], now: new Date(2026, 0, 2, 3, 4, 5) };
    const text = previewText(input);
    expect(text).toMatch(/ {4}1 {2}vm-export {3}PROD-web {2}keep 4 {3}p\.cfg:3\n/);
    expect(text).toMatch(/ {4}2 {2}delta {7}big {7}keep 5 {3}p\.cfg:4\n/);
    expect(text).toContain(' -   delta (cnt)= 1\n');
    expect(text).toContain(' -   delta: big\n');
    expect(text).toContain(' -   full_every        = 3\n');
    // The legacy block still lists it as a vm-export, as VmBackup.py would run it.
    expect(text).toContain(' -   vm-export: PROD-web, big:5\n');
    expect(previewJson(input).vmExport).toEqual([
      { name: 'PROD-web', maxBackups: 4, line: 3 },
      { name: 'big', maxBackups: 5, line: 4, delta: true },
    ]);
  });
});

describe('preview --save-config keeps the delta VMs', () => {
  it('one delta= line per VM backed up as delta, beside its vm-export= line', async () => {
    const { effectiveSettings, formatConfig, parseConfig } = await import('../../src/config/index.js');
    const { resolveScope } = await import('../../src/selection/index.js');
    const { resolvedModel } = await import('../../src/cli/save-config.js');
    const parsed = parseConfig('#vmbackup: delta=PROD-.*\n#vmbackup: full_every=2\nvm-export=PROD-.*\nvm-export=big:2\n', { file: 'p.cfg' });
    const scope = resolveScope(parsed.model, pool, { file: 'p.cfg' });
    const text = formatConfig(resolvedModel({ source: 'p.cfg', model: parsed.model, settings: effectiveSettings(parsed.model), scope, overrides: {}, now: new Date() }));
    expect(text).toContain('#vmbackup: full_every=2\n#vmbackup: delta=PROD-web\n#vmbackup: delta=PROD-db\n');
    expect(text).toContain('vm-export=PROD-web\nvm-export=PROD-db\nvm-export=big:2\n');
    const again = resolveScope(parseConfig(text, { file: 'out.cfg' }).model, pool, { file: 'out.cfg' });
    expect(deltaOf(again)).toEqual(['PROD-web delta', 'PROD-db delta', 'big:2']);
  });
});
