/**
 * `vmbackup login`, a headless run that finds the password in the keychain, and `logout`, with
 * a real gnome-keyring on a private D-Bus (fails, never skips, under CI=true). Then the ways
 * without a keychain: no D-Bus session, systemd credentials, the password file.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Keychain } from '../../src/secrets/keychain.js';
import { decodePasswordFile } from '../../src/secrets/password-file.js';
import { keyringTests, type PrivateBus, startPrivateBus } from '../helpers/keyring.js';
import { loginEnv } from '../helpers/login-env.js';
import { stopAll } from '../helpers/sim.js';

afterEach(stopAll);

const RUN = keyringTests();
const ALTERNATIVES = /fix: use a password file \(vmbackup password-file FILE, then --password-file FILE\), systemd credentials \(LoadCredentialEncrypted=vmbackup:\.\.\., see assets\/vmbackup@\.service\), or \$VMBACKUP_PASSWORD/;

describe.skipIf(!RUN)('with gnome-keyring on a private D-Bus', () => {
  let bus: PrivateBus;
  beforeAll(async () => {
    bus = await startPrivateBus({ keyring: 'unlocked' });
  });
  afterAll(() => bus?.stop());

  it('login stores the password, a headless run finds it there, logout removes it', async () => {
    const t = await loginEnv(bus);
    const keychain = new Keychain({ env: { ...process.env, ...bus.env } });

    const login = await t.cli(['login', '--pool', t.sim.url, '--user', 'root', '--password-stdin', '--trust', t.sim.fingerprint!], { input: `${t.sim.password}\n` });
    // (stderr may tell that the certificate got pinned; nothing else)
    expect(login.stderr).not.toMatch(/error|warning/);
    expect(login.stdout).toBe(`logged in to ${t.sim.url} as root; the password is stored in the keychain (Secret Service) as ${t.account}\n`);
    expect(login.status).toBe(0);
    expect(t.sim.calls.named('session.login_with_password')).toHaveLength(1);
    expect(await keychain.get(t.account)).toBe(t.sim.password);
    const settings = JSON.parse(readFileSync(join(t.settingsDir, 'settings.json'), 'utf8'));
    expect(settings.pools).toEqual([{ url: t.sim.url, user: 'root' }]);

    // No password option at all: the keychain answers, and --verbose says so.
    const run = await t.cli(['--config', t.cfg('kc.cfg'), '--json=report.json', '--verbose']);
    expect(run.status).toBe(0);
    expect(run.stderr).toContain(`vmbackup: password: 2. systemd credentials: $CREDENTIALS_DIRECTORY is not set\n`);
    expect(run.stderr).toContain(`vmbackup: password for ${t.account}: from the keychain (Secret Service)\n`);
    expect(JSON.parse(readFileSync(join(t.dir, 'report.json'), 'utf8'))).toMatchObject({ exitCode: 0 });

    const logout = await t.cli(['logout', '--pool', t.sim.url]);
    expect(logout).toMatchObject({ status: 0, stdout: `removed the password for ${t.account} from the keychain (Secret Service)\n`, stderr: '' });
    expect(await keychain.get(t.account)).toBeNull();

    const again = await t.cli(['--config', 'kc.cfg']);
    expect(again.status).toBe(2);
    // A run reports in its log (stdout), as every run error.
    expect(again.stdout).toContain(`ERROR no password for ${t.account}; tried systemd credentials ($CREDENTIALS_DIRECTORY is not set), keychain (Secret Service) (nothing stored for ${t.account}; store it with: vmbackup login)`);
    expect((await t.cli(['logout'])).stdout).toBe(`no password for ${t.account} was stored in the keychain (Secret Service)\n`);
  });

  it('login with a wrong password stores nothing', async () => {
    const t = await loginEnv(bus);
    const r = await t.cli(['login', '--pool', t.sim.url, '--password-stdin', '--trust', t.sim.fingerprint!], { input: 'not-the-password\n' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/vmbackup: error: .*SESSION_AUTHENTICATION_FAILED/);
    expect(r.stderr).not.toContain('not-the-password');
    expect(await new Keychain({ env: { ...process.env, ...bus.env } }).get(t.account)).toBeNull();
  });

  it('login checks the pool and its certificate before it asks for a password', async () => {
    const t = await loginEnv(bus);
    // No terminal and no --password-stdin: asking first would say "no terminal to ask".
    const unknownCert = await t.cli(['login', '--pool', t.sim.url]);
    expect(unknownCert.status).toBe(2);
    expect(unknownCert.stderr).toMatch(/CERT_UNKNOWN|not trusted|--trust SHA256:/);
    expect(unknownCert.stderr).not.toContain('no terminal to ask for the password');
    const down = await t.cli(['login', '--pool', 'https://127.0.0.1:1', '--trust', t.sim.fingerprint!]);
    expect(down.status).toBe(2);
    expect(down.stderr).toMatch(/ECONNREFUSED/);
    expect(down.stderr).not.toContain('no terminal to ask for the password');
    expect(t.sim.calls.named('session.login_with_password')).toHaveLength(0);
  });

  it('login defaults to the pool and user logged in to last', async () => {
    const t = await loginEnv(bus);
    const login = await t.cli(['login', '--pool', t.sim.url, '--password-stdin', '--trust', t.sim.fingerprint!], { input: t.sim.password });
    expect(login.status, login.stderr).toBe(0);
    const r = await t.cli(['logout']);
    expect(r.stdout).toBe(`removed the password for ${t.account} from the keychain (Secret Service)\n`);
  });
});

describe('without a D-Bus session', () => {
  it('login stops at once with the alternatives, before asking for a password or logging in', async () => {
    const t = await loginEnv(null);
    const r = await t.cli(['login', '--pool', t.sim.url, '--password-stdin', '--verbose'], { input: `${t.sim.password}\n` });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^vmbackup: keychain \(Secret Service\): no answer after (\d+) ms\n/);
    expect(r.stderr).toContain('vmbackup: error: the keychain (Secret Service) is not available: no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set');
    expect(r.stderr).toMatch(ALTERNATIVES);
    // The time bound of the issue (about 100 ms), measured inside the process. Not a speed
    // benchmark: without a bus nothing is started, so any slower answer is a design fault.
    expect(Number(/no answer after (\d+) ms/.exec(r.stderr)![1])).toBeLessThan(100);
    expect(t.sim.calls.named('session.login_with_password')).toHaveLength(0);
    expect(r.stderr).not.toContain(t.sim.password);
  });

  it('logout says the same', async () => {
    const t = await loginEnv(null);
    const r = await t.cli(['logout', '--pool', t.sim.url]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(ALTERNATIVES);
  });

  it('a headless run names every source it tried, and the alternatives', async () => {
    const t = await loginEnv(null, { pinned: true });
    const r = await t.cli(['--config', t.cfg('none.cfg'), '--verbose']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('vmbackup: password: 1. --password-file: not given\n');
    expect(r.stderr).toMatch(/vmbackup: password: 3\. keychain \(Secret Service\): unavailable after \d+ ms: no D-Bus session/);
    expect(r.stderr).toContain('vmbackup: password: 4. $VMBACKUP_PASSWORD: not set\n');
    expect(r.stderr).toContain('vmbackup: password: 5. prompt: no terminal\n');
    expect(r.stdout).toMatch(/ - ERROR no password for root@127\.0\.0\.1:\d+; tried .* \[NO_PASSWORD\]\n/);
    expect(r.stdout).toMatch(/ - {3}fix: store it with vmbackup login \(needs a keychain\), or use a password file .*systemd credentials .*set \$VMBACKUP_PASSWORD\n/);
  });
});

describe('systemd credentials', () => {
  it.each([['vmbackup-127.0.0.1'], ['vmbackup']])('a run reads $CREDENTIALS_DIRECTORY/%s', async (name) => {
    const t = await loginEnv(null, { pinned: true });
    writeFileSync(join(t.dir, name), `${t.sim.password}\n`, { mode: 0o400 });
    const r = await t.cli(['--config', t.cfg('sd.cfg'), '--verbose'], { env: { CREDENTIALS_DIRECTORY: t.dir } });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`vmbackup: password for ${t.account}: from the systemd credential ${name} ($CREDENTIALS_DIRECTORY)\n`);
  });
});

describe('password-file', () => {
  it.each([
    [['password-file', 'pool.pass', '--password-stdin']],
    [['create-password-file=pool.pass', '--password-stdin']],
  ])('%j writes the legacy base64 file, 0600, from one line of stdin', async (args) => {
    const t = await loginEnv(null, { pinned: true });
    const r = await t.cli(args, { input: `${t.sim.password}\nignored second line\n` });
    expect(r).toMatchObject({ status: 0, stdout: 'password file saved to: pool.pass\n', stderr: '' });
    const file = join(t.dir, 'pool.pass');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(decodePasswordFile(readFileSync(file), file).password).toBe(t.sim.password);
    const run = await t.cli(['--config', t.cfg('pf.cfg'), '--password-file', 'pool.pass']);
    expect(run.status).toBe(0);
  });

  it('refuses to guess without a terminal or --password-stdin', async () => {
    const t = await loginEnv(null);
    const r = await t.cli(['password-file', 'x.pass']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('vmbackup: error: no terminal to ask for the password');
  });
});
