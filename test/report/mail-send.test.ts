/**
 * The report mail against a real SMTP server in this process: smtp-server with STARTTLS on a
 * certificate from a private CA (trusted through smtp_ca_file), AUTH PLAIN/LOGIN checked in
 * onAuth, and every message parsed with mailparser.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary, VmResult } from '../../src/backup/events.js';
import { VmbackupError } from '../../src/errors.js';
import { MailSendError, type MailSettings, sendReport, shouldSend, smtpPasswordFor } from '../../src/report/mail-send.js';
import { relayFiles, type RelayFiles, SMTP_PASSWORD, SMTP_USER, startRelay } from '../helpers/smtp.js';
import { runSummary, vmResult } from '../helpers/results.js';
import { tempDirForFile } from '../helpers/temp.js';

const USER = SMTP_USER;
const PASSWORD = SMTP_PASSWORD;

const dir = tempDirForFile('mail');
let files: RelayFiles;
// Known before beforeAll runs: describe blocks build their settings at collection time.
const CA_FILE = join(dir, 'private-ca.pem');
const PASSWORD_FILE = join(dir, 'smtp.pass');

beforeAll(async () => {
  files = await relayFiles(dir);
  expect([files.caFile, files.passwordFile]).toEqual([CA_FILE, PASSWORD_FILE]);
}, 30_000);

const startServer = (options: Parameters<typeof startRelay>[1] = {}) => startRelay(files, options);

function settings(port: number, over: Partial<MailSettings> = {}): MailSettings {
  return {
    mailTo: ['ops@example.com', 'noc@example.com'],
    mailFrom: 'vmbackup@xen1.example.com',
    mailWhen: 'always',
    smtpServer: `127.0.0.1:${port}`,
    smtpStartTls: 'required',
    smtpUser: USER,
    smtpPasswordFile: PASSWORD_FILE,
    smtpCaFile: CA_FILE,
    ...over,
  };
}

const vm = (name: string, status: VmResult['status'] = 'success', error?: VmResult['error']) => vmResult(name, { status, ...(error ? { error } : {}) });
const summary = (vms: VmResult[], status: RunSummary['status']) => runSummary(vms, { status, poolDb: null });

const okRun = summary([vm('web01'), vm('web02')], 'SUCCESS');
const badRun = summary([vm('web01'), vm('db1', 'failed', { code: 'VDI_IO_ERROR', message: 'Device I/O errors' })], 'ERROR');
const opts = { hostname: 'xen1.example.com', smtpPassword: PASSWORD, retryPauseMs: 5 };

async function failure(p: Promise<unknown>): Promise<MailSendError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(MailSendError);
  const e = err as MailSendError;
  expect(e.code).toBe('MAIL_FAILED');
  return e;
}

/** The password in any form a relay or library could hand back. */
function expectNoSecret(e: VmbackupError) {
  for (const text of [e.message, e.hint ?? '', String(e.stack), JSON.stringify(e)]) {
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(Buffer.from(PASSWORD).toString('base64'));
  }
}

describe('sendReport over SMTP', () => {
  it.each([['PLAIN'], ['LOGIN']])('delivers over STARTTLS, certificate trusted through smtp_ca_file, AUTH %s', async (method) => {
    const server = await startServer({ authMethods: [method] });
    const password = await smtpPasswordFor(settings(server.port), {});
    expect(password).toBe(PASSWORD);
    const outcome = await sendReport(badRun, settings(server.port), { ...opts, smtpPassword: password });
    expect(outcome).toMatchObject({ sent: true, tls: true, relay: `127.0.0.1:${server.port}`, login: USER, attempts: 1, accepted: ['ops@example.com', 'noc@example.com'] });
    expect(server.logins).toEqual([{ method, user: USER, secure: true }]);
    expect(server.received).toHaveLength(1);
    const [mail] = server.received;
    expect(mail).toMatchObject({ from: 'vmbackup@xen1.example.com', to: ['ops@example.com', 'noc@example.com'], secure: true, autoSubmitted: 'auto-generated' });
    expect(mail?.subject).toBe('ERROR xen1.example.com vmbackup: 1 failed');
    expect(mail?.text).toMatch(/^ {2}FAILED .* db1 +VDI_IO_ERROR: Device I\/O errors$/m);
    expect(mail?.text).toMatch(/^ {2}success .* web01$/m);
  });

  it('smtp_starttls=required refuses a relay without STARTTLS, and nothing goes out in clear', async () => {
    const server = await startServer({ disabledCommands: ['STARTTLS'] });
    const e = await failure(sendReport(okRun, settings(server.port, { smtpUser: null, smtpPasswordFile: null }), opts));
    expect(e.step).toBe('TLS');
    expect(e.message).toMatch(/\bTLS\b/);
    expect(e.message).toContain(`127.0.0.1:${server.port}`);
    expect(e.attempts).toBe(1);
    expect(server.received).toEqual([]);
  });

  it('does not trust the relay certificate without smtp_ca_file (and says how to fix it)', async () => {
    const server = await startServer();
    const e = await failure(sendReport(okRun, settings(server.port, { smtpCaFile: null }), opts));
    expect(e.step).toBe('TLS');
    expect(e.message).toMatch(/certificate/);
    expect(e.hint).toMatch(/smtp_ca_file=/);
    expect(e.attempts).toBe(1); // the certificate will not be any better in 5 seconds
    expect(server.logins).toEqual([]);
    expect(server.received).toEqual([]);
  });

  it('opportunistic: a relay without STARTTLS gets the report in clear, but never the password', async () => {
    const server = await startServer({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true });
    const clear = await sendReport(okRun, settings(server.port, { smtpStartTls: 'opportunistic', smtpUser: null, smtpPasswordFile: null }), opts);
    expect(clear).toMatchObject({ sent: true, tls: false });
    expect(server.received).toMatchObject([{ secure: false, subject: 'SUCCESS xen1.example.com vmbackup: 2 VMs' }]);

    const e = await failure(sendReport(okRun, settings(server.port, { smtpStartTls: 'opportunistic' }), opts));
    expect(e.step).toBe('TLS');
    expect(e.hint).toMatch(/smtp_starttls=off/);
    expect(server.logins).toEqual([]);
    expect(server.received).toHaveLength(1);
  });

  it.each([
    ['a plain refusal', false],
    ['a relay that echoes the password', true],
  ])('a wrong password fails at auth with the SMTP code, once, without the password (%s)', async (_what, echoPassword) => {
    const server = await startServer({ echoPassword });
    const wrong = `${PASSWORD}-old`;
    const e = await failure(sendReport(okRun, settings(server.port), { ...opts, smtpPassword: wrong }));
    expect(e.step).toBe('auth');
    expect(e.smtpCode).toBe(535);
    expect(e.message).toMatch(/\bauth\b/);
    expect(e.message).toContain('SMTP 535');
    expect(e.attempts).toBe(1); // a 5xx answer does not change on retry; retrying could lock the account
    if (echoPassword) expect(e.message).toContain('***');
    for (const text of [e.message, e.hint ?? '', String(e.stack), JSON.stringify(e)]) {
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(Buffer.from(wrong).toString('base64'));
    }
    expectNoSecret(e);
    expect(server.logins).toHaveLength(1);
    expect(server.received).toEqual([]);
  });

  it('a closed port fails at connect after 3 quick attempts', { timeout: 5_000 }, async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const a = probe.address();
        probe.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
      });
    });
    const e = await failure(sendReport(okRun, settings(port), opts));
    expect(e.step).toBe('connect');
    expect(e.message).toMatch(/connect to SMTP relay 127\.0\.0\.1:\d+ failed: .*ECONNREFUSED/);
    expect(e.message).toContain('[3 attempts]');
    expect(e.attempts).toBe(3);
    expect(e.smtpCode).toBeNull();
    expectNoSecret(e);
  });

  it('a refused recipient fails at sending with the SMTP code', async () => {
    const server = await startServer({
      onRcptTo(address, _session, callback) {
        callback(address.address.startsWith('ops@') ? null : Object.assign(new Error('no such user'), { responseCode: 550 }));
      },
    });
    const e = await failure(sendReport(okRun, settings(server.port, { mailTo: ['nobody@example.com'] }), opts));
    expect(e.step).toBe('sending');
    expect(e.smtpCode).toBe(550);
    expect(e.message).toMatch(/sending .* \(SMTP 550\)/);
    const partly = await sendReport(okRun, settings(server.port), opts);
    expect(partly).toMatchObject({ sent: true, accepted: ['ops@example.com'], rejected: ['noc@example.com'] });
  });
});

describe('mail_when', () => {
  it('failure: a SUCCESS run sends nothing, an ERROR run sends its report', async () => {
    const server = await startServer();
    const s = settings(server.port, { mailWhen: 'failure' });
    expect(await sendReport(okRun, s, opts)).toEqual({ sent: false, reason: 'mail_when=failure and the run ended SUCCESS' });
    expect(server.received).toEqual([]);
    expect(await sendReport(badRun, s, opts)).toMatchObject({ sent: true });
    expect(server.received.map((m) => m.subject)).toEqual(['ERROR xen1.example.com vmbackup: 1 failed']);
  });

  it.each([
    ['always', 'SUCCESS', false, true],
    ['failure', 'SUCCESS', false, false],
    ['failure', 'SUCCESS', true, true],
    ['failure', 'WARNING', false, true],
    ['failure', 'ERROR', false, true],
    ['never', 'ERROR', false, false],
  ] as const)('%s, %s run, interrupted %s: send %s', (when, status, interrupted, send) => {
    expect(shouldSend({ status, interrupted }, when)).toBe(send);
  });

  it('no mail_to: nothing to do, and no error', async () => {
    expect(await sendReport(badRun, settings(1, { mailTo: [] }), opts)).toEqual({ sent: false, reason: 'no mail_to is set' });
  });
});

describe('SMTP password and other settings', () => {
  const base = settings(25);

  it('comes from smtp_password_file, else VMBACKUP_SMTP_PASSWORD', async () => {
    expect(await smtpPasswordFor(base, { VMBACKUP_SMTP_PASSWORD: 'from-env' })).toBe(PASSWORD);
    expect(await smtpPasswordFor({ ...base, smtpPasswordFile: null }, { VMBACKUP_SMTP_PASSWORD: 'from-env' })).toBe('from-env');
    expect(await smtpPasswordFor({ ...base, smtpUser: null, smtpPasswordFile: null }, { VMBACKUP_SMTP_PASSWORD: 'x' })).toBeUndefined();
  });

  it.each([
    ['smtp_user without any password', { smtpPasswordFile: null }, /no SMTP password/, /VMBACKUP_SMTP_PASSWORD/],
    ['a password file without smtp_user', { smtpUser: null }, /smtp_user is not/, /smtp_user=NAME/],
  ])('refuses %s', async (_what, over, message, hint) => {
    const err = await smtpPasswordFor({ ...base, ...over }, {}).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(VmbackupError);
    expect(err).toMatchObject({ code: 'MAIL_NOT_CONFIGURED', message: expect.stringMatching(message), hint: expect.stringMatching(hint) });
  });

  it('refuses an smtp_ca_file that holds no certificate', async () => {
    const bad = join(dir, 'not-a-ca.pem');
    writeFileSync(bad, 'hello');
    const err = await sendReport(okRun, { ...base, smtpCaFile: bad }, opts).then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'MAIL_NOT_CONFIGURED', message: expect.stringMatching(/holds no PEM certificate/) });
  });

  it('sends through an injected nodemailer transport instead of SMTP', async () => {
    const transport = nodemailer.createTransport({ jsonTransport: true });
    const outcome = await sendReport(badRun, { ...base, smtpServer: 'unreachable.invalid' }, { ...opts, transport });
    expect(outcome).toMatchObject({ sent: true, relay: 'custom transport', tls: null, attempts: 1 });
  });
});
