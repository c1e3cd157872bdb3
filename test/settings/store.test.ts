import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SettingsStore, settingsDir } from '../../src/settings/store.js';
import { tempDirForTest } from '../helpers/temp.js';

const FP_A = `SHA256:${'a1'.repeat(32)}` as const;
const FP_B = `SHA256:${'0f'.repeat(32)}` as const;

function fresh(): { dir: string; store: SettingsStore } {
  const dir = join(tempDirForTest('settings'), 'cfg');
  return { dir, store: SettingsStore.open({ VMBACKUP_SETTINGS_DIR: dir }) };
}

describe('where the settings live', () => {
  it('follows VMBACKUP_SETTINGS_DIR, then XDG_CONFIG_HOME, then ~/.config', () => {
    expect(settingsDir({ VMBACKUP_SETTINGS_DIR: '/x/y', XDG_CONFIG_HOME: '/c', HOME: '/h' })).toBe('/x/y');
    expect(settingsDir({ XDG_CONFIG_HOME: '/c', HOME: '/h' })).toBe('/c/vmbackup');
    expect(settingsDir({ HOME: '/h' })).toBe('/h/.config/vmbackup');
  });

  it('writes the file 0600 in a 0700 folder, whatever the umask', () => {
    const old = process.umask(0o022);
    try {
      const { dir, store } = fresh();
      store.savePin('10.0.0.5:443', FP_A);
      expect(store.path).toBe(join(dir, 'settings.json'));
      expect(statSync(store.path).mode & 0o777).toBe(0o600);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
    } finally {
      process.umask(old);
    }
  });
});

describe('pins and pools', () => {
  it('keeps a pin per host:port and lists known pools with theirs, most recent first', () => {
    const { store } = fresh();
    expect(store.pinFor('10.0.0.5:443')).toBeUndefined();
    store.savePin('10.0.0.5:443', FP_A);
    store.savePin('[fe80::1]:8443', FP_B);
    store.rememberPool({ url: 'https://10.0.0.5', user: 'root' });
    store.rememberPool({ url: 'https://xen2.example.com:8443/', user: 'backup' });
    store.rememberPool({ url: 'https://10.0.0.5', user: 'root' });
    expect(store.pinFor('10.0.0.5:443')).toBe(FP_A);
    expect(store.pinFor('[fe80::1]:8443')).toBe(FP_B);
    expect(store.knownPools()).toEqual([
      { url: 'https://10.0.0.5', user: 'root', fingerprint: FP_A },
      { url: 'https://xen2.example.com:8443', user: 'backup' },
    ]);
    // A second store on the same folder (another process) sees it all.
    const again = SettingsStore.open({ VMBACKUP_SETTINGS_DIR: join(store.path, '..') });
    expect(again.pinFor('10.0.0.5:443')).toBe(FP_A);
    store.forgetPin('10.0.0.5:443');
    store.forgetPool({ url: 'https://xen2.example.com:8443', user: 'backup' });
    expect(again.knownPools()).toEqual([{ url: 'https://10.0.0.5', user: 'root' }]);
  });

  it('normalises a pasted fingerprint and refuses what is not one', () => {
    const { store } = fresh();
    store.savePin('h:443', FP_A.toUpperCase().replace('SHA256:', 'SHA256:') as `SHA256:${string}`);
    expect(store.pinFor('h:443')).toBe(FP_A);
    expect(() => store.savePin('h:443', 'SHA256:abc')).toThrow(expect.objectContaining({ code: 'SETTINGS_INVALID' }));
    expect(() => store.savePin('no-port', FP_A)).toThrow(expect.objectContaining({ code: 'SETTINGS_INVALID' }));
  });

  it('remembers the last backup_dir, cfg path, UI preferences and keychain store', () => {
    const { store } = fresh();
    store.setLastBackupDir('/snapshots/BACKUPS');
    store.setLastConfigPath('/etc/vmbackup/weekend.cfg');
    store.setUiPref('color', 'never');
    store.setUiPref('confirmDeletes', true);
    store.setKeyringStore('keyutils');
    expect([store.lastBackupDir, store.lastConfigPath, store.ui, store.keyringStore]).toEqual([
      '/snapshots/BACKUPS',
      '/etc/vmbackup/weekend.cfg',
      { color: 'never', confirmDeletes: true },
      'keyutils',
    ]);
    store.setKeyringStore(undefined);
    expect(store.keyringStore).toBeUndefined();
  });
});

describe('the schema', () => {
  it('has no place for a secret: a file with a password in it is refused, naming the file, not the value', () => {
    const { store } = fresh();
    store.setLastBackupDir('/b');
    writeFileSync(store.path, JSON.stringify({ lastBackupDir: '/b', password: 'hunter2-secret' }));
    let err: unknown;
    try {
      store.pinFor('h:443');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'SETTINGS_INVALID' });
    expect((err as Error).message).toContain(store.path);
    expect((err as Error).message).not.toContain('hunter2-secret');
  });

  it('refuses values of the wrong shape, and damaged JSON, without emptying the file', () => {
    const { store } = fresh();
    expect(() => store.setUiPref('color', 'purple' as 'auto')).toThrow(expect.objectContaining({ code: 'SETTINGS_INVALID' }));
    expect(() => store.rememberPool({ url: 'https://h', user: '' })).toThrow(expect.objectContaining({ code: 'SETTINGS_INVALID' }));
    writeFileSync(store.path, '{"pins": {');
    expect(() => store.knownPools()).toThrow(expect.objectContaining({ code: 'SETTINGS_INVALID' }));
    expect(readFileSync(store.path, 'utf8')).toBe('{"pins": {');
  });
});

describe('concurrent writers', () => {
  it('keeps every update when several processes write at once', async () => {
    const { dir } = fresh();
    const storeJs = fileURLToPath(new URL('../../dist/src/settings/store.js', import.meta.url));
    const script = `
      const { SettingsStore } = await import(${JSON.stringify(storeJs)});
      const s = SettingsStore.open({ VMBACKUP_SETTINGS_DIR: ${JSON.stringify(dir)} });
      const w = process.argv[1];
      for (let i = 0; i < 25; i++) {
        s.savePin('w' + w + '-' + i + ':443', 'SHA256:' + 'ab'.repeat(32));
        s.rememberPool({ url: 'https://w' + w + '-' + i, user: 'root' });
      }`;
    const writers = [0, 1, 2, 3, 4, 5].map(
      (w) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, ['--input-type=module', '-e', script, String(w)], { stdio: ['ignore', 'inherit', 'inherit'] });
          child.on('close', resolve);
        }),
    );
    expect(await Promise.all(writers)).toEqual([0, 0, 0, 0, 0, 0]);
    const store = SettingsStore.open({ VMBACKUP_SETTINGS_DIR: dir });
    const pins = JSON.parse(readFileSync(store.path, 'utf8')).pins as Record<string, string>;
    expect(Object.keys(pins)).toHaveLength(150);
    expect(store.knownPools()).toHaveLength(100); // capped, most recent kept
  });
});
