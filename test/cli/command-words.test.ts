/**
 * The first word of a command line: a command we do not have is "unknown command" (exit 2)
 * before any login or status-log record, and the VmBackup.py form still takes real passwords,
 * letters-only ones after `--`. Against the simulator, whose call log shows whether a login was
 * tried.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { vmbackupAsync } from '../helpers/cli.js';
import { e2eEnv } from '../helpers/e2e.js';
import { stopAll } from '../helpers/sim.js';

afterEach(stopAll);

/** A letters-only password: the case the rule must still let through after `--`. */
const LETTERS = 'correcthorse';

async function setup(password = LETTERS) {
  const env = await e2eEnv({ password });
  const cfg = env.cfg('sim.cfg', ['vm-export=db.example.com']);
  const run = (args: string[]) => vmbackupAsync(args, env.dir);
  const logins = () => env.sim.calls.named('session.login_with_password').length;
  return { env, cfg, run, logins };
}

describe('unknown command words', () => {
  it.each([
    [['merge', 'sim.cfg'], /^vmbackup: error: unknown command "merge": vmbackup has no merge command \(yet\)$/m, /the commands are tui, preview, list, restore/],
    [['check', '/tmp/bk'], /^vmbackup: error: unknown command "check": vmbackup has no check command \(yet\)$/m, /the commands are tui, preview, list, restore, verify/],
    [['resotre', 'sim.cfg'], /^vmbackup: error: unknown command "resotre"; did you mean restore\?$/m, /vmbackup -- PASSWORD CFG/],
    [['previw', 'sim.cfg'], /^vmbackup: error: unknown command "previw"; did you mean preview\?$/m, /the commands are tui, preview/],
    [['prune'], /^vmbackup: error: unknown command "prune"/m, /the commands are/],
  ])('%j: exit 2, no login, no status-log record, no password warning', async (args, message, fix) => {
    const { env, run, logins } = await setup();
    const r = await run(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(new RegExp(`^vmbackup: fix: .*${fix.source}`, 'm'));
    expect(r.stderr).not.toMatch(/password on the command line/);
    expect(r.stdout).toBe('');
    expect(logins()).toBe(0);
    expect(env.sim.calls.records).toEqual([]);
    expect(existsSync(env.statusLog)).toBe(false);
  });

  it('a letters-only first word that is no file, before a VM selector, is a command, and is not echoed (it may be a password)', async () => {
    const { env, run, logins } = await setup();
    const r = await run([LETTERS, 'db.example.com']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^vmbackup: error: unknown command: the first word is made of letters only/m);
    expect(r.stderr).toMatch(/^vmbackup: fix: .*a password made of letters only must follow --: vmbackup -- PASSWORD CFG/m);
    expect(r.stderr + r.stdout).not.toContain(LETTERS);
    expect(logins()).toBe(0);
    expect(existsSync(env.statusLog)).toBe(false);
  });

  it('a planned command word stays a command even when a file has its name, and says how to use the file', async () => {
    const { env, run, logins } = await setup();
    writeFileSync(join(env.dir, 'prune'), Buffer.from(LETTERS).toString('base64'));
    const r = await run(['prune', 'sim.cfg']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/to use the file named prune as the password file, write \.\/prune/);
    expect(logins()).toBe(0);
    const viaPath = await run(['./prune', 'sim.cfg']);
    expect(viaPath.status, viaPath.stdout + viaPath.stderr).toBe(0);
  }, 60_000);
});

describe('the VmBackup.py form still takes passwords', () => {
  it('a letters-only password before an existing cfg file (an old cron line) still backs up', async () => {
    const { env, run, logins } = await setup();
    const r = await run([LETTERS, 'sim.cfg']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toMatch(/password on the command line/);
    expect(logins()).toBe(1);
    expect(readFileSync(env.statusLog, 'utf8')).toMatch(/,vmbackup\.py,[^,]+,end,SUCCESS,S:1 W:0 E:0\n$/);
  }, 60_000);

  it('a letters-only near miss of a command before a cfg file is still "did you mean"', async () => {
    const { env, run, logins } = await setup('lisp');
    const r = await run(['lisp', 'sim.cfg']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^vmbackup: error: unknown command "lisp"; did you mean list\?$/m);
    expect(logins()).toBe(0);
    expect(existsSync(env.statusLog)).toBe(false);
  });

  it('a letters-only password after --: logs in, backs up, writes the status log', async () => {
    const { env, run, logins } = await setup();
    const r = await run(['--', LETTERS, 'sim.cfg']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toMatch(/password on the command line/);
    expect(logins()).toBe(1);
    expect(readFileSync(env.statusLog, 'utf8')).toMatch(/,vmbackup\.py,[^,]+,end,SUCCESS,S:1 W:0 E:0\n$/);
  }, 60_000);

  it('a password with a digit or a symbol needs no --', async () => {
    const { run, logins } = await setup('S3cret-pw');
    const r = await run(['S3cret-pw', 'sim.cfg']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(logins()).toBe(1);
  }, 60_000);

  it('a letters-only word naming a file is the password file, as before', async () => {
    const { env, run, logins } = await setup();
    writeFileSync(join(env.dir, 'passfile'), Buffer.from(LETTERS).toString('base64'));
    const r = await run(['passfile', 'sim.cfg']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/password on the command line/);
    expect(logins()).toBe(1);
  }, 60_000);

  it('PASSWORD create-password-file=FILE takes a letters-only password: the second word says what the first is', async () => {
    const { env, run } = await setup();
    const r = await run([LETTERS, 'create-password-file=made.b64']);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(env.dir, 'made.b64'), 'utf8')).toBe(Buffer.from(LETTERS).toString('base64'));
  });

  it('an info word anywhere still prints its text (the original printed help for `PASSWORD help`)', async () => {
    const { run, logins } = await setup();
    const r = await run([LETTERS, 'help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^vmbackup: backups of/);
    expect(logins()).toBe(0);
  });
});
