/**
 * One SMTP session: connect (with STARTTLS), log in, send, quit. We drive nodemailer's
 * SMTPConnection step by step instead of a transporter so that a failure names the step it
 * happened in (a transporter reports one opaque error), and so that we know whether the session
 * really ran over TLS, which `vmbackup test-email` tells the user.
 */
import { rootCertificates } from 'node:tls';
import type { NodemailerError } from 'nodemailer';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { SmtpStartTls } from '../config/index.js';

export type MailStep = 'connect' | 'TLS' | 'auth' | 'sending';

export interface SmtpSessionOptions {
  host: string;
  port: number;
  startTls: SmtpStartTls;
  /** Extra trusted CAs (PEM), added to Node's bundled roots. */
  caPem?: string;
  auth?: { user: string; pass: string };
  envelope: { from: string; to: string[] };
  message: Buffer;
  timeouts?: Partial<SmtpTimeouts>;
}

export interface SmtpTimeouts {
  connectionMs: number;
  greetingMs: number;
  socketMs: number;
}

/**
 * A dead relay must not hold a cron job for minutes (nodemailer waits 2 min to connect and
 * 10 min on an idle socket by default; VmBackup.py's smtplib had no timeout at all). A relay that
 * answers at all answers within a few seconds.
 */
export const SMTP_TIMEOUTS: SmtpTimeouts = { connectionMs: 10_000, greetingMs: 10_000, socketMs: 30_000 };

export interface SmtpSessionResult {
  /** True when the session ran over STARTTLS (with a verified certificate: we never skip that). */
  secure: boolean;
  accepted: string[];
  rejected: string[];
  /** The relay's answer to the message, e.g. "250 2.0.0 Ok: queued as 4F2A1". */
  response: string;
}

/** Why a session failed, before it becomes a VmbackupError (mail-send.ts adds attempts and hints). */
export interface SmtpFailure {
  step: MailStep;
  /** The SMTP reply code, when the relay answered with one. */
  smtpCode: number | null;
  /** Worth another attempt: the connection broke or timed out, or the relay said 4xx (try later). */
  transient: boolean;
  /** nodemailer's description (server reply included); may contain secrets until redacted. */
  reason: string;
  /** The certificate could not be verified (as opposed to STARTTLS being refused or missing). */
  certificate: boolean;
}

export function isSmtpFailure(value: unknown): value is SmtpFailure {
  return typeof value === 'object' && value !== null && 'step' in value && 'reason' in value && 'transient' in value;
}

const NETWORK_CODES = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS']);

/** Node's codes for a certificate it will not trust (openssl verify errors, and the host name check). */
const CERT_CODE = /CERT|SELF_SIGNED|UNABLE_TO_(?:GET|VERIFY)|ISSUER|LEAF_SIGNATURE/;

function classify(err: NodemailerError, current: MailStep, upgrading: boolean): SmtpFailure {
  const code = typeof err.responseCode === 'number' && err.responseCode > 0 ? err.responseCode : null;
  const certificate = CERT_CODE.test(err.originalCode ?? '') || CERT_CODE.test(err.code ?? '');
  let step = current;
  // A failed handshake surfaces as a socket error of the CONN command; only the connection's
  // `upgrading` flag and the original code tell it apart from a dropped connection.
  if (current === 'connect' && (upgrading || certificate || err.code === 'ETLS' || err.command === 'STARTTLS' || err.timeoutType === 'UPGRADE_TIMEOUT')) step = 'TLS';
  // A wrong password, a refused recipient, an untrusted certificate or a missing STARTTLS come
  // back the same way each time; retrying them only delays the cron job (and may lock the
  // SMTP account).
  const transient = code !== null ? code >= 400 && code < 500 : !certificate && NETWORK_CODES.has(err.code ?? '');
  const reason = certificate && !/certificate/i.test(err.message) ? `certificate not trusted: ${err.message}` : err.message;
  return { step, smtpCode: code, transient, reason, certificate };
}

function tlsOptions(caPem: string | undefined) {
  // `ca` replaces Node's roots; a private CA is meant to be trusted in addition to them.
  return caPem === undefined ? {} : { tls: { ca: [...rootCertificates, caPem] } };
}

/** Runs one session; rejects with an SmtpFailure. */
export function smtpSession(opts: SmtpSessionOptions): Promise<SmtpSessionResult> {
  const t = { ...SMTP_TIMEOUTS, ...opts.timeouts };
  const conn = new SMTPConnection({
    host: opts.host,
    port: opts.port,
    secure: false,
    requireTLS: opts.startTls === 'required',
    ignoreTLS: opts.startTls === 'off',
    opportunisticTLS: false,
    connectionTimeout: t.connectionMs,
    greetingTimeout: t.greetingMs,
    socketTimeout: t.socketMs,
    dnsTimeout: t.connectionMs,
    logger: false,
    ...tlsOptions(opts.caPem),
  });
  return new Promise<SmtpSessionResult>((resolve, reject) => {
    let step: MailStep = 'connect';
    let settled = false;
    const fail = (failure: SmtpFailure) => {
      if (settled) return;
      settled = true;
      conn.close();
      reject(failure);
    };
    const failWith = (err: NodemailerError) => fail(classify(err, step, conn.upgrading === true));
    conn.once('error', failWith);
    conn.once('end', () => fail({ step, smtpCode: null, transient: true, reason: 'the relay closed the connection', certificate: false }));

    const send = (secure: boolean) => {
      step = 'sending';
      conn.send(opts.envelope, opts.message, (err, info) => {
        if (err) return failWith(err);
        settled = true;
        conn.quit();
        resolve({ secure, accepted: info.accepted, rejected: info.rejected, response: info.response });
      });
    };

    conn.connect((err) => {
      if (err) return failWith(err);
      const secure = conn.secure;
      if (!opts.auth) return send(secure);
      if (!secure && opts.startTls !== 'off') {
        // Opportunistic TLS protects the report; a password is another matter. Never send it
        // in clear unless the cfg says smtp_starttls=off explicitly.
        return fail({ step: 'TLS', smtpCode: null, transient: false, certificate: false, reason: 'the relay offers no STARTTLS, and the smtp_user password is never sent in clear' });
      }
      step = 'auth';
      // forceAuth semantics: a relay that does not offer AUTH fails here instead of the mail
      // silently going out without the login the cfg asked for.
      conn.login({ user: opts.auth.user, pass: opts.auth.pass }, (loginErr) => {
        if (loginErr) return failWith(loginErr);
        send(secure);
      });
    });
  });
}
