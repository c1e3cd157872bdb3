/**
 * The command line through a real child process: what a sysadmin (or cron) sees.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { VERSION } from '../../src/cli/main.js';
import { resolveScope } from '../../src/selection/index.js';
import { summarize } from '../helpers/scope.js';
import { tempDir, vmbackup, vmbackupAsync } from '../helpers/cli.js';
import { stopAll, testSimulator } from '../helpers/sim.js';

const TS = /^\d{4}-\d{2}-\d{2}-\(\d{2}:\d{2}:\d{2}\) - /;
const NAMES = ['PROD-ubuntu14', 'PROD-ubuntu12-benchmark', 'PROD-CentOS7-large-user-disks', 'DEV-RH6', 'DEV-RH7', 'PROD-WinSvr', 'mail.example.com:25', 'Serveur-é'];
const WEEKEND = [
  '# Weekend VMs',
  'max_backups=4',
  'backup_dir=.',
  '#vmbackup: compress=zstd',
  'vdi-export=PROD-CentOS7.large-user-disks',
  'vm-export=PROD.*',
  'vm-export=DEV-RH.*:3',
  'vm-export=mail.example.com.25$',
  'vm-export=Serveur-..$:2',
  'exclude=PROD-ubuntu12.benchmark',
  '',
].join('\n');

afterEach(stopAll);

let dir: string;
beforeEach(() => {
  dir = tempDir();
  writeFileSync(join(dir, 'weekend.cfg'), WEEKEND);
  writeFileSync(join(dir, 'names.txt'), NAMES.join('\n') + '\n');
});

describe('help', () => {
  it('--help prints the usage and exits 0', () => {
    const r = vmbackup(['--help'], dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^vmbackup: backups of XenServer/);
    expect(r.stdout).toMatch(/vmbackup preview --config FILE.cfg --vm-names NAMES.txt/);
  });

  it.each([['restore'], ['list'], ['login']])('%s --help prints the usage with its paragraph, contacts nothing and exits 0', (command) => {
    const r = vmbackup([command, '--help'], dir);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^  ${command} \\[?`, 'm'));
  });

  it('the legacy words help, config and example print our texts, in that order', () => {
    const r = vmbackup(['example', 'config'], dir);
    expect(r.status).toBe(0);
    const config = r.stdout.indexOf('The cfg file');
    const example = r.stdout.indexOf('Examples');
    expect(config).toBeGreaterThanOrEqual(0);
    expect(example).toBeGreaterThan(config);
    expect(r.stdout).toMatch(/#vmbackup: compress\s+compress vm-export files/);
    // In the legacy positional form too, as the original (any argument equal to the word).
    expect(vmbackup(['secret', 'help'], dir).stdout).toMatch(/^vmbackup: backups of/);
  });

  it('no arguments and no terminal (cron): one line pointing to --config, exit 2', () => {
    const r = vmbackup([], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^vmbackup: no terminal for the interactive interface; .*vmbackup --config FILE\.cfg/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('--version matches package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
    expect(vmbackup(['--version'], dir).stdout).toBe(`vmbackup ${pkg.version}\n`);
  });
});

describe('vmbackup preview', () => {
  it('prints the legacy settings block, the scope in backup order, and SUCCESS; exit 0', () => {
    const r = vmbackup(['preview', '--config', 'weekend.cfg', '--vm-names', 'names.txt'], dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(TS);
    expect(lines[0]!.replace(TS, '')).toBe('VmBackup config loaded from: weekend.cfg');
    const block = lines.filter((l) => TS.test(l)).map((l) => l.replace(TS, ''));
    expect(block.slice(1, 14)).toEqual([
      'VmBackup.py running with these settings:',
      '  backup_dir        = .',
      '  status_log        = /snapshots/NAUbackup/status.log',
      '  compress          = zstd',
      '  max_backups       = 4',
      '  vdi_export_format = raw',
      '  pool_db_backup    = 0',
      '  exclude (cnt)= 1',
      '  exclude: PROD-ubuntu12-benchmark',
      '  vdi-export (cnt)= 1',
      '  vdi-export: PROD-CentOS7-large-user-disks',
      '  vm-export (cnt)= 6',
      '  vm-export: DEV-RH6:3, DEV-RH7:3, PROD-WinSvr, PROD-ubuntu14, Serveur-é:2, mail.example.com:25',
    ]);
    // compress once, on the line the original prints (True/False there; zstd by name).
    expect(block.filter((l) => /^ {2}compress +=/.test(l))).toEqual(['  compress          = zstd']);
    expect(r.stdout).toMatch(/Backup order \(7 VMs; vdi-export runs first/);
    expect(r.stdout).toMatch(/ 1 {2}vdi-export {2}PROD-CentOS7-large-user-disks +keep 4 +weekend\.cfg:5/);
    expect(r.stdout).toMatch(/ 7 {2}vm-export {3}Serveur-é +keep 2 +weekend\.cfg:9/);
    expect(lines.at(-2)).toMatch(TS);
    expect(lines.at(-2)!.replace(TS, '')).toBe('SUCCESS preview of parameters ');
  });

  it('reports every problem with file:line and exits 2 when the cfg is invalid', () => {
    writeFileSync(join(dir, 'bad.cfg'), 'max_backups=3\nvm-export PROD\nvm-export=PRD-[aA.*\nvm-export=nope\nmax_backups=4\n');
    const r = vmbackup(['preview', '--config', 'bad.cfg', '--vm-names', 'names.txt'], dir);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/^bad\.cfg:2: error: "vm-export PROD" is not key=value; fix: /m);
    expect(r.stdout).toMatch(/^bad\.cfg:3:15: error: invalid regex "PRD-\[aA\.\*"/m);
    expect(r.stdout).toMatch(/^bad\.cfg:4: warning: vm-export=nope matches no VM/m);
    expect(r.stdout).toMatch(/^bad\.cfg:5: error: max_backups is set twice \(lines 1 and 5\)/m);
    expect(r.stdout).toMatch(/ - ERROR 4 configuration errors found \(see above\)  - WARNINGS found \(see above\)\n$/);
  });

  it('--json prints one object with settings, scope, warnings and errors', () => {
    const r = vmbackup(['preview', '--config', 'weekend.cfg', '--vm-names', 'names.txt', '--json'], dir);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.valid).toBe(true);
    expect(out.settings).toMatchObject({ backupDir: '.', maxBackups: 4, compress: 'zstd', vdiExportFormat: 'raw' });
    expect(out.vdiExport).toEqual([{ name: 'PROD-CentOS7-large-user-disks', maxBackups: 4, line: 5 }]);
    expect(out.vmExport.map((e: { name: string; maxBackups: number }) => [e.name, e.maxBackups])).toEqual([
      ['PROD-ubuntu14', 4],
      ['PROD-WinSvr', 4],
      ['DEV-RH6', 3],
      ['DEV-RH7', 3],
      ['mail.example.com:25', 4],
      ['Serveur-é', 2],
    ]);
    expect(out.exclude).toEqual(['PROD-ubuntu12-benchmark']);
    expect(out.warnings).toEqual([]);
    expect(out.errors).toEqual([]);
  });

  it('with vdi-export, notes that only the boot disk is taken (a names list cannot tell which VMs have more), unless vdi_disks is set', () => {
    const text = vmbackup(['preview', '--config', 'weekend.cfg', '--vm-names', 'names.txt'], dir).stdout;
    expect(text).toMatch(/^note: vdi-export takes the boot disk of each VM only, as VmBackup\.py; other disks are not backed up\. `--preview` against the pool names them; #vmbackup: vdi_disks=all takes every disk/m);
    expect(JSON.parse(vmbackup(['preview', '--config', 'weekend.cfg', '--vm-names', 'names.txt', '--json'], dir).stdout).notes).toHaveLength(1);
    writeFileSync(join(dir, 'all.cfg'), `#vmbackup: vdi_disks=all\n${readFileSync(join(dir, 'weekend.cfg'), 'utf8')}`);
    expect(vmbackup(['preview', '--config', 'all.cfg', '--vm-names', 'names.txt'], dir).stdout).not.toContain('note:');
  });

  it('--json with errors: exit 2, errors as {line, message}', () => {
    writeFileSync(join(dir, 'bad.cfg'), 'vm-export=PROD.*\nmax_backups=0\n');
    const r = vmbackup(['preview', '--config', 'bad.cfg', '--vm-names', 'names.txt', '--json'], dir);
    expect(r.status).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out.valid).toBe(false);
    expect(out.errors).toEqual([expect.objectContaining({ file: 'bad.cfg', line: 2, message: 'max_backups=0 must be at least 1' })]);
  });

  it('--selector previews a command-line selector', () => {
    const r = vmbackup(['preview', '--selector', 'vdi-export=DEV-RH.*:2', '--vm-names', 'names.txt', '--json'], dir);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).vdiExport.map((e: { name: string }) => e.name)).toEqual(['DEV-RH6', 'DEV-RH7']);
  });

  it('usage errors exit 2 with a hint', () => {
    const r = vmbackup(['preview', '--config', 'weekend.cfg'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--vm-names NAMES.txt is required/);
    expect(vmbackup(['preview', '--config', 'missing.cfg', '--vm-names', 'names.txt'], dir).stderr).toMatch(/cannot read cfg file missing\.cfg: no such file/);
  });
});

describe('preview --save-config', () => {
  it('writes the resolved scope, one escaped line per VM, which reads back to the same scope', () => {
    const r = vmbackup(['preview', '--config', 'weekend.cfg', '--vm-names', 'names.txt', '--save-config', 'resolved.cfg'], dir);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/wrote resolved\.cfg \(7 VMs, one line each\)/);
    const text = readFileSync(join(dir, 'resolved.cfg'), 'utf8');
    expect(text).toContain('vm-export=mail\\.example\\.com\\x3a25$\n');
    expect(text).toContain('vm-export=Serveur-\\xc3\\xa9$:2\n');
    expect(text).toContain('#vmbackup: compress=zstd\n');
    expect(text).toMatch(/^max_backups=4$/m);
    const pool = NAMES.map((name) => ({ name }));
    const original = summarize(resolveScope(parseConfig(WEEKEND, { file: 'w' }).model, pool, { file: 'w' }));
    const saved = parseConfig(text, { file: 'resolved.cfg' });
    expect(saved.errors).toEqual([]);
    const resaved = summarize(resolveScope(saved.model, pool, { file: 'resolved.cfg' }));
    expect({ ...resaved, exclude: [] }).toEqual({ ...original, exclude: [] });
  });

  it('refuses to overwrite without --force, and replaces with it', () => {
    writeFileSync(join(dir, 'resolved.cfg'), 'keep me\n');
    const refused = vmbackup(['preview', '--config', 'weekend.cfg', '--vm-names', 'names.txt', '--save-config', 'resolved.cfg'], dir);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/resolved\.cfg already exists; not overwritten.*\n.*--force/);
    expect(readFileSync(join(dir, 'resolved.cfg'), 'utf8')).toBe('keep me\n');
    const forced = vmbackup(['preview', '--config', 'weekend.cfg', '--vm-names', 'names.txt', '--save-config', 'resolved.cfg', '--force'], dir);
    expect(forced.status).toBe(0);
    expect(readFileSync(join(dir, 'resolved.cfg'), 'utf8')).toMatch(/^vdi-export=PROD-CentOS7-large-user-disks$/m);
  });

  it('does not save an invalid configuration', () => {
    writeFileSync(join(dir, 'bad.cfg'), 'vm-export=PROD.*\nbogus=1\n');
    const r = vmbackup(['preview', '--config', 'bad.cfg', '--vm-names', 'names.txt', '--save-config', 'out.cfg'], dir);
    expect(r.status).toBe(2);
    expect(() => statSync(join(dir, 'out.cfg'))).toThrow();
  });
});

describe('the VmBackup.py command line', () => {
  const PASSWORD = 'S3cr3t-pw$';

  // No pool runs on this machine: the legacy default, https://localhost, refuses the connection.
  it('parses "PASSWORD cfg preview", warns that argv shows the password, and reports the unreachable pool', () => {
    const r = vmbackup([PASSWORD, 'weekend.cfg', 'preview'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/password on the command line can be read by every local user/);
    // The advice must not put the password on the command line again.
    expect(r.stderr).toMatch(/Use a password file instead \(asked for on the terminal, written 0600\): vmbackup password-file \/root\/VmBackup\.pass/);
    expect(r.stderr).not.toMatch(/create-password-file|vmbackup PASSWORD/);
    expect(r.stderr).toMatch(/error: logging in to https:\/\/localhost as root failed: .*ECONNREFUSED/);
    expect(r.stderr).toMatch(/fix: check that the pool is reachable/);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it('create-password-file writes base64 without a newline, mode 0600, and the file then works', () => {
    const r = vmbackup([PASSWORD, 'create-password-file=pw.b64'], dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('password file saved to: pw.b64\n');
    expect(readFileSync(join(dir, 'pw.b64'), 'utf8')).toBe(Buffer.from(PASSWORD).toString('base64'));
    expect(statSync(join(dir, 'pw.b64')).mode & 0o777).toBe(0o600);
    const run = vmbackup(['pw.b64', 'weekend.cfg'], dir);
    expect(run.status).toBe(2);
    expect(run.stdout).toMatch(/ERROR logging in to https:\/\/localhost as root failed/);
    expect(run.stderr).not.toMatch(/password on the command line/);
  });

  it('a password that starts with "-" is a password, not an option; one with "--" goes after --', () => {
    expect(vmbackup(['-qozxMGX_U-q', 'create-password-file=dash.b64'], dir).status).toBe(0);
    expect(Buffer.from(readFileSync(join(dir, 'dash.b64'), 'utf8'), 'base64').toString()).toBe('-qozxMGX_U-q');
    expect(vmbackup(['--', '--odd', 'create-password-file=dd.b64'], dir).status).toBe(0);
    expect(Buffer.from(readFileSync(join(dir, 'dd.b64'), 'utf8'), 'base64').toString()).toBe('--odd');
    const typo = vmbackup(['--confg', 'weekend.cfg'], dir);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toMatch(/Unknown option '--confg'/);
  });

  it('a password file made with `echo PASS | base64` (NAU #79/#92) is accepted', () => {
    writeFileSync(join(dir, 'echo.b64'), Buffer.from(PASSWORD + '\n').toString('base64') + '\n');
    const echo = vmbackup(['echo.b64', 'weekend.cfg'], dir);
    expect(echo.status).toBe(2);
    expect(echo.stdout).toMatch(/ERROR logging in to https:\/\/localhost/);
    writeFileSync(join(dir, 'junk.b64'), 'not base64!!\n');
    const junk = vmbackup(['junk.b64', 'weekend.cfg'], dir);
    expect(junk.status).toBe(2);
    expect(junk.stderr).toMatch(/junk\.b64 is not a base64 password file/);
    expect(junk.stderr).toMatch(/fix: recreate it: vmbackup password-file .*junk\.b64$/m);
  });

  it('reports cfg errors with file:line and exits 2', () => {
    writeFileSync(join(dir, 'bad.cfg'), 'vm-export=a=b\n');
    const r = vmbackup(['pw1', 'bad.cfg'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^bad\.cfg:1: error: "vm-export=a=b" has 2 "=" signs/m);
  });

  it.each([
    [['pw1', 'weekend.cfg', 'compress=true', 'ignore_extra_keys=false', 'pre_clean=true'], 2, /password on the command line/],
    [['pw1', 'vm-export=DEV-RH.*:2'], 2, /password on the command line/],
    [['pw1', 'DEV-RH6', 'preview'], 2, /logging in to https:\/\/localhost as root failed/],
    [['pw1', 'backup=DEV-RH6'], 2, /must be vm-export or vdi-export/],
    [['pw1', 'weekend.cfg', 'bogus'], 2, /invalid parameter: bogus/],
    [['pw1', 'weekend.cfg', 'compress'], 2, /compress needs a value/],
    [['pw1', 'weekend.cfg', 'compress=yes'], 2, /expected true, false, gzip or zstd/],
    [['pw1', 'weeknd.cfg'], 2, /cannot read cfg file weeknd\.cfg: no such file/],
    [['pw1'], 2, /expected <password\|password-file> <config-file\|vm-selector>/],
    [['pw1', 'create-password-file'], 2, /needs a file name/],
  ])('%j exits %i', (args, status, message) => {
    const r = vmbackup(args, dir);
    expect(r.status).toBe(status);
    expect(r.stderr).toMatch(message);
  });
});

describe('vmbackup --config (headless run)', () => {
  it('an unreachable pool is a failed run: exit 2, E:1 in the log, a warning for the missing status_log folder', () => {
    writeFileSync(join(dir, 'pw.b64'), Buffer.from('pw').toString('base64'));
    const r = vmbackup(['--config', 'weekend.cfg', '--password-file', 'pw.b64', '--pool', 'https://127.0.0.1:1'], dir);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/WARNING status_log \/snapshots\/NAUbackup\/status\.log: folder \/snapshots\/NAUbackup does not exist/);
    expect(r.stdout).toMatch(/ERROR logging in to https:\/\/127\.0\.0\.1:1 as root failed: .*ECONNREFUSED.* \[ECONNREFUSED\]/);
    expect(r.stdout).toMatch(/VmBackup ended - \*\*ERRORS DETECTED\*\* - S:0 W:0 E:1\n$/);
  });

  it('without a password source it says where a password can come from (exit 2)', async () => {
    // A pool that answers with a trusted certificate: an unreachable one is reported first.
    const sim = await testSimulator();
    const hostPort = new URL(sim.url).host;
    const r = await vmbackupAsync(['--config', 'weekend.cfg', '--pool', sim.url, '--trust', sim.fingerprint!], dir);
    expect(r.status).toBe(2);
    expect(r.stdout).toContain(`ERROR no password for root@${hostPort}; tried `);
    expect(r.stdout).toMatch(/\[NO_PASSWORD\]/);
    expect(r.stdout).toMatch(/fix: store it with vmbackup login \(needs a keychain\), or use a password file/);
  });

  it.each([
    [['--config', 'weekend.cfg', '--concurrency', '0'], /--concurrency 0: expected a whole number from 1 to 16/],
    [['--config', 'weekend.cfg', '--pool', 'ftp://x'], /--pool ftp:\/\/x must use https:\/\//],
    [['--config', 'weekend.cfg', '--json='], /--json= needs a file name/],
    [['--preview'], /--config FILE\.cfg is required/],
  ])('%j is a usage error (exit 2)', (args, message) => {
    const r = vmbackup(args, dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('an invalid cfg exits 2 with every error on stderr', () => {
    writeFileSync(join(dir, 'bad.cfg'), 'a\nb\n');
    const r = vmbackup(['--config', 'bad.cfg'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(2);
  });
});
