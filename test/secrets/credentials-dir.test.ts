import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { credentialNames, readSystemdCredential } from '../../src/secrets/credentials-dir.js';
import { tempDirForTest } from '../helpers/temp.js';

describe('systemd credentials', () => {
  it('are looked for as vmbackup-<host>, then vmbackup', () => {
    expect(credentialNames('https://10.0.0.5:8443')).toEqual(['vmbackup-10.0.0.5', 'vmbackup']);
  });

  it('are not consulted without $CREDENTIALS_DIRECTORY', async () => {
    expect(await readSystemdCredential({}, 'https://h')).toEqual({ kind: 'no-directory' });
  });

  it('read the password as it is, less one trailing newline (echo PASS | systemd-creds encrypt)', async () => {
    const dir = tempDirForTest('creds');
    writeFileSync(join(dir, 'vmbackup'), ' pass with spaces \n');
    expect(await readSystemdCredential({ CREDENTIALS_DIRECTORY: dir }, 'https://h')).toEqual({ kind: 'found', credential: { password: ' pass with spaces ', name: 'vmbackup' } });
    writeFileSync(join(dir, 'vmbackup-h'), 'crlf\r\n');
    expect(await readSystemdCredential({ CREDENTIALS_DIRECTORY: dir }, 'https://h')).toEqual({ kind: 'found', credential: { password: 'crlf', name: 'vmbackup-h' } });
  });

  it('say which names were missing', async () => {
    const dir = tempDirForTest('creds');
    expect(await readSystemdCredential({ CREDENTIALS_DIRECTORY: dir }, 'https://h')).toEqual({ kind: 'not-there', names: ['vmbackup-h', 'vmbackup'], directory: dir });
  });

  it('refuse an empty or unreadable credential instead of trying the next source', async () => {
    const dir = tempDirForTest('creds');
    writeFileSync(join(dir, 'vmbackup'), '\n');
    await expect(readSystemdCredential({ CREDENTIALS_DIRECTORY: dir }, 'https://h')).rejects.toMatchObject({ code: 'CREDENTIAL_INVALID' });
    mkdirSync(join(dir, 'vmbackup-h'));
    await expect(readSystemdCredential({ CREDENTIALS_DIRECTORY: dir }, 'https://h')).rejects.toMatchObject({ code: 'CREDENTIAL_UNREADABLE', message: expect.stringContaining('EISDIR') });
  });
});

describe('the shipped systemd unit', () => {
  it('loads a credential under a name vmbackup reads', () => {
    const unit = readFileSync(new URL('../../assets/vmbackup@.service', import.meta.url), 'utf8');
    const loaded = [...unit.matchAll(/^LoadCredentialEncrypted=([^:\s]+):/gm)].map((m) => m[1]);
    expect(loaded).toEqual(['vmbackup']);
    expect(credentialNames('https://xen1.example.com')).toContain(loaded[0]);
  });
});
