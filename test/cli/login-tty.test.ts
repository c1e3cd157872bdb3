/**
 * The masked prompt on a real pseudo-terminal: nothing of the password is echoed, Backspace and
 * Ctrl-C work, and login, password-file and a run ask there when no other source has a password.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Keychain } from '../../src/secrets/keychain.js';
import { decodePasswordFile } from '../../src/secrets/password-file.js';
import { keyringTests, type PrivateBus, startPrivateBus } from '../helpers/keyring.js';
import { loginEnv } from '../helpers/login-env.js';
import { onTerminal } from '../helpers/pty.js';
import { stopAll } from '../helpers/sim.js';

afterEach(stopAll);

const NO_BUS = { DBUS_SESSION_BUS_ADDRESS: '', CREDENTIALS_DIRECTORY: '', VMBACKUP_PASSWORD: '' };

describe('password-file on a terminal', () => {
  it('asks twice, echoes nothing, and honours Backspace', async () => {
    const t = await loginEnv(null);
    const r = await onTerminal(['password-file', 'tty.pass'], [['Pool password: ', 'tty-s3cretX\x7f!\r'], ['Again: ', 'tty-s3cret!\r']], t.dir, { ...NO_BUS, VMBACKUP_SETTINGS_DIR: t.settingsDir });
    expect(r).toMatchObject({ status: 0 });
    expect(r.output).toContain('password file saved to: tty.pass');
    expect(r.output).not.toMatch(/tty-s3cret|\*\*\*/);
    const file = join(t.dir, 'tty.pass');
    expect(decodePasswordFile(readFileSync(file), file).password).toBe('tty-s3cret!');
  });

  it('refuses two different passwords', async () => {
    const t = await loginEnv(null);
    const r = await onTerminal(['password-file', 'tty.pass'], [['Pool password: ', 'one\r'], ['Again: ', 'two\r']], t.dir, NO_BUS);
    expect(r.status).toBe(2);
    expect(r.output).toContain('vmbackup: error: the two passwords differ');
    expect(existsSync(join(t.dir, 'tty.pass'))).toBe(false);
  });

  it('stops on Ctrl-C at the prompt, writing nothing', async () => {
    const t = await loginEnv(null);
    const r = await onTerminal(['create-password-file=tty.pass'], [['Pool password: ', 'abc\x03']], t.dir, NO_BUS);
    expect(r.status).toBe(130);
    expect(r.output).toContain('vmbackup: error: cancelled at the prompt');
    expect(existsSync(join(t.dir, 'tty.pass'))).toBe(false);
  });
});

describe('a run with no other source', () => {
  it('asks on the terminal, and does not offer the keychain when there is none', async () => {
    const t = await loginEnv(null, { pinned: true });
    const r = await onTerminal(['--config', t.cfg('tty.cfg'), '--json=r.json'], [[`Password for ${t.account}: `, `${t.sim.password}\r`]], t.dir, { ...NO_BUS, VMBACKUP_SETTINGS_DIR: t.settingsDir });
    expect(r.output).not.toContain('Remember it in the keychain');
    expect(r.output).not.toContain(t.sim.password);
    expect(r.status).toBe(0);
  });
});

describe.skipIf(!keyringTests())('on a terminal with gnome-keyring', () => {
  let bus: PrivateBus;
  beforeAll(async () => {
    bus = await startPrivateBus({ keyring: 'unlocked' });
  });
  afterAll(() => bus?.stop());

  it('login asks for the password, masked, and stores it', async () => {
    const t = await loginEnv(bus);
    const r = await onTerminal(['login', '--pool', t.sim.url, '--trust', t.sim.fingerprint!], [[`Password for ${t.account}: `, `${t.sim.password}\r`]], t.dir, { ...NO_BUS, ...bus.env, VMBACKUP_SETTINGS_DIR: t.settingsDir });
    expect(r.status).toBe(0);
    expect(r.output).toContain(`the password is stored in the keychain (Secret Service) as ${t.account}`);
    expect(r.output).not.toContain(t.sim.password);
    expect(await new Keychain({ env: { ...process.env, ...bus.env } }).get(t.account)).toBe(t.sim.password);
  });

  it('a run offers to remember the prompted password; "no" keeps the keychain as it was', async () => {
    const t = await loginEnv(bus, { pinned: true });
    const r = await onTerminal(
      ['--config', t.cfg('tty.cfg'), '--json=r.json'],
      [
        [`Password for ${t.account}: `, `${t.sim.password}\r`],
        ['Remember it in the keychain? [y/N] ', 'n\r'],
      ],
      t.dir,
      { ...NO_BUS, ...bus.env, VMBACKUP_SETTINGS_DIR: t.settingsDir },
    );
    expect(r.status).toBe(0);
    expect(await new Keychain({ env: { ...process.env, ...bus.env } }).get(t.account)).toBeNull();
  });

  it('"yes" stores the prompted password once the pool accepted it; a wrong one is never stored', async () => {
    const t = await loginEnv(bus, { pinned: true });
    const keychain = new Keychain({ env: { ...process.env, ...bus.env } });
    const env = { ...NO_BUS, ...bus.env, VMBACKUP_SETTINGS_DIR: t.settingsDir };
    const wrong = await onTerminal(['--config', t.cfg('tty.cfg')], [[`Password for ${t.account}: `, 'not-it\r'], ['Remember it in the keychain? [y/N] ', 'y\r']], t.dir, env);
    expect(wrong.status).toBe(2);
    expect(await keychain.get(t.account)).toBeNull();
    const r = await onTerminal(['--config', t.cfg('tty.cfg')], [[`Password for ${t.account}: `, `${t.sim.password}\r`], ['Remember it in the keychain? [y/N] ', 'y\r']], t.dir, env);
    expect(r.status).toBe(0);
    expect(await keychain.get(t.account)).toBe(t.sim.password);
  });
});
