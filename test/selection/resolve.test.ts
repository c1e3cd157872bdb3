import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CfgModel, SelectionLine } from '../../src/config/index.js';
import { resolveScope, type VmCandidate } from '../../src/selection/index.js';
import { resolveModel, resolveText, summarize, vms } from '../helpers/scope.js';

const pool = vms('PROD-web', 'PROD-db', 'DEV-app', 'DEV-ci', 'big');

describe('scope resolution (3.24 semantics, order-independent)', () => {
  it('excludes always win, even when written after the selection', () => {
    const { summary } = resolveText('vm-export=PROD.*\nvm-export=DEV-app\nexclude=PROD-db\nexclude=DEV.*\n', pool);
    expect(summary).toEqual({ vdiExport: [], vmExport: ['PROD-web'], exclude: ['PROD-db', 'DEV-app', 'DEV-ci'] });
  });

  it('warns when an exact name is both selected and excluded', () => {
    const { scope } = resolveText('vm-export=DEV-app\nexclude=DEV-app\nvm-export=big\n', pool);
    expect(scope.warnings).toEqual([expect.objectContaining({ line: 1, message: expect.stringMatching(/excluded on line 2/) })]);
  });

  it('vdi-export beats vm-export whatever the order', () => {
    for (const cfg of ['vm-export=big:2\nvdi-export=big\n', 'vdi-export=big\nvm-export=big:2\n']) {
      expect(resolveText(cfg, pool).summary).toEqual({ vdiExport: ['big'], vmExport: [], exclude: [] });
    }
  });

  it('the last definition decides :N, and the VM keeps the place where it was first selected', () => {
    const { summary, scope } = resolveText('vm-export=PROD.*:2\nvm-export=big\nvm-export=PROD-db:7\n', pool);
    expect(summary.vmExport).toEqual(['PROD-web:2', 'PROD-db:7', 'big']);
    expect(scope.warnings.map((w) => w.line)).toEqual([3]);
  });

  it('a later line without :N falls back to max_backups, with a warning naming both lines', () => {
    const { summary, scope } = resolveText('max_backups=5\nvm-export=big:2\nvm-export=.*\n', pool);
    expect(summary.vmExport).toEqual(['big', 'PROD-web', 'PROD-db', 'DEV-app', 'DEV-ci']);
    expect(scope.warnings[0]).toMatchObject({ line: 3, message: expect.stringMatching(/global max_backups for big, replacing :2 from line 2/) });
  });

  it('one entry per VM, however many lines select it', () => {
    const { summary } = resolveText('vm-export=PROD-web\nvm-export=PROD.*\nvm-export=.*web\nvm-export=PROD-web\n', pool);
    expect(summary.vmExport).toEqual(['PROD-web', 'PROD-db']);
  });

  it('templates, snapshots and control domains are never candidates', () => {
    const mixed: VmCandidate[] = [
      { name: 'PROD-web', uuid: 'u1' },
      { name: 'PROD-template', uuid: 'u2', isTemplate: true },
      { name: 'RESTORE_PROD-web', uuid: 'u3', isSnapshot: true },
      { name: 'Control domain on host: xen1', uuid: 'u4', isControlDomain: true },
    ];
    expect(resolveText('vm-export=.*\n', mixed).summary.vmExport).toEqual(['PROD-web']);
  });

  it('vm-export= (empty) selects every VM, as the original; empty exclude= and vdi-export= are ignored', () => {
    const { summary, scope } = resolveText('exclude=\nvdi-export=\nvm-export=\n', pool);
    expect(summary).toEqual({ vdiExport: [], vmExport: ['PROD-web', 'PROD-db', 'DEV-app', 'DEV-ci', 'big'], exclude: [] });
    expect(scope.errors).toEqual([]);
  });

  it('an alternation is anchored as a whole: a|b means "starts with a, or starts with b"', () => {
    expect(resolveText('vm-export=DEV-a|PROD-d\n', pool).summary.vmExport).toEqual(['PROD-db', 'DEV-app']);
  });

  it('a selector that matches nothing is a warning with its line', () => {
    const { scope, summary } = resolveText('vm-export=big\nvm-export=nope\nexclude=PROD-x.*\n', pool);
    expect(summary.vmExport).toEqual(['big']);
    expect(scope.warnings.map((w) => [w.line, w.message])).toEqual([
      [2, 'vm-export=nope matches no VM'],
      [3, 'exclude=PROD-x.* matches no VM'],
    ]);
    expect(scope.errors).toEqual([]);
  });

  it('a name shared by two VMs is an error listing their uuids; the other VMs stay in scope', () => {
    const twins: VmCandidate[] = [
      { name: 'web', uuid: 'aaaa-1' },
      { name: 'db', uuid: 'bbbb-2' },
      { name: 'web', uuid: 'cccc-3' },
    ];
    const { scope, summary } = resolveText('vm-export=.*\n', twins);
    expect(summary.vmExport).toEqual(['db']);
    expect(scope.errors).toHaveLength(1);
    expect(scope.errors[0]!.message).toMatch(/2 VMs are named "web" \(aaaa-1, cccc-3\)/);
  });

  it('without uuids (a names file), the error points at the lines of that file', () => {
    const listed: VmCandidate[] = [{ name: 'web', origin: 'names.txt:1' }, { name: 'web', origin: 'names.txt:4' }];
    expect(resolveText('vm-export=web\n', listed).scope.errors[0]!.message).toMatch(/\(names\.txt:1, names\.txt:4\)/);
  });

  it('a shared name outside the scope is not an error', () => {
    const twins = vms('web', 'web', 'db');
    expect(resolveText('vm-export=db\n', twins).scope.errors).toEqual([]);
  });

  it('nothing selected is an error, like "ERROR no VMs loaded"', () => {
    const { scope } = resolveText('vm-export=nope\n', pool);
    expect(scope.errors.map((e) => e.message)).toEqual([expect.stringMatching(/no VMs selected/)]);
  });

  it('a non-simple name written as an exact regex selects just that VM (and, as in Python, name+"\\n")', () => {
    const odd = vms('mail.example.com', 'mailxexample.com', 'mail.example.com-old', 'mail.example.com\n');
    const { summary } = resolveText('vm-export=mail\\.example\\.com$\n', odd);
    expect(summary.vmExport).toEqual(['mail.example.com', 'mail.example.com\n']);
  });

  it('backup order: every vdi-export before every vm-export', () => {
    const scope = resolveText('vm-export=PROD-web\nvdi-export=big\nvm-export=DEV-app\n', pool).scope;
    expect([...scope.vdiExport, ...scope.vmExport].map((e) => e.vm.name)).toEqual(['big', 'PROD-web', 'DEV-app']);
  });

  it('an invalid pattern in a model built in code is an error, not an exception', () => {
    const model: CfgModel = { settings: {}, directives: {}, selections: [{ action: 'vm-export', selector: { kind: 'pattern', pattern: 'a(' }, line: 4 }] };
    expect(resolveModel(model, pool).errors[0]).toMatchObject({ line: 4, message: expect.stringMatching(/invalid regex/) });
  });
});

describe('order independence', () => {
  const names = ['a1', 'a2', 'b1', 'b2', 'ab', 'c'];
  const selector = fc.oneof(
    fc.constantFrom(...names).map((name) => ({ kind: 'name' as const, name })),
    fc.constantFrom('a.*', 'b', '.*2', 'a|b', '[ac]').map((pattern) => ({ kind: 'pattern' as const, pattern })),
  );
  const line = fc.record({ action: fc.constantFrom('vm-export' as const, 'vdi-export' as const, 'exclude' as const), selector });

  it('without :N, the order of the lines does not change which VM gets which mode', () => {
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 8 }).chain((lines) => fc.tuple(fc.constant(lines), fc.shuffledSubarray(lines, { minLength: lines.length }))),
        ([lines, shuffled]: [SelectionLine[], SelectionLine[]]) => {
        const pool = vms(...names);
        const a = summarize(resolveScope({ settings: {}, directives: {}, selections: lines }, pool, { file: 'x' }));
        const b = summarize(resolveScope({ settings: {}, directives: {}, selections: shuffled }, pool, { file: 'x' }));
        expect(new Set(b.vmExport)).toEqual(new Set(a.vmExport));
        expect(new Set(b.vdiExport)).toEqual(new Set(a.vdiExport));
        expect(new Set(b.exclude)).toEqual(new Set(a.exclude));
        // And the three are disjoint: one entry per VM, excluded VMs nowhere.
        const all = [...a.vmExport, ...a.vdiExport];
        expect(new Set(all).size).toBe(all.length);
        expect(all.filter((n) => a.exclude.includes(n))).toEqual([]);
        },
      ),
      { numRuns: 500 },
    );
  });
});
