/**
 * The keychain against a real Secret Service (gnome-keyring on a private D-Bus), and every way
 * of it being unavailable. Under CI=true these run or fail; they never skip there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keychain, keychainAccount, KEYCHAIN_ALTERNATIVES, KeychainUnavailableError } from '../../src/secrets/keychain.js';
import { keyringTests, type PrivateBus, startPrivateBus } from '../helpers/keyring.js';

const RUN = keyringTests();

async function unavailable(keychain: Keychain, account = 'root@xen1'): Promise<KeychainUnavailableError> {
  const err = await keychain.get(account).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(KeychainUnavailableError);
  const e = err as KeychainUnavailableError;
  // Every "unavailable" names the alternatives.
  expect(e.hint).toBe(KEYCHAIN_ALTERNATIVES);
  expect(e.hint).toMatch(/password file.*systemd credentials.*VMBACKUP_PASSWORD/);
  return e;
}

describe('the keychain account', () => {
  it('is <user>@<host[:port]>, the port only when not the default', () => {
    expect(keychainAccount({ url: 'https://10.0.0.5', user: 'root' })).toBe('root@10.0.0.5');
    expect(keychainAccount({ url: 'https://xen1.example.com:8443', user: 'backup' })).toBe('backup@xen1.example.com:8443');
    expect(keychainAccount({ url: 'https://[fe80::1]:443', user: 'root' })).toBe('root@[fe80::1]');
  });
});

describe('the store', () => {
  it('is the Secret Service unless keyutils is asked for (env over settings)', () => {
    expect(new Keychain({ env: {}, platform: 'linux' }).store).toBe('secret-service');
    expect(new Keychain({ env: {}, configured: 'keyutils', platform: 'linux' })).toMatchObject({ store: 'keyutils', label: 'keychain (kernel keyutils)' });
    expect(new Keychain({ env: { VMBACKUP_KEYRING: 'secret-service' }, configured: 'keyutils', platform: 'linux' }).store).toBe('secret-service');
    expect(() => new Keychain({ env: { VMBACKUP_KEYRING: 'kwallet' } })).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});

describe('without a D-Bus session', () => {
  it('answers at once, before starting anything, naming the alternatives', async () => {
    const e = await unavailable(new Keychain({ env: { PATH: process.env.PATH }, platform: 'linux' }));
    expect(e.message).toMatch(/^the keychain \(Secret Service\) is not available: no D-Bus session \(DBUS_SESSION_BUS_ADDRESS is not set/);
    // Our own check's words: the library (in its child process) would have said "autolaunch".
    expect(e.reason).not.toMatch(/autolaunch/);
  });

  it('says so when the bus socket is gone (a desktop session that ended)', async () => {
    const e = await unavailable(new Keychain({ env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/vmbackup-bus' }, platform: 'linux' }));
    expect(e.reason).toBe('no D-Bus session (its socket /nonexistent/vmbackup-bus does not exist)');
  });
});

describe('a bus that never answers', () => {
  let dir: string;
  let server: Server;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vmbackup-wedged-'));
    server = createServer((socket) => socket.on('data', () => undefined));
    await new Promise<void>((resolve) => server.listen(join(dir, 'bus'), resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('is cut off by the timeout instead of hanging the process', async () => {
    const keychain = new Keychain({ env: { PATH: process.env.PATH, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(dir, 'bus')}`, VMBACKUP_KEYCHAIN_TIMEOUT_MS: '300' }, platform: 'linux' });
    const e = await unavailable(keychain);
    expect(e.reason).toMatch(/^it did not answer within 300 ms/);
  });
});

describe.skipIf(!RUN)('gnome-keyring on a private D-Bus', () => {
  describe('unlocked', () => {
    let bus: PrivateBus;
    beforeAll(async () => {
      bus = await startPrivateBus({ keyring: 'unlocked' });
    });
    afterAll(() => bus?.stop());

    it('stores, reads and deletes a password under service vmbackup', async () => {
      const keychain = new Keychain({ env: { ...process.env, ...bus.env } });
      expect(await keychain.get('root@10.0.0.5')).toBeNull();
      await keychain.set('root@10.0.0.5', 'pässwörd with spaces');
      await keychain.set('backup@10.0.0.5:8443', 'other');
      expect(await keychain.get('root@10.0.0.5')).toBe('pässwörd with spaces');
      expect(await keychain.delete('root@10.0.0.5')).toBe(true);
      expect(await keychain.get('root@10.0.0.5')).toBeNull();
      expect(await keychain.delete('root@10.0.0.5')).toBe(false);
      expect(await keychain.get('backup@10.0.0.5:8443')).toBe('other');
    });
  });

  describe('locked', () => {
    let home: string;
    let bus: PrivateBus;
    beforeAll(async () => {
      home = mkdtempSync(join(tmpdir(), 'vmbackup-locked-'));
      // Create the login keyring with a password, then start again unlocking with a wrong one.
      const first = await startPrivateBus({ keyring: 'unlocked', home });
      await new Keychain({ env: { ...process.env, ...first.env } }).set('root@h', 'x');
      await first.stop();
      bus = await startPrivateBus({ keyring: 'locked', home });
    });
    afterAll(async () => {
      await bus?.stop();
      rmSync(home, { recursive: true, force: true });
    });

    it('reports a stored password as locked away, not as "no password stored"', async () => {
      const keychain = new Keychain({ env: { ...process.env, ...bus.env } });
      const e = await unavailable(keychain, 'root@h');
      expect(e.reason).toBe('the keyring is locked');
      // An account with no item at all needs no unlocking to be known absent.
      expect(await keychain.get('nobody@h')).toBeNull();
      await expect(keychain.set('root@h', 'y')).rejects.toMatchObject({ code: 'KEYCHAIN_UNAVAILABLE', reason: 'the keyring is locked' });
    });
  });

  describe('a bus with no Secret Service', () => {
    let bus: PrivateBus;
    beforeAll(async () => {
      bus = await startPrivateBus({ keyring: 'none' });
    });
    afterAll(() => bus?.stop());

    it('refuses to store rather than falling back to the kernel keyring', async () => {
      const keychain = new Keychain({ env: { ...process.env, ...bus.env } });
      const err = await keychain.set('root@h', 'would-be-lost-at-reboot').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KeychainUnavailableError);
      expect((err as KeychainUnavailableError).reason).toBe('no Secret Service on the D-Bus session (gnome-keyring, KeePassXC or KWallet provide one)');
      await unavailable(keychain);
    });
  });
});
