import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeychainUnavailableError } from '../../src/secrets/keychain.js';
import { encodePasswordFile } from '../../src/secrets/password-file.js';
import { findPassword, type KeychainAccess, type PasswordSources } from '../../src/secrets/sources.js';
import { tempDirForTest } from '../helpers/temp.js';

const TARGET = { url: 'https://xen1.example.com', user: 'root' };
const SECRET = 'S3cret-never-shown';

/** A keychain in memory; `unavailable` makes it fail as a missing Secret Service does. */
function memoryKeychain(stored: Record<string, string> = {}, unavailable = false): KeychainAccess & { stored: Record<string, string> } {
  return {
    label: 'keychain (test)',
    stored,
    async get(account) {
      if (unavailable) throw new KeychainUnavailableError('keychain (test)', 'no D-Bus session', 0);
      return stored[account] ?? null;
    },
    async set(account, password) {
      stored[account] = password;
    },
  };
}

function sources(over: Partial<PasswordSources> = {}): PasswordSources & { notes: string[]; traces: string[] } {
  const notes: string[] = [];
  const traces: string[] = [];
  return { cwd: tempDirForTest('sources'), env: {}, note: (m) => notes.push(m), trace: (m) => traces.push(m), notes, traces, ...over };
}

describe('the order of the password sources', () => {
  it('takes --password-file first, over every other source', async () => {
    const s = sources();
    writeFileSync(join(s.cwd, 'pw'), encodePasswordFile('from-file') + '\n');
    const found = await findPassword({ ...s, passwordFile: 'pw', env: { VMBACKUP_PASSWORD: 'from-env', CREDENTIALS_DIRECTORY: s.cwd }, keychain: () => memoryKeychain({ 'root@xen1.example.com': 'kc' }) }, TARGET);
    expect(found).toMatchObject({ password: 'from-file', source: 'password-file' });
    expect(s.traces.join('\n')).toContain('from --password-file pw');
  });

  it('then systemd credentials, vmbackup-<host> before vmbackup', async () => {
    const s = sources();
    writeFileSync(join(s.cwd, 'vmbackup'), 'generic\n');
    const env = { CREDENTIALS_DIRECTORY: s.cwd, VMBACKUP_PASSWORD: 'from-env' };
    expect(await findPassword({ ...s, env, keychain: () => memoryKeychain({ 'root@xen1.example.com': 'kc' }) }, TARGET)).toMatchObject({ password: 'generic', source: 'systemd-credential' });
    writeFileSync(join(s.cwd, 'vmbackup-xen1.example.com'), 'per-host');
    expect(await findPassword({ ...s, env }, TARGET)).toMatchObject({ password: 'per-host', source: 'systemd-credential' });
    expect(s.traces.at(-1)).toContain('systemd credential vmbackup-xen1.example.com');
  });

  it('then the keychain, under <user>@<host[:port]>', async () => {
    const s = sources();
    const keychain = memoryKeychain({ 'backup@xen1.example.com:8443': 'kc-pass' });
    const found = await findPassword({ ...s, env: { VMBACKUP_PASSWORD: 'from-env' }, keychain: () => keychain }, { url: 'https://xen1.example.com:8443', user: 'backup' });
    expect(found).toMatchObject({ password: 'kc-pass', source: 'keychain' });
    expect(s.notes).toEqual([]);
  });

  it('then $VMBACKUP_PASSWORD, with a warning', async () => {
    const s = sources();
    const found = await findPassword({ ...s, env: { VMBACKUP_PASSWORD: SECRET }, keychain: () => memoryKeychain() }, TARGET);
    expect(found).toMatchObject({ password: SECRET, source: 'environment' });
    expect(s.notes).toEqual([expect.stringMatching(/^warning: password for root@xen1\.example\.com taken from VMBACKUP_PASSWORD/)]);
  });

  it('then the prompt; "remember" stores only when called (after the pool accepted it)', async () => {
    const s = sources();
    const keychain = memoryKeychain();
    let offered: boolean | undefined;
    const found = await findPassword(
      {
        ...s,
        keychain: () => keychain,
        prompt: async (_account, canRemember) => {
          offered = canRemember;
          return { password: SECRET, remember: true };
        },
      },
      TARGET,
    );
    expect(found).toMatchObject({ password: SECRET, source: 'prompt' });
    expect(offered).toBe(true);
    expect(keychain.stored).toEqual({});
    await found.remember!();
    expect(keychain.stored).toEqual({ 'root@xen1.example.com': SECRET });
    expect(s.notes.join('\n')).not.toContain(SECRET);
  });

  it('does not offer "remember" when the keychain is unavailable, and says why in --verbose', async () => {
    const s = sources();
    let offered: boolean | undefined;
    const found = await findPassword(
      {
        ...s,
        keychain: () => memoryKeychain({}, true),
        prompt: async (_a, canRemember) => {
          offered = canRemember;
          return { password: SECRET, remember: true };
        },
      },
      TARGET,
    );
    expect(offered).toBe(false);
    expect(found.remember).toBeUndefined();
    expect(s.traces.join('\n')).toContain('3. keychain (test): unavailable after 0 ms: no D-Bus session');
  });

  it('names every source tried in --verbose, and in the error when none has a password', async () => {
    const s = sources();
    const dir = tempDirForTest('creds');
    const err = await findPassword({ ...s, env: { CREDENTIALS_DIRECTORY: dir }, keychain: () => memoryKeychain({}, true) }, TARGET).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NO_PASSWORD' });
    const { message, hint } = err as { message: string; hint: string };
    expect(message).toContain(`no vmbackup-xen1.example.com or vmbackup in ${dir}`);
    expect(message).toContain('keychain (test) (unavailable: no D-Bus session)');
    expect(message).toContain('$VMBACKUP_PASSWORD (not set)');
    expect(message).toContain('a prompt (no terminal)');
    expect(hint).toMatch(/vmbackup login.*password file.*systemd credentials.*VMBACKUP_PASSWORD/);
    expect(s.traces).toEqual([
      'password: 1. --password-file: not given',
      `password: 2. systemd credentials: no vmbackup-xen1.example.com or vmbackup in ${dir}`,
      'password: 3. keychain (test): unavailable after 0 ms: no D-Bus session',
      'password: 4. $VMBACKUP_PASSWORD: not set',
      'password: 5. prompt: no terminal',
    ]);
  });

  it('keeps the legacy command line password second, as before', async () => {
    const s = sources();
    const found = await findPassword({ ...s, givenPassword: 'argv', env: { VMBACKUP_PASSWORD: 'env' } }, TARGET);
    expect(found).toMatchObject({ password: 'argv', source: 'command-line' });
  });
});
