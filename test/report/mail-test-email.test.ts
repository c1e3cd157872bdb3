/** `vmbackup test-email`, run in-process against a real smtp-server with STARTTLS and AUTH. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testEmailCommand } from '../../src/cli/commands/test-email.js';
import type { CliIo } from '../../src/access/io.js';
import { type ReceivedMail, relayFiles, type RelayFiles, SMTP_PASSWORD, SMTP_USER, startRelay } from '../helpers/smtp.js';
import { tempDirForFile } from '../helpers/temp.js';

const dir = tempDirForFile('test-email');
const PASSWORD = SMTP_PASSWORD;
let files: RelayFiles;
let received: ReceivedMail[] = [];
let port = 0;

beforeAll(async () => {
  files = await relayFiles(dir);
}, 30_000);

beforeEach(async () => {
  const relay = await startRelay(files);
  received = relay.received;
  port = relay.port;
});

function io(env: NodeJS.ProcessEnv = {}) {
  const out = { stdout: '', stderr: '' };
  const cli: CliIo = {
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    cwd: dir,
    env,
    now: () => new Date('2024-05-04T10:00:00Z'),
    onInterrupt: () => () => {},
  };
  return { cli, out };
}

function cfg(name: string, directives: string[]): string {
  const lines = [...directives.map((d) => `#vmbackup: ${d}`), 'backup_dir=/snapshots/BACKUPS', 'vm-export=web01', ''];
  writeFileSync(join(dir, name), lines.join('\n'));
  return name;
}

const relay = () => [`smtp_server=127.0.0.1:${port}`, 'smtp_starttls=required', `smtp_ca_file=${files.caFile}`, `smtp_user=${SMTP_USER}`];

describe('vmbackup test-email', () => {
  it('sends a test message and says to whom, through which relay, with TLS', async () => {
    const file = cfg('ok.cfg', ['mail_to=ops@example.com,noc@example.com', ...relay(), `smtp_password_file=${files.passwordFile}`]);
    const { cli, out } = io();
    const before = received.length;
    expect(await testEmailCommand(['--config', file], cli)).toBe(0);
    expect(out.stderr).toBe('');
    expect(out.stdout).toContain('test message sent to ops@example.com, noc@example.com\n');
    expect(out.stdout).toContain(`relay:    127.0.0.1:${port}, STARTTLS with a verified certificate, logged in as ${SMTP_USER}\n`);
    expect(received.slice(before)).toEqual([
      expect.objectContaining({ to: ['ops@example.com', 'noc@example.com'], secure: true, subject: expect.stringMatching(/^TEST \S+ vmbackup: test message$/) }),
    ]);
    expect(received.at(-1)?.text).toContain('ok.cfg');
  });

  it('takes the password from VMBACKUP_SMTP_PASSWORD when no smtp_password_file is set', async () => {
    const file = cfg('env.cfg', ['mail_to=ops@example.com', ...relay()]);
    const { cli, out } = io({ VMBACKUP_SMTP_PASSWORD: PASSWORD });
    expect(await testEmailCommand(['--config', file], cli)).toBe(0);
    expect(out.stdout).toContain(`logged in as ${SMTP_USER}`);
  });

  it('without mail_to: exit 2 and a clear message, nothing sent', async () => {
    const file = cfg('nomail.cfg', relay());
    const { cli, out } = io({ VMBACKUP_SMTP_PASSWORD: PASSWORD });
    const before = received.length;
    expect(await testEmailCommand(['--config', file], cli)).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe('vmbackup: error: nomail.cfg has no mail_to: there is nobody to send to\nvmbackup: fix: add e.g. #vmbackup: mail_to=ops@example.com\n');
    expect(received.length).toBe(before);
  });

  it('a wrong password: exit 2, the auth failure on stderr, the password nowhere', async () => {
    const file = cfg('wrong.cfg', ['mail_to=ops@example.com', ...relay()]);
    const { cli, out } = io({ VMBACKUP_SMTP_PASSWORD: 'not-the-password' });
    expect(await testEmailCommand(['--config', file], cli)).toBe(2);
    expect(out.stderr).toMatch(/^vmbackup: error: mail not sent: auth: login as "vmbackup" at 127\.0\.0\.1:\d+ failed \(SMTP 535\)/);
    expect(out.stdout + out.stderr).not.toContain('not-the-password');
  });

  it('an invalid cfg or a missing --config: exit 2', async () => {
    const file = cfg('bad.cfg', ['mail_to=ops@example.com', 'smtp_starttls=maybe']);
    const a = io();
    expect(await testEmailCommand(['--config', file], a.cli)).toBe(2);
    expect(a.out.stderr).toMatch(/smtp_starttls=maybe is not required, opportunistic or off/);
    const b = io();
    expect(await testEmailCommand([], b.cli)).toBe(2);
    expect(b.out.stderr).toMatch(/--config FILE.cfg is required/);
  });
});
