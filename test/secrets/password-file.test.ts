import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VmbackupError } from '../../src/errors.js';
import { tempDir } from '../helpers/cli.js';
import { decodePasswordFile, encodePasswordFile, readPasswordFile, writePasswordFile } from '../../src/secrets/password-file.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('legacy password file', () => {
  it.each([
    ['as VmBackup.py writes it', b64('pa$$ wörd'), 'pa$$ wörd', 0],
    ['with a trailing newline after the base64', b64('pa$$') + '\n', 'pa$$', 0],
    ['with CRLF and wrapped lines', b64('a'.repeat(60)).replace(/(.{20})/g, '$1\r\n'), 'a'.repeat(60), 0],
    ['made with `echo PASS | base64` (NAU #79/#92)', b64('secret\n') + '\n', 'secret', 1],
  ])('reads a file %s', (_what, content, password, notes) => {
    const r = decodePasswordFile(Buffer.from(content), 'pw');
    expect(r.password).toBe(password);
    expect(r.notes).toHaveLength(notes);
    for (const note of r.notes) expect(note).not.toContain(password);
  });

  it.each([
    ['not base64 at all', 'hunter2!'],
    ['bad padding', 'abc'],
    ['empty', ''],
    ['an empty password', b64('\n')],
  ])('refuses %s, without echoing the content', (_what, content) => {
    let caught: unknown;
    try {
      decodePasswordFile(Buffer.from(content), '/root/pw');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(VmbackupError);
    expect((caught as VmbackupError).message).toMatch(/^\/root\/pw /);
    if (content) expect((caught as VmbackupError).message).not.toContain(content);
    expect((caught as VmbackupError).hint).toBe('recreate it: vmbackup password-file /root/pw');
  });

  it('writes base64 without a newline, mode 0600 even under a permissive umask, replacing an old file', async () => {
    const dir = tempDir();
    const file = join(dir, 'VmBackup.pass');
    writeFileSync(file, 'old', { mode: 0o644 });
    const old = process.umask(0o000);
    try {
      await writePasswordFile(file, 'n3w');
    } finally {
      process.umask(old);
    }
    expect(readFileSync(file, 'utf8')).toBe(encodePasswordFile('n3w'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await readPasswordFile(file)).password).toBe('n3w');
    await expect(readPasswordFile(join(dir, 'missing'))).rejects.toThrow(/cannot read password file .*missing: ENOENT/);
  });
});
