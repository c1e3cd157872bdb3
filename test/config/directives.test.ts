import { describe, expect, it } from 'vitest';
import { DIRECTIVE_ORDER, DIRECTIVES, effectiveSettings, parseConfig } from '../../src/config/index.js';

const parse = (text: string) => parseConfig(text, { file: 'd.cfg' });

describe('#vmbackup: directives', () => {
  it('reads every directive key into typed values', () => {
    const r = parse(
      [
        '#vmbackup: pool=xen1.example.com:8443',
        '#vmbackup: user=backup@corp',
        '#vmbackup: compress=ZSTD',
        '#vmbackup: concurrency=3',
        '#vmbackup: pre_clean=true',
        '#vmbackup: ignore_extra_keys=false',
        '#vmbackup: folder_names=NAS',
        '#vmbackup:mail_to= ops@example.com , noc@example.com',
        '#vmbackup: mail_from=vmbackup@example.com',
        '#vmbackup: mail_when=Failure',
        '#vmbackup: smtp_server=[2001:db8::1]:587',
        '#vmbackup: smtp_starttls=required',
        '#vmbackup: smtp_user=vmbackup@example.com',
        '#vmbackup: smtp_password_file=/etc/vmbackup/smtp.pass',
        '#vmbackup: smtp_ca_file=/etc/vmbackup/mail-ca.pem',
      ].join('\n'),
    );
    expect(r.errors).toEqual([]);
    expect(r.model.directives).toEqual({
      pool: 'https://xen1.example.com:8443',
      user: 'backup@corp',
      compress: 'zstd',
      concurrency: 3,
      preClean: true,
      ignoreExtraKeys: false,
      folderNames: 'nas',
      mailTo: ['ops@example.com', 'noc@example.com'],
      mailFrom: 'vmbackup@example.com',
      mailWhen: 'failure',
      smtpServer: '[2001:db8::1]:587',
      smtpStartTls: 'required',
      smtpUser: 'vmbackup@example.com',
      smtpPasswordFile: '/etc/vmbackup/smtp.pass',
      smtpCaFile: '/etc/vmbackup/mail-ca.pem',
    });
  });

  it('the README and `vmbackup config` document every key', () => {
    expect(DIRECTIVE_ORDER.map((p) => DIRECTIVES[p].key)).toEqual([
      'pool', 'user', 'fingerprint', 'ca_file', 'compress', 'concurrency', 'pre_clean', 'ignore_extra_keys', 'folder_names', 'vdi_disks', 'stall_timeout', 'verify_after', 'full_every', 'mail_to', 'mail_from', 'mail_when',
      'smtp_server', 'smtp_starttls', 'smtp_user', 'smtp_password_file', 'smtp_ca_file',
    ]);
  });

  it.each([
    ['#vmbackup: pol=https://x', /unknown directive key "pol"/, /did you mean #vmbackup: pool=/],
    ['#vmbackup: pool=https://root:secret@xen1', /must not carry a user or password/, /vmbackup login/],
    ['#vmbackup: pool=ftp://xen1', /must use https/, /https:\/\/host/],
    ['#vmbackup: pool=https://xen1/api', /must not have a path/, /https:\/\/host/],
    ['#vmbackup: compress=lz4', /not none, gzip or zstd/, /compress=zstd/],
    ['#vmbackup: concurrency=0', /from 1 to 16/, /concurrency=2/],
    ['#vmbackup: concurrency=100', /from 1 to 16/, /concurrency=2/],
    ['#vmbackup: pre_clean=yes', /not true or false/, /pre_clean=true/],
    ['#vmbackup: mail_to=ops@example.com,oops', /"oops" is not an e-mail address/, /mail_to=/],
    ['#vmbackup: smtp_server=mail.example.com:99999', /not host or host:port/, /smtp_server=/],
    ['#vmbackup: smtp_starttls=yes', /not required, opportunistic or off/, /smtp_starttls=required/],
    ['#vmbackup: mail_when=errors', /not always, failure or never/, /mail_when=failure/],
    ['#vmbackup: folder_names=smb', /not legacy or nas/, /folder_names=nas/],
    ['#vmbackup: vdi_disks=some', /not boot or all/, /vdi_disks=all/],
    ['#vmbackup: stall_timeout=0', /from 1 to 86400/, /stall_timeout=/],
    ['#vmbackup: smtp_password_file=smtp.pass', /not an absolute path/, /smtp_password_file=\/etc\//],
    ['#vmbackup: smtp_ca_file=certs/ca.pem', /not an absolute path/, /smtp_ca_file=\/etc\//],
    ['#vmbackup: smtp_user=', /smtp_user= is empty/, /smtp_user=vmbackup/],
    ['#vmbackup: fingerprint=SHA256:abc', /not a SHA-256 fingerprint/, /openssl x509 -in \/etc\/xensource\/xapi-ssl.pem -noout -fingerprint -sha256/],
    ['#vmbackup: ca_file=ca.pem', /not an absolute path/, /ca_file=\/etc\//],
    ['#vmbackup: compress', /must be key=value/, /compress=zstd/],
    ['#vmbackup: user=a\n#vmbackup: user=b', /set twice \(lines 1 and 2\)/, /keep one/],
  ])('%j', (cfg, message, hint) => {
    const [error] = parse(cfg).errors;
    expect(error?.message).toMatch(message);
    expect(error?.hint).toMatch(hint);
  });

  it('fingerprint= takes what openssl prints (upper case, colons, no prefix) and keeps the normal form', () => {
    const hex = 'AB'.repeat(32);
    const r = parse(`#vmbackup: fingerprint=${hex.match(/../g)!.join(':')}\n`);
    expect(r.errors).toEqual([]);
    expect(r.model.directives.fingerprint).toBe(`SHA256:${hex.toLowerCase()}`);
  });

  it('the original script reads directive lines as comments: they never change legacy settings', () => {
    const r = parse('#vmbackup: compress=gzip\nmax_backups=2\n');
    expect(r.model.settings).toEqual({ maxBackups: 2 });
  });
});

describe('mail settings', () => {
  it('default to opportunistic STARTTLS, mail_when=always and no login', () => {
    const s = effectiveSettings(parse('#vmbackup: mail_to=ops@example.com\n').model);
    expect([s.mailWhen, s.smtpStartTls, s.smtpUser, s.smtpPasswordFile, s.smtpCaFile, s.smtpServer]).toEqual(['always', 'opportunistic', null, null, null, null]);
  });
});
