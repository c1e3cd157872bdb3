/**
 * A run's report mail, end to end: the real executable, the simulator, and a real SMTP relay
 * with STARTTLS on a private CA and a login.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { encodePasswordFile } from '../../src/secrets/password-file.js';
import { e2eEnv } from '../helpers/e2e.js';
import { stopAll } from '../helpers/sim.js';
import { relayFiles, type RelayFiles, SMTP_USER, startRelay } from '../helpers/smtp.js';
import { tempDirForFile } from '../helpers/temp.js';

afterEach(stopAll);

const relayDir = tempDirForFile('mail-e2e');
let files: RelayFiles;
beforeAll(async () => {
  files = await relayFiles(relayDir);
}, 30_000);

function mailLines(port: number, extra: string[] = [], passwordFile = files.passwordFile): string[] {
  return [
    '#vmbackup: mail_to=ops@example.com',
    `#vmbackup: smtp_server=127.0.0.1:${port}`,
    '#vmbackup: smtp_starttls=required',
    `#vmbackup: smtp_user=${SMTP_USER}`,
    `#vmbackup: smtp_password_file=${passwordFile}`,
    `#vmbackup: smtp_ca_file=${files.caFile}`,
    ...extra,
    'vm-export=db.example.com',
  ];
}

it('mails this run\'s report over STARTTLS after the backups; the log and the JSON report say so', async () => {
  const env = await e2eEnv();
  const relay = await startRelay(files);
  const r = await env.run(env.cfg('m.cfg', mailLines(relay.port)), ['--json=r.json']);
  expect(r.status, r.stdout).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`- report mailed to ops@example\\.com via 127\\.0\\.0\\.1:${relay.port}\\n$`));
  expect(relay.received).toHaveLength(1);
  const mail = relay.received[0]!;
  expect(mail).toMatchObject({ to: ['ops@example.com'], secure: true, subject: `SUCCESS ${hostname()} vmbackup: 1 VM` });
  expect(mail.text).toMatch(/db\.example\.com/);
  expect(relay.logins).toEqual([{ method: expect.any(String), user: SMTP_USER, secure: true }]);
  expect(JSON.parse(readFileSync(join(env.dir, 'r.json'), 'utf8')).mail).toEqual({ sent: true, to: ['ops@example.com'], relay: `127.0.0.1:${relay.port}` });
}, 60_000);

it('mail_when=failure sends nothing after a good run', async () => {
  const env = await e2eEnv();
  const relay = await startRelay(files);
  const r = await env.run(env.cfg('m.cfg', mailLines(relay.port, ['#vmbackup: mail_when=failure'])));
  expect(r.status).toBe(0);
  expect(relay.received).toEqual([]);
}, 60_000);

it('a mail that cannot be sent does not cost the backup: exit 1, the reason in the log, the password nowhere', async () => {
  const env = await e2eEnv();
  const relay = await startRelay(files, { echoPassword: true });
  const wrong = join(env.dir, 'wrong.pass');
  writeFileSync(wrong, encodePasswordFile('not-the-password'), { mode: 0o600 });
  const r = await env.run(env.cfg('m.cfg', mailLines(relay.port, [], wrong)));
  expect(r.status).toBe(1);
  expect(r.stdout).toMatch(/VmBackup vm-export db\.example\.com - \*\*\*Success\*\*\*/);
  expect(r.stdout).toMatch(/ERROR mail not sent: auth: login as "vmbackup" at 127\.0\.0\.1:\d+ failed \(SMTP 535\)/);
  expect(r.stdout + r.stderr).not.toContain('not-the-password');
  expect(relay.received).toEqual([]);
}, 60_000);
