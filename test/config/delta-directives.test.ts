/**
 * `#vmbackup: delta=SELECTOR` (repeatable, the vm-export= selector grammar without :N) and
 * `#vmbackup: full_every=N`: read with every problem at its line and column, written back line
 * for line, and comments to VmBackup.py (column-1 `#`), which still reads the vm-export= lines.
 */
import { describe, expect, it } from 'vitest';
import { type CfgModel, DEFAULT_FULL_EVERY, effectiveSettings, formatConfig, formatIssue, parseConfig, ConfigError } from '../../src/config/index.js';

const parse = (text: string) => parseConfig(text, { file: 'd.cfg' });

describe('#vmbackup: delta= and full_every=', () => {
  it('reads repeated delta= lines in file order, names and patterns as vm-export= reads them', () => {
    const r = parse(['#vmbackup: delta=web-01', 'vm-export=web-01', '#vmbackup: full_every=5', '#vmbackup: delta=db\\..*', '#vmbackup:delta= caf\\xc3\\xa9$ ', 'vm-export=db\\..*:3'].join('\n'));
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.model.directives).toEqual({
      fullEvery: 5,
      delta: [
        { selector: { kind: 'name', name: 'web-01' }, line: 1 },
        { selector: { kind: 'pattern', pattern: 'db\\..*' }, line: 4 },
        // The writer's exact-name regex reads back as the name.
        { selector: { kind: 'name', name: 'café' }, line: 5 },
      ],
    });
  });

  it('full_every defaults to 7; 1 means always full', () => {
    expect(DEFAULT_FULL_EVERY).toBe(7);
    expect(effectiveSettings(parse('vm-export=a\n').model).fullEvery).toBe(7);
    expect(effectiveSettings(parse('#vmbackup: full_every=1\nvm-export=a\n').model).fullEvery).toBe(1);
  });

  it.each([
    ['#vmbackup: delta=  a[b', 1, 21, /invalid regex "a\[b": .*never closed/, /Python 2 re syntax/],
    ['vm-export=x\n#vmbackup: delta=web(', 2, 21, /invalid regex "web\(":/, /fix the pattern/],
    ['#vmbackup: delta=web-01:3', 1, 24, /delta=web-01:3 has a ":": delta= takes no :N/, /#vmbackup: delta=web-01$/],
    ['#vmbackup: delta=mail:25x', 1, 22, /has a ":"/, /\\x3a/],
    ['#vmbackup: delta=', 1, undefined, /delta= needs a selector/, /delta=\.\*/],
    ['#vmbackup: full_every=0', 1, undefined, /full_every=0 is not a whole number from 1 to 1000/, /full_every=2/],
    ['#vmbackup: full_every=weekly', 1, undefined, /full_every=weekly is not a whole number/, /full_every=/],
    ['#vmbackup: full_every=3\n#vmbackup: full_every=4', 2, undefined, /full_every is set twice \(lines 1 and 2\)/, /keep one/],
    ['#vmbackup: detla=web', 1, undefined, /unknown directive key "detla"/, /did you mean #vmbackup: delta=/],
  ])('%j: an error at line %i column %s, with a fix', (text, line, column, message, hint) => {
    const r = parse(text);
    expect(r.errors).toHaveLength(1);
    const e = r.errors[0]!;
    expect(e.line).toBe(line);
    expect(e.column).toBe(column);
    expect(e.message).toMatch(message);
    expect(e.hint).toMatch(hint);
    expect(formatIssue(e)).toMatch(new RegExp(`^d\\.cfg:${line}${column === undefined ? '' : `:${column}`}: error: `));
  });

  it('a delta line written as a legacy key is refused with the directive form as the fix', () => {
    const r = parse('delta=web\n');
    expect(r.errors[0]!.hint).toMatch(/write it as "#vmbackup: delta=\.\.\."/);
  });

  it('the writer keeps the delta= lines, repeated and in order, after the other directives', () => {
    const model: CfgModel = {
      settings: { maxBackups: 4 },
      directives: {
        pool: 'https://xen1.example.com',
        delta: [{ selector: { kind: 'name', name: 'web.example.com' } }, { selector: { kind: 'pattern', pattern: 'DB-.*' } }, { selector: { kind: 'name', name: 'app 1' } }],
        fullEvery: 3,
      },
      selections: [{ action: 'vm-export', selector: { kind: 'pattern', pattern: '.*' } }],
    };
    const text = formatConfig(model);
    expect(text).toBe(
      [
        '#vmbackup: pool=https://xen1.example.com',
        '#vmbackup: full_every=3',
        '#vmbackup: delta=web\\.example\\.com$',
        '#vmbackup: delta=DB-.*',
        '#vmbackup: delta=app 1',
        'max_backups=4',
        '',
        'vm-export=.*',
        '',
      ].join('\n'),
    );
    const back = parse(text);
    expect(back.errors).toEqual([]);
    expect(back.model.directives.delta!.map((d) => d.selector)).toEqual(model.directives.delta!.map((d) => d.selector));
    expect(back.model.directives.fullEvery).toBe(3);
  });

  it.each([
    ['an empty pattern', { kind: 'pattern' as const, pattern: '' }, /empty pattern/],
    ['a pattern with ":"', { kind: 'pattern' as const, pattern: '(?:web)' }, /":"/],
    ['a pattern read as a name', { kind: 'pattern' as const, pattern: 'web' }, /exact name/],
    ['an invalid pattern', { kind: 'pattern' as const, pattern: 'a[' }, /never closed/],
  ])('the writer refuses a delta= with %s', (_what, selector, message) => {
    const model: CfgModel = { settings: {}, directives: { delta: [{ selector }] }, selections: [] };
    expect(() => formatConfig(model)).toThrow(ConfigError);
    expect(() => formatConfig(model)).toThrow(message);
  });

  it('VmBackup.py reads a cfg with delta lines as comments: only the vm-export= lines remain', () => {
    // The original's rule: a line starting with "#" in column 1 is skipped.
    const text = formatConfig({ settings: {}, directives: { delta: [{ selector: { kind: 'name', name: 'web' } }], fullEvery: 2 }, selections: [{ action: 'vm-export', selector: { kind: 'name', name: 'web' } }] });
    const legacy = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(legacy).toEqual(['vm-export=web']);
  });
});
