/**
 * The fix after a refused login names what to change where the password came from, and never
 * tells anyone to type the password on the command line (`vmbackup PASSWORD create-password-file=`
 * did, in the very warning about passwords on the command line).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { authFailureHint } from '../../src/access/auth-hint.js';
import { vmbackupAsync } from '../helpers/cli.js';
import { e2eEnv } from '../helpers/e2e.js';
import { stopAll } from '../helpers/sim.js';

afterEach(stopAll);

const FIX = /^\d{4}-\d\d-\d\d-\(\d\d:\d\d:\d\d\) -\s+fix: (.*)$/m;

async function refusedRun(args: (cfg: string) => string[], env: NodeJS.ProcessEnv = {}) {
  const e = await e2eEnv();
  e.sim.faults.wrongPassword();
  const cfg = e.cfg('pw.cfg', ['vm-export=db.example.com']);
  const r = await vmbackupAsync(args(cfg), e.dir, env);
  expect(r.status).toBe(2);
  expect(r.stdout).toMatch(/SESSION_AUTHENTICATION_FAILED/);
  return FIX.exec(r.stdout)?.[1] ?? '';
}

describe('after SESSION_AUTHENTICATION_FAILED, headless', () => {
  it('--password-file: rewrite that file with vmbackup password-file', async () => {
    const fix = await refusedRun((cfg) => ['--config', cfg, '--password-file', 'pw.b64']);
    expect(fix).toBe('rewrite the password file with the right password: vmbackup password-file pw.b64; the user is root (set with --user or #vmbackup: user=; default root)');
  }, 60_000);

  it('the legacy password on the command line: keep it in a file instead, not create-password-file', async () => {
    const fix = await refusedRun((cfg) => ['S3cret-pw', cfg]);
    expect(fix).toMatch(/^check the password given on the command line; better, keep it in a file: vmbackup password-file \/root\/VmBackup\.pass;/);
    expect(fix).not.toMatch(/create-password-file|vmbackup PASSWORD/);
  }, 60_000);

  it('$VMBACKUP_PASSWORD: check it', async () => {
    const fix = await refusedRun((cfg) => ['--config', cfg], { VMBACKUP_PASSWORD: 'wrong-1', DBUS_SESSION_BUS_ADDRESS: '' });
    expect(fix).toMatch(/^check \$VMBACKUP_PASSWORD; the user is root/);
  }, 60_000);
});

describe('the TUI wording', () => {
  const target = { url: 'https://xen1.example.com', user: 'root' };

  it('speaks of the screen, never of cfg directives or of a password in argv', () => {
    for (const source of ['prompt', 'keychain', 'password-file', undefined] as const) {
      const hint = authFailureHint(source === undefined ? undefined : { source, file: '/root/pw' }, target, 'tui');
      expect(hint).not.toMatch(/#vmbackup|user=|create-password-file|PASSWORD/);
      expect(hint).toMatch(/"Choose another pool", then "Connect to a new pool\.\.\."/);
    }
    expect(authFailureHint({ source: 'prompt' }, target, 'tui')).toMatch(/^choose "Try again" and type the password again;/);
  });
});
