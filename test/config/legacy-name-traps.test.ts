/**
 * VM names VmBackup.py cannot back up, whatever the cfg says: it splits entries at ":" (the :N),
 * splits its VM list at "," and by lines, and strips spaces at the ends (spec §2.4, §3.1).
 */
import { describe, expect, it } from 'vitest';
import { describeLegacyNameProblem, legacyNameProblems, legacyNameTraps, legacyNameWarning } from '../../src/config/index.js';

describe('legacyNameTraps', () => {
  it.each([
    ['web-01', []],
    ['DEV mySql', []],
    ['web.example.com', []],
    ['Serveur-é', []],
    ['WinSvr:2019', ['colon']],
    ['a,b', ['comma']],
    [' lead', ['edge-space']],
    ['trail ', ['edge-space']],
    ['tab\t', ['edge-space']],
    ['two\nlines', ['line-break']],
    ['x:1, y ', ['colon', 'comma', 'edge-space']],
  ])('%j: %j', (name, traps) => {
    expect(legacyNameTraps(name)).toEqual(traps);
  });
});

describe('the warning', () => {
  it('says what VmBackup.py makes of each name', () => {
    expect(describeLegacyNameProblem({ name: 'WinSvr:2019', traps: ['colon'] })).toBe('"WinSvr:2019": it splits names at ":" and looks for VM "WinSvr" with max_backups "2019"');
    expect(describeLegacyNameProblem({ name: 'a,b', traps: ['comma'] })).toBe('"a,b": its VM list (xe vm-list --minimal) splits names at ",": it sees "a" and "b"');
    expect(describeLegacyNameProblem({ name: ' web ', traps: ['edge-space'] })).toBe('" web ": it strips the spaces at the ends of names: it sees "web"');
  });

  it('names each VM once, in order, and none when every name is fine', () => {
    const problems = legacyNameProblems(['ok', 'b:1', 'a,b', 'b:1', ' c']);
    expect(problems.map((p) => p.name)).toEqual(['b:1', 'a,b', ' c']);
    expect(legacyNameWarning(legacyNameProblems(['ok', 'web 01']))).toEqual([]);
  });

  it('has a heading, one line per VM up to the limit, and what to do', () => {
    const lines = legacyNameWarning(legacyNameProblems(['a:1', 'b,c', ' d', 'e:2']), 2);
    expect(lines).toEqual([
      'VmBackup.py cannot back up 4 VMs this cfg selects (vmbackup can):',
      '  "a:1": it splits names at ":" and looks for VM "a" with max_backups "1"',
      '  "b,c": its VM list (xe vm-list --minimal) splits names at ",": it sees "b" and "c"',
      '  and 2 more',
      'Rename them if the cfg must also run with VmBackup.py (a ":" stops its whole run).',
    ]);
    expect(legacyNameWarning(legacyNameProblems(['x,y'])).at(-1)).toBe('Rename it if the cfg must also run with VmBackup.py.');
  });
});
