import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigIssue, effectiveSettings, formatIssue, parseConfig, parseConfigOrThrow } from '../../src/config/index.js';

const parse = (text: string | Uint8Array, ignoreExtraKeys?: boolean) =>
  parseConfig(text, { file: 'weekend.cfg', ...(ignoreExtraKeys === undefined ? {} : { ignoreExtraKeys }) });
const brief = (issues: ConfigIssue[]) => issues.map((i) => [i.line, i.message]);

describe('the legacy grammar, where the original works', () => {
  it('reads key=value lines, trimmed, with # comments in column 1 and blank lines skipped', () => {
    const r = parse('# comment\n\n  max_backups = 7  \n\tbackup_dir=/mnt/backups dir\r\n#max_backups=9\nvdi_export_format =vhd\npool_db_backup= 1\nstatus_log=/var/log/vm.log\n');
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.model.settings).toEqual({ maxBackups: 7, backupDir: '/mnt/backups dir', vdiExportFormat: 'vhd', poolDbBackup: 1, statusLog: '/var/log/vm.log' });
  });

  it('applies the original defaults to keys that are absent', () => {
    expect(effectiveSettings(parse('').model)).toMatchObject({
      poolDbBackup: 0,
      maxBackups: 4,
      backupDir: '/snapshots/BACKUPS',
      statusLog: '/snapshots/NAUbackup/status.log',
      vdiExportFormat: 'raw',
      compress: 'none',
      preClean: false,
      user: 'root',
      concurrency: 1,
    });
  });

  it('accepts numbers the way Python int() does', () => {
    expect(parse('max_backups=+3\n').model.settings.maxBackups).toBe(3);
    expect(parse('max_backups=007\n').model.settings.maxBackups).toBe(7);
    expect(parse('pool_db_backup=01\n').model.settings.poolDbBackup).toBe(1);
  });

  it('keeps selector lines in file order with their :N and line numbers', () => {
    const r = parse('exclude=DEV-x\n\nvm-export=PROD.*:2\nvdi-export=big\n');
    expect(r.model.selections).toEqual([
      { action: 'exclude', selector: { kind: 'name', name: 'DEV-x' }, line: 1 },
      { action: 'vm-export', selector: { kind: 'pattern', pattern: 'PROD.*' }, maxBackups: 2, line: 3 },
      { action: 'vdi-export', selector: { kind: 'name', name: 'big' }, line: 4 },
    ]);
  });

  it('a simple name is a name, anything else a pattern, and an escaped exact regex a name again', () => {
    const sel = (v: string) => parse(`vm-export=${v}\n`).model.selections[0]?.selector;
    expect(sel('DEV mySql')).toEqual({ kind: 'name', name: 'DEV mySql' });
    expect(sel('web.example.com')).toEqual({ kind: 'pattern', pattern: 'web.example.com' });
    expect(sel('Serveur-é')).toEqual({ kind: 'pattern', pattern: 'Serveur-é' });
    expect(sel('web\\.example\\.com$')).toEqual({ kind: 'name', name: 'web.example.com' });
    // An exact regex of a simple name stays a pattern: the original would read "web" differently.
    expect(sel('web$')).toEqual({ kind: 'pattern', pattern: 'web$' });
  });
});

describe('where the original crashes or misbehaves: file, line and fix', () => {
  it('reports every problem of a file in one pass, in line order', () => {
    const cfg = [
      'max_backups=4', // 1
      'vm-export PROD.*', // 2: no "="
      'vm-export=a=b', // 3: two "="
      'max_backups=5', // 4: repeated scalar
      'compress=true', // 5: unknown key (a command-line option of the original)
      'pool_db_backup=2', // 6: not 0/1
      'vm-export=big:0', // 7: :N below 1
      'vdi_export_format=VHD', // 8
      'vm-export=PRD-[aA.*', // 9: invalid regex
      'max_backup=3', // 10: typo
      '  # indented comment', // 11: warning
      'backup_dir=/x', // 12 fine
    ].join('\n');
    const r = parse(cfg);
    expect(r.errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(r.warnings.map((w) => w.line)).toEqual([11]);
    expect(r.model.settings).toEqual({ maxBackups: 4, backupDir: '/x' });
    for (const issue of [...r.errors, ...r.warnings]) {
      expect(issue.file).toBe('weekend.cfg');
      expect(issue.hint, formatIssue(issue)).toBeTruthy();
    }
  });

  it.each([
    ['vm-export PROD.*', /is not key=value/, /column 1/],
    ['vm-export=a=b', /2 "=" signs/, /\\x3d/],
    ['max_backups=3\nmax_backups=4', /set twice \(lines 1 and 2\)/, /keep one/],
    ['max_backups=three', /not a whole number/, /at least 1/],
    ['max_backups=0', /must be at least 1/, /max_backups=4/],
    ['max_backups=3 # keep three', /no inline comments/, /at least 1/],
    ['pool_db_backup=yes', /not 0 or 1/, /pool_db_backup=0/],
    ['vdi_export_format=VHD', /not raw or vhd/, /lower case/],
    ['vdi_export_format=qcow2', /not raw or vhd/, /raw or vdi_export_format=vhd/],
    ['vm-export=big:0', /whole number of at least 1/, /big:3/],
    ['vm-export=big:-3', /whole number of at least 1/, /big:3/],
    ['vm-export=big:two', /whole number of at least 1/, /big:3/],
    ['vm-export=a:1:2', /more than one ":"/, /\\x3a/],
    ['Max_Backups=3', /unknown key "Max_Backups"/, /did you mean max_backups\?/],
    ['vm_export=big', /unknown key/, /did you mean vm-export\?/],
    ['pre_clean=true', /unknown key/, /#vmbackup: pre_clean=/],
    ['backup_dir=', /backup_dir is empty/, /backup_dir=\/snapshots\/BACKUPS/],
    ['   #vmbackup: compress=zstd', /must start in column 1/, /remove the spaces/],
  ])('%j', (cfg, message, hint) => {
    const [error] = parse(cfg).errors;
    expect(error?.message).toMatch(message);
    expect(error?.hint).toMatch(hint);
  });

  it('places a regex error at its column in the line', () => {
    const [error] = parse('  vm-export =  PRD-[aA.*\n').errors;
    expect(error).toMatchObject({ line: 1, column: 20 }); // the "["
    expect(formatIssue(error!)).toMatch(/^weekend\.cfg:1:20: error: invalid regex "PRD-\[aA\.\*": \[ is never closed/);
  });

  it('unknown keys are warnings with ignore_extra_keys=true (option or directive, wherever it is)', () => {
    expect(brief(parse('space_threshold=20\n', true).warnings)).toEqual([[1, 'ignoring unknown key "space_threshold" (ignore_extra_keys is on)']]);
    const r = parse('mail_to=x@y\n#vmbackup: ignore_extra_keys=true\n');
    expect(r.errors).toEqual([]);
    expect(r.warnings).toHaveLength(1);
    // The command line wins over the directive.
    expect(parseConfig('mail_to=x@y\n#vmbackup: ignore_extra_keys=true\n', { file: 'f', ignoreExtraKeys: false }).errors).toHaveLength(1);
  });

  it.each([
    ['  # indented', /indented comment/],
    ['vm-export=big :3', /space before ":"/],
    ['vm-export=big # nightly', /no inline comments/],
    ["backup_dir='/snapshots/x'", /starts with a quote/],
    ['vm-export=big:', /empty :N/],
    ['exclude=', /ignored/],
    ['vdi-export=', /ignored/],
    ['vm-export=', /every VM/],
    ['exclude=big:3', /exclude takes no :N/],
    ['# vmbackup: compress=zstd', /looks like a directive/],
  ])('warns about %j', (cfg, message) => {
    const r = parse(cfg);
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => w.message)).toContainEqual(expect.stringMatching(message));
  });

  it('a UTF-8 byte-order mark is dropped with a warning; a non-UTF-8 line is an error', () => {
    const bom = parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('max_backups=2\n')]));
    expect(bom.errors).toEqual([]);
    expect(bom.model.settings.maxBackups).toBe(2);
    expect(bom.warnings[0]?.message).toMatch(/byte-order mark/);
    const latin1 = parse(Buffer.concat([Buffer.from('max_backups=2\nvm-export=Serveur-'), Buffer.from([0xe9]), Buffer.from('\n')]));
    expect(brief(latin1.errors)).toEqual([[2, 'this line is not valid UTF-8']]);
    expect(latin1.model.settings.maxBackups).toBe(2);
  });

  it('parseConfigOrThrow throws one ConfigError carrying every error', () => {
    let caught: unknown;
    try {
      parseConfigOrThrow('a\nb\nmax_backups=1\n', { file: 'x.cfg' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).issues.filter((i) => i.severity === 'error').map((i) => i.line)).toEqual([1, 2]);
    expect((caught as ConfigError).message).toMatch(/^x\.cfg:1: error: .*\(and 1 more\)/);
  });
});

describe('fuzzing', () => {
  it('any bytes give a result (or a ConfigError from the throwing form), never another exception', () => {
    const lines = fc.array(
      fc.oneof(
        fc.constantFrom('vm-export=', 'vdi-export=', 'exclude=', 'max_backups=', '#vmbackup: ', '#vmbackup: pool=', '=', ':', '\n', '\r\n', '#', ' ', '\t', '\ufeff', '\\', '(', '[', '$', '*'),
        fc.string({ unit: 'binary', maxLength: 12 }),
      ),
      { maxLength: 40 },
    );
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 400 }),
      lines.map((parts) => Buffer.from(parts.join(''), 'utf8')),
    );
    fc.assert(
      fc.property(input, (bytes) => {
        const r = parseConfig(bytes, { file: 'fuzz.cfg' });
        for (const i of [...r.errors, ...r.warnings]) expect(i.line === null || i.line >= 1).toBe(true);
        try {
          parseConfigOrThrow(bytes, { file: 'fuzz.cfg' });
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
        }
      }),
      { numRuns: 4000 },
    );
  });
});
