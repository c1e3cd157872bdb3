/**
 * Sending the report mail (and the test-email message) through the cfg's SMTP relay.
 *
 * Like VmBackup.py we try up to 3 times with a pause between attempts, but only when another
 * attempt can help (see mail-smtp.ts). The SMTP password never appears in what we print: it is
 * redacted from every message, even when a relay echoes it back in its reply.
 */
import { readFile } from 'node:fs/promises';
import type { Transporter } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { EffectiveSettings, MailWhen } from '../config/index.js';
import type { RunSummary } from '../backup/events.js';
import { VmbackupError } from '../errors.js';
import { readPasswordFile } from '../secrets/password-file.js';
import { type MailContent, mailContent } from './mail-content.js';
import { isSmtpFailure, type MailStep, type SmtpFailure, type SmtpTimeouts, smtpSession } from './mail-smtp.js';

export type { MailStep } from './mail-smtp.js';

export const SMTP_PASSWORD_ENV = 'VMBACKUP_SMTP_PASSWORD';

export type MailSettings = Pick<
  EffectiveSettings,
  'mailTo' | 'mailFrom' | 'mailWhen' | 'smtpServer' | 'smtpStartTls' | 'smtpUser' | 'smtpPasswordFile' | 'smtpCaFile'
>;

export interface SendOptions {
  /** This machine's full host name: the subject, and the default sender vmbackup@<hostname>. */
  hostname: string;
  /** From smtpPasswordFor(); needed when smtp_user is set. */
  smtpPassword?: string;
  /** Send through this nodemailer transporter instead of SMTP to smtp_server (a stream or JSON transport in tests of callers). */
  transport?: Transporter;
  /** Attempts before giving up (default 3, as VmBackup.py). */
  attempts?: number;
  /** Pause between attempts (default 5 s, as VmBackup.py). */
  retryPauseMs?: number;
  timeouts?: Partial<SmtpTimeouts>;
}

export interface MailDelivery {
  from: string;
  to: string[];
  /** "host:port", or "custom transport". */
  relay: string;
  /** Whether the session ran over STARTTLS with a verified certificate; null when a custom transport was used. */
  tls: boolean | null;
  login: string | null;
  accepted: string[];
  rejected: string[];
  response: string;
  attempts: number;
}

export type ReportOutcome = { sent: false; reason: string } | ({ sent: true } & MailDelivery);

/** A mail that could not be sent: which step failed and the relay's SMTP code, for scripts and the JSON report. */
export class MailSendError extends VmbackupError {
  constructor(
    readonly step: MailStep,
    readonly smtpCode: number | null,
    readonly attempts: number,
    message: string,
    hint: string,
  ) {
    super('MAIL_FAILED', message, hint);
  }
}

/** mail_when: failure means a run that needs a look, WARNING or ERROR (an interrupted run counts). */
export function shouldSend(summary: Pick<RunSummary, 'status' | 'interrupted'>, when: MailWhen): boolean {
  if (when === 'never') return false;
  if (when === 'always') return true;
  return summary.status !== 'SUCCESS' || summary.interrupted;
}

export function relayOf(smtpServer: string | null): { host: string; port: number; label: string } {
  const value = smtpServer ?? 'localhost';
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::([0-9]+))?$/.exec(value);
  const host = m?.[1] ?? m?.[2] ?? value;
  const port = m?.[3] === undefined ? 25 : Number(m[3]);
  return { host, port, label: `${m?.[1] === undefined ? host : `[${host}]`}:${port}` };
}

function notConfigured(message: string, hint: string): VmbackupError {
  return new VmbackupError('MAIL_NOT_CONFIGURED', message, hint);
}

/**
 * The SMTP password: smtp_password_file when set, else $VMBACKUP_SMTP_PASSWORD. Undefined when
 * no smtp_user is set (the relay takes mail without a login).
 */
export async function smtpPasswordFor(settings: MailSettings, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (settings.smtpUser === null) {
    if (settings.smtpPasswordFile !== null) {
      throw notConfigured('smtp_password_file is set but smtp_user is not', 'add #vmbackup: smtp_user=NAME, or remove smtp_password_file');
    }
    return undefined;
  }
  if (settings.smtpPasswordFile !== null) return (await readPasswordFile(settings.smtpPasswordFile)).password;
  const fromEnv = env[SMTP_PASSWORD_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  throw notConfigured(
    `smtp_user=${settings.smtpUser} is set but there is no SMTP password`,
    `add #vmbackup: smtp_password_file=/etc/vmbackup/smtp.pass (made with: vmbackup password-file /etc/vmbackup/smtp.pass, typing the SMTP password when asked), or set ${SMTP_PASSWORD_ENV}`,
  );
}

async function readCaFile(file: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (err) {
    throw notConfigured(`cannot read smtp_ca_file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 'check the path and its permissions');
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw notConfigured(`smtp_ca_file ${file} holds no PEM certificate`, 'give a file with one or more "-----BEGIN CERTIFICATE-----" blocks');
  }
  return pem;
}

/** Every form in which a password could travel back to us: as typed, and base64 as AUTH PLAIN/LOGIN send it. */
function redactor(user: string | null, password: string | undefined): (text: string) => string {
  if (password === undefined || password === '') return (text) => text;
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const secrets = [password, b64(password), ...(user === null ? [] : [b64(`\0${user}\0${password}`), b64(`${user}\0${user}\0${password}`)])];
  return (text) => secrets.reduce((t, s) => t.split(s).join('***'), text);
}

const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim().slice(0, 500);

function failureError(f: SmtpFailure, relay: string, settings: MailSettings, attempts: number, redact: (s: string) => string): MailSendError {
  const what: Record<MailStep, string> = {
    connect: `connect to SMTP relay ${relay}`,
    TLS: `TLS (STARTTLS) with ${relay}`,
    auth: `auth: login as "${settings.smtpUser ?? ''}" at ${relay}`,
    sending: `sending the message through ${relay}`,
  };
  const hints: Record<MailStep, string> = {
    connect: `check #vmbackup: smtp_server=host[:port] (now ${settings.smtpServer ?? 'localhost, the default'}) and that this host may reach it; \`vmbackup test-email --config FILE\` tries it`,
    TLS: f.certificate
      ? 'the relay certificate is not trusted: for a private CA set #vmbackup: smtp_ca_file=/path/ca.pem (smtp_starttls=off sends in clear)'
      : settings.smtpStartTls === 'required'
        ? 'use a relay or port that offers STARTTLS (often 587), or set #vmbackup: smtp_starttls=opportunistic'
        : 'use a relay or port that offers STARTTLS (often 587), or set #vmbackup: smtp_starttls=off to send the login in clear',
    auth: `check #vmbackup: smtp_user and the password (smtp_password_file, or ${SMTP_PASSWORD_ENV})`,
    sending: 'the relay refused the sender, a recipient or the message: check mail_from and mail_to, and that the relay lets this host send',
  };
  const code = f.smtpCode === null ? '' : ` (SMTP ${f.smtpCode})`;
  const tries = attempts > 1 ? ` [${attempts} attempts]` : '';
  const message = redact(`mail not sent: ${what[f.step]} failed${code}: ${oneLine(f.reason)}${tries}`);
  return new MailSendError(f.step, f.smtpCode, attempts, message, redact(hints[f.step]));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sends one message to mail_to through smtp_server (or opts.transport), with retries. */
export async function sendMail(content: MailContent, settings: MailSettings, opts: SendOptions): Promise<MailDelivery> {
  if (settings.mailTo.length === 0) throw notConfigured('no mail_to is set', 'add e.g. #vmbackup: mail_to=ops@example.com to the cfg');
  if (settings.smtpUser !== null && opts.smtpPassword === undefined && opts.transport === undefined) {
    throw notConfigured(`smtp_user=${settings.smtpUser} is set but no SMTP password was given`, `set smtp_password_file or ${SMTP_PASSWORD_ENV}`);
  }
  const from = settings.mailFrom ?? `vmbackup@${opts.hostname}`;
  const mail = {
    from,
    to: settings.mailTo.join(', '),
    subject: content.subject,
    text: content.text,
    // RFC 3834: an automatic report, so vacation responders do not answer it.
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
  const login = settings.smtpUser;

  if (opts.transport !== undefined) {
    const info = (await opts.transport.sendMail(mail)) as { accepted?: unknown; rejected?: unknown; response?: unknown };
    const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
    return { from, to: settings.mailTo, relay: 'custom transport', tls: null, login, accepted: list(info.accepted), rejected: list(info.rejected), response: String(info.response ?? ''), attempts: 1 };
  }

  const relay = relayOf(settings.smtpServer);
  const caPem = settings.smtpCaFile === null ? undefined : await readCaFile(settings.smtpCaFile);
  const compiled = new MailComposer(mail).compile();
  const message = await compiled.build();
  const envelope = { from, to: settings.mailTo };
  const redact = redactor(login, opts.smtpPassword);
  const attempts = Math.max(1, opts.attempts ?? 3);
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await smtpSession({
        host: relay.host,
        port: relay.port,
        startTls: settings.smtpStartTls,
        envelope,
        message,
        ...(caPem === undefined ? {} : { caPem }),
        ...(login === null || opts.smtpPassword === undefined ? {} : { auth: { user: login, pass: opts.smtpPassword } }),
        ...(opts.timeouts === undefined ? {} : { timeouts: opts.timeouts }),
      });
      return { from, to: settings.mailTo, relay: relay.label, tls: r.secure, login, accepted: r.accepted, rejected: r.rejected, response: redact(oneLine(r.response)), attempts: attempt };
    } catch (err) {
      if (!isSmtpFailure(err)) throw err;
      if (!err.transient || attempt >= attempts) throw failureError(err, relay.label, settings, attempt, redact);
      await sleep(opts.retryPauseMs ?? 5000);
    }
  }
}

/**
 * Mails the report of a run when mail_to is set and mail_when allows it. Not configured is not
 * an error (most cfgs have no mail_to); a mail that cannot be sent is (MAIL_FAILED).
 */
export async function sendReport(summary: RunSummary, settings: MailSettings, opts: SendOptions): Promise<ReportOutcome> {
  if (settings.mailTo.length === 0) return { sent: false, reason: 'no mail_to is set' };
  if (!shouldSend(summary, settings.mailWhen)) return { sent: false, reason: `mail_when=${settings.mailWhen} and the run ended ${summary.status}` };
  const delivery = await sendMail(mailContent(summary, { hostname: opts.hostname }), settings, opts);
  return { sent: true, ...delivery };
}
