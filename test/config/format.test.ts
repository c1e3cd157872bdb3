import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CfgModel, ConfigError, formatConfig, nameSelectorText, parseConfig, type SelectionLine } from '../../src/config/index.js';
import { askPython } from '../helpers/python-oracle.js';

/** Drop the line numbers the parser adds, to compare with a model built in code. */
function withoutLines(model: CfgModel): CfgModel {
  const directives = model.directives.delta ? { ...model.directives, delta: model.directives.delta.map(({ line: _line, ...rest }) => rest) } : model.directives;
  return { ...model, directives, selections: model.selections.map(({ line: _line, ...rest }) => rest) };
}

describe('writing a VM name', () => {
  it.each([
    ['my-vm_01', 'my-vm_01'],
    ['DEV mySql', 'DEV mySql'],
    ['web.example.com', 'web\\.example\\.com$'],
    ['mail:25', 'mail\\x3a25$'],
    ['a=b', 'a\\x3db$'],
    ['Serveur-é', 'Serveur-\\xc3\\xa9$'],
    [' lead', '\\x20lead$'],
    ['trail ', 'trail\\x20$'],
    ['tab\there', 'tab\there'], // a simple name: tabs are in its class
    ['two\nlines', 'two\\x0alines$'],
    ['VM (old) [1]', 'VM \\(old\\) \\[1\\]$'],
    ['#1 backup', '\\#1 backup$'],
    ['', '$'],
  ])('%j is written %j', (name, text) => {
    expect(nameSelectorText(name)).toBe(text);
  });
});

describe('formatConfig', () => {
  it('writes directives, settings and selection lines that read back to the same model', () => {
    const model: CfgModel = {
      settings: { poolDbBackup: 1, maxBackups: 3, backupDir: '/mnt/nas backups', statusLog: '/var/log/vmbackup/status.log', vdiExportFormat: 'vhd' },
      directives: { pool: 'https://xen1.example.com', compress: 'zstd', mailTo: ['a@example.com', 'b@example.com'] },
      selections: [
        { action: 'exclude', selector: { kind: 'pattern', pattern: 'TEMP-.*' } },
        { action: 'vdi-export', selector: { kind: 'name', name: 'big:data' }, maxBackups: 2 },
        { action: 'vm-export', selector: { kind: 'name', name: 'web.example.com' } },
        { action: 'vm-export', selector: { kind: 'pattern', pattern: 'PROD-.*' }, maxBackups: 7 },
      ],
    };
    const text = formatConfig(model, { header: ['written by a test'] });
    expect(text).toBe(
      [
        '# written by a test',
        '#vmbackup: pool=https://xen1.example.com',
        '#vmbackup: compress=zstd',
        '#vmbackup: mail_to=a@example.com,b@example.com',
        'pool_db_backup=1',
        'max_backups=3',
        'backup_dir=/mnt/nas backups',
        'status_log=/var/log/vmbackup/status.log',
        'vdi_export_format=vhd',
        '',
        'exclude=TEMP-.*',
        'vdi-export=big\\x3adata$:2',
        'vm-export=web\\.example\\.com$',
        'vm-export=PROD-.*:7',
        '',
      ].join('\n'),
    );
    const back = parseConfig(text, { file: 'out.cfg' });
    expect(back.errors).toEqual([]);
    expect(withoutLines(back.model)).toEqual(model);
  });

  it.each<[string, CfgModel, RegExp]>([
    ['a value with "="', { settings: { backupDir: '/a=b' }, directives: {}, selections: [] }, /contains "="/],
    ['a value with a newline', { settings: { statusLog: '/a\nb' }, directives: {}, selections: [] }, /line break/],
    ['a value with edge spaces', { settings: { backupDir: ' /x' }, directives: {}, selections: [] }, /whitespace/],
    ['max_backups 0', { settings: { maxBackups: 0 }, directives: {}, selections: [] }, /not a valid value/],
    ['a pattern with ":"', { settings: {}, directives: {}, selections: [{ action: 'vm-export', selector: { kind: 'pattern', pattern: '(?:a)' } }] }, /":"/],
    ['a pattern the original reads as a name', { settings: {}, directives: {}, selections: [{ action: 'vm-export', selector: { kind: 'pattern', pattern: 'PROD' } }] }, /exact name/],
    ['an invalid pattern', { settings: {}, directives: {}, selections: [{ action: 'vm-export', selector: { kind: 'pattern', pattern: 'a[' } }] }, /never closed/],
    ['an empty exclude pattern', { settings: {}, directives: {}, selections: [{ action: 'exclude', selector: { kind: 'pattern', pattern: '' } }] }, /ignored by the original/],
    ['exclude with :N', { settings: {}, directives: {}, selections: [{ action: 'exclude', selector: { kind: 'name', name: 'x' }, maxBackups: 2 }] }, /not allowed/],
  ])('refuses %s', (_what, model, message) => {
    expect(() => formatConfig(model)).toThrow(ConfigError);
    try {
      formatConfig(model);
    } catch (err) {
      expect((err as ConfigError).issues.map((i) => i.message).join('\n')).toMatch(message);
    }
  });
});

// ---- property tests -------------------------------------------------------------------------

const nameChar = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...'aZ09_- .:=[](){}\\$^*+?|#/\'"'.split(''), '\t', '\n', '\r', '\u00a0', 'é', '€', '😀', '\x00', '\x7f') },
  { weight: 2, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0x10ffff }).filter((c) => c < 0xd800 || c > 0xdfff).map((c) => String.fromCodePoint(c)) },
);
const vmName = fc.array(nameChar, { maxLength: 24 }).map((chars) => chars.join(''));
const pathValue = fc
  .array(fc.constantFrom('/', 'a', 'B', '9', ' ', '.', '-', '_', 'é', '#', ':', "'"), { minLength: 1, maxLength: 20 })
  .map((c) => '/' + c.join('').trim())
  .filter((p) => p.trim() === p);
const patterns = ['PROD-.*', 'DEV.*(TEST|test).*', '.*SAVE$', '[a-z]+-\\d{2}', '^web', 'a|b', '(?i)prod-', 'x\\x3ay.*'];

const selection: fc.Arbitrary<SelectionLine> = fc
  .record({
    action: fc.constantFrom('vm-export' as const, 'vdi-export' as const, 'exclude' as const),
    selector: fc.oneof(
      { weight: 3, arbitrary: vmName.map((name) => ({ kind: 'name' as const, name })) },
      { weight: 1, arbitrary: fc.constantFrom(...patterns).map((pattern) => ({ kind: 'pattern' as const, pattern })) },
    ),
    maxBackups: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }),
  })
  .map((s) => {
    const line: SelectionLine = { action: s.action, selector: s.selector };
    if (s.maxBackups !== undefined && s.action !== 'exclude') line.maxBackups = s.maxBackups;
    return line;
  });

const model: fc.Arbitrary<CfgModel> = fc.record({
  settings: fc.record(
    {
      poolDbBackup: fc.constantFrom(0 as const, 1 as const),
      maxBackups: fc.integer({ min: 1, max: 1000 }),
      backupDir: pathValue,
      statusLog: pathValue,
      vdiExportFormat: fc.constantFrom('raw' as const, 'vhd' as const),
    },
    { requiredKeys: [] },
  ),
  directives: fc.record(
    {
      pool: fc.constantFrom('https://xen1.example.com', 'http://10.0.0.1:8080', 'https://[2001:db8::1]'),
      user: fc.constantFrom('root', 'DOMAIN\\backup', 'ops user'),
      compress: fc.constantFrom('none' as const, 'gzip' as const, 'zstd' as const),
      concurrency: fc.integer({ min: 1, max: 16 }),
      preClean: fc.boolean(),
      ignoreExtraKeys: fc.boolean(),
      mailTo: fc.array(fc.constantFrom('a@example.com', 'ops+vm@corp.example'), { minLength: 1, maxLength: 3 }),
      mailFrom: fc.constant('vmbackup@example.com'),
      smtpServer: fc.constantFrom('mail.example.com', 'mail.example.com:587'),
      fullEvery: fc.integer({ min: 1, max: 1000 }),
      delta: fc.array(
        fc.oneof(
          { weight: 3, arbitrary: vmName.map((name) => ({ selector: { kind: 'name' as const, name } })) },
          { weight: 1, arbitrary: fc.constantFrom(...patterns).map((pattern) => ({ selector: { kind: 'pattern' as const, pattern } })) },
        ),
        { minLength: 1, maxLength: 4 },
      ),
    },
    { requiredKeys: [] },
  ),
  selections: fc.array(selection, { maxLength: 12 }),
});

describe('round trip', () => {
  it('parse(format(m)) equals m, for names with unicode, spaces, dots, colons, "=", brackets and edge spaces', () => {
    fc.assert(
      fc.property(model, (m) => {
        const text = formatConfig(m);
        const back = parseConfig(text, { file: 'rt.cfg' });
        expect(back.errors).toEqual([]);
        expect(withoutLines(back.model)).toEqual(m);
      }),
      { numRuns: 1500 },
    );
  });
});

describe('the original script reads a written name to the same single VM', () => {
  // What VmBackup.py does with a selector line (spec §2.1, §2.4, §3.2), step by step, with a
  // real Python re (bytes) deciding the regex matches.
  it('for random names, against look-alike names', () => {
    const rng = fc.sample(vmName, { numRuns: 400, seed: 42 });
    const cases = rng.map((name) => {
      const line = `vm-export=${nameSelectorText(name)}:3`;
      // Python: line.strip().split('=') must give two parts; value.split(':')[0] is the selector.
      const parts = line.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '').split('=');
      expect(parts).toHaveLength(2);
      const value = parts[1]!.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');
      const [selector, n] = value.split(':');
      expect(n).toBe('3');
      expect(line).not.toMatch(/\n/);
      const others = [name + 'x', 'x' + name, name.slice(0, -1), name.toUpperCase() === name ? name.toLowerCase() : name.toUpperCase(), name + ' ']
        .filter((o) => o !== name);
      return { name, selector: selector!, others };
    });
    const simple = /^[A-Za-z0-9_ \t\n\v\f\r-]+$/;
    const regexCases = cases.filter((c) => !simple.test(c.selector));
    const { answers } = askPython(regexCases.map((c) => ({ pattern: c.selector, subjects: [c.name, ...c.others] })));
    regexCases.forEach((c, i) => {
      const a = answers[i]!;
      expect('matches' in a ? a.matches : a, `${JSON.stringify(c.name)} as ${c.selector}`).toEqual([true, ...c.others.map(() => false)]);
    });
    // Simple names are compared with ==, so they are written only when the name is exactly that.
    for (const c of cases.filter((c) => simple.test(c.selector))) expect(c.selector).toBe(c.name);
    expect(regexCases.length).toBeGreaterThan(200);
  });
});
