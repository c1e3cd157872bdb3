/**
 * A real SMTP relay for mail tests: smtp-server with STARTTLS on a certificate signed by a
 * private CA (trusted through smtp_ca_file, as a company relay would be), AUTH PLAIN/LOGIN for
 * one user, and every message parsed with mailparser.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import selfsigned from 'selfsigned';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach } from 'vitest';
import { encodePasswordFile } from '../../src/secrets/password-file.js';

export const SMTP_USER = 'vmbackup';
export const SMTP_PASSWORD = 'S3cret-p@ss';

export interface ReceivedMail {
  from: string | undefined;
  to: string[];
  secure: boolean;
  subject: string | undefined;
  text: string | undefined;
  autoSubmitted: unknown;
}

export interface TestRelay {
  port: number;
  received: ReceivedMail[];
  logins: { method: string; user: string | undefined; secure: boolean }[];
}

export interface RelayFiles {
  /** PEM of the private CA that signed the relay's certificate. */
  caFile: string;
  /** SMTP_PASSWORD as a legacy base64 password file. */
  passwordFile: string;
  key: string;
  cert: string;
}

/** Makes the CA, the relay certificate and the password file in `dir` (call once per file: about a second). */
export async function relayFiles(dir: string): Promise<RelayFiles> {
  const year = new Date(Date.now() + 365 * 86400_000);
  const ca = await selfsigned.generate([{ name: 'commonName', value: 'vmbackup test CA' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: year,
    extensions: [{ name: 'basicConstraints', cA: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true }],
  });
  const leaf = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: year,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
    ],
  });
  const files = { caFile: join(dir, 'private-ca.pem'), passwordFile: join(dir, 'smtp.pass'), key: leaf.private, cert: leaf.cert };
  writeFileSync(files.caFile, ca.cert);
  writeFileSync(files.passwordFile, encodePasswordFile(SMTP_PASSWORD));
  return files;
}

const relays: SMTPServer[] = [];
afterEach(async () => {
  await Promise.all(relays.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

/** A relay on a free port of 127.0.0.1, closed after the current test. */
export async function startRelay(files: RelayFiles, options: Partial<SMTPServerOptions> & { echoPassword?: boolean } = {}): Promise<TestRelay> {
  const received: ReceivedMail[] = [];
  const logins: TestRelay['logins'] = [];
  const { echoPassword, ...rest } = options;
  const server = new SMTPServer({
    key: files.key,
    cert: files.cert,
    logger: false,
    authOptional: true,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, session, callback) {
      logins.push({ method: auth.method, user: auth.username, secure: session.secure });
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) return callback(null, { user: SMTP_USER });
      // Some relays quote what they were sent; the password must not reach our messages even then.
      return callback(new Error(echoPassword ? `Authentication failed for ${auth.username}/${auth.password}` : 'Authentication failed'));
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
            to: session.envelope.rcptTo.map((r) => r.address),
            secure: session.secure,
            subject: mail.subject,
            text: mail.text,
            autoSubmitted: mail.headers.get('auto-submitted'),
          });
          callback();
        })
        .catch(callback);
    },
    ...rest,
  });
  relays.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, received, logins };
}
