import { describe, expect, it } from 'vitest';
import { humanBytes, humanDuration, mailContent, testMailContent } from '../../src/report/mail-content.js';
import { summarize } from '../../src/backup/run.js';
import { runSummary, vmResult } from '../helpers/results.js';

const vm = vmResult;
const summary = runSummary;

const web = (n: number) => Array.from({ length: n }, (_, i) => vm(`web${String(i + 1).padStart(2, '0')}`));
const host = { hostname: 'xen1.example.com' };

describe('a warning of the run, not of one VM (a selector that matches no VM)', () => {
  const noMatch = { code: 'NO_MATCH', message: 'weekend.cfg:7: vdi-export=dns-1 matches no VM: no VM is backed up by this line', hint: 'a renamed VM? check the name' };
  const base = summary(web(2));
  const warned = summarize({ ...base, warnings: [noMatch] }, new Date(base.finishedAt));

  it('counts as W, makes the run a WARNING, and the mail says what it is', () => {
    expect(warned).toMatchObject({ status: 'WARNING', counts: { success: 2, warning: 1, error: 0 } });
    const mail = mailContent(warned, host);
    expect(mail.subject).toBe('WARNING xen1.example.com vmbackup: 2 ok, 1 warning');
    expect(mail.text).toMatch(/^warnings \(1, not tied to one VM\):\n {2}NO_MATCH: weekend\.cfg:7: vdi-export=dns-1 matches no VM: no VM is backed up by this line\n {4}fix: a renamed VM\? check the name$/m);
    expect(mailContent(base, host).text).not.toContain('warnings (');
  });
});

describe('report mail subject', () => {
  it.each([
    ['SUCCESS', summary(web(12)), 'SUCCESS xen1.example.com vmbackup: 12 VMs'],
    ['SUCCESS, one VM', summary(web(1)), 'SUCCESS xen1.example.com vmbackup: 1 VM'],
    ['WARNING', summary([...web(11), vm('db1', { status: 'warning', warnings: ['snapshot left behind'] })]), 'WARNING xen1.example.com vmbackup: 11 ok, 1 warning'],
    [
      'ERROR',
      summary([...web(10), vm('db1', { status: 'failed' }), vm('db2', { status: 'failed' })]),
      'ERROR xen1.example.com vmbackup: 2 failed',
    ],
    [
      'ERROR from the pool DB dump alone',
      summary(web(2), { status: 'ERROR', counts: { success: 2, warning: 0, error: 1 }, poolDb: { status: 'failed', deleted: [], error: { code: 'X', message: 'y' } } }),
      'ERROR xen1.example.com vmbackup: pool DB failed',
    ],
    [
      'ERROR from a problem of the scope',
      summary(web(2), { status: 'ERROR', counts: { success: 2, warning: 0, error: 1 }, problems: [{ code: 'SCOPE', message: 'two VMs are named "web"' }] }),
      'ERROR xen1.example.com vmbackup: 1 problem',
    ],
    [
      'an interrupted run',
      summary([vm('a'), vm('b', { status: 'cancelled' }), vm('c', { status: 'skipped' })], { interrupted: true }),
      'ERROR xen1.example.com vmbackup: 1 cancelled, 1 skipped, interrupted',
    ],
  ])('%s', (_what, s, subject) => {
    expect(mailContent(s, host).subject).toBe(subject);
  });

  it('keeps a hostile host name on one line', () => {
    expect(mailContent(summary(web(1)), { hostname: 'xen1\r\nBcc: x@y' }).subject).toBe('SUCCESS xen1 Bcc: x@y vmbackup: 1 VM');
  });
});

describe('report mail body', () => {
  const failed = summary([
    vm('web01'),
    vm('db-main', { status: 'failed', mode: 'vdi-export', format: 'vhd', bytes: 0, rateMBps: 0, elapsedMs: 4_200, error: { code: 'VDI_IO_ERROR', message: 'Device I/O errors' } }),
    vm('mail01', { status: 'warning', warnings: ['snapshot 1a2b left behind'] }),
    vm('old-box', { status: 'skipped', bytes: 0, rateMBps: 0, elapsedMs: 0, error: { code: 'NO_SPACE', message: 'backup_dir has 2 GB free, needs 40 GB' } }),
  ]);
  const { text } = mailContent(failed, host);

  it('lists every VM on one line with status, mode, size, time, rate and its error', () => {
    const lines = text.split('\n');
    const line = (name: string) => lines.filter((l) => l.includes(name));
    expect(line('web01')).toEqual([expect.stringMatching(/^ {2}success +vm-export +12\.3 GB +5m 12s +39\.6 +web01$/)]);
    expect(line('db-main')).toEqual([expect.stringMatching(/^ {2}FAILED +vdi-export +- +4\.2s +- +db-main +VDI_IO_ERROR: Device I\/O errors$/)]);
    expect(line('mail01')).toEqual([expect.stringMatching(/^ {2}WARNING .* mail01 +warning: snapshot 1a2b left behind$/)]);
    expect(line('old-box')).toEqual([expect.stringMatching(/^ {2}SKIPPED .* old-box +NO_SPACE: backup_dir has 2 GB free, needs 40 GB$/)]);
  });

  it('has the run facts: times, pool, backup_dir, totals, pool DB, interrupted', () => {
    expect(text).toContain('pool:        pool-a  https://xen1.example.com\n');
    expect(text).toContain('backup_dir:  /snapshots/BACKUPS\n');
    expect(text).toContain('started:     2024-05-04T02:00:00.000Z\n');
    expect(text).toContain('finished:    2024-05-04T03:02:10.000Z  (1h 02m 10s)\n');
    expect(text).toContain('totals:      1 success, 1 warning, 2 error (S/W/E 1/1/2)\n');
    expect(text).toContain('pool DB:     success  POOL_DB/2024-05-04.db\n');
    expect(text).toContain('interrupted: no\n');
    expect(mailContent(summary(web(1), { interrupted: true }), host).text).toMatch(/^interrupted: YES/m);
    expect(mailContent(summary(web(1), { poolDb: null }), host).text).toMatch(/^pool DB: +not requested/m);
    const problems = mailContent(summary(web(1), { problems: [{ code: 'SCOPE', message: 'two VMs are named "web"' }] }), host).text;
    expect(problems).toMatch(/^problems \(1, not tied to one VM\):\n {2}SCOPE: two VMs are named "web"$/m);
  });

  it('describes this run only, never older runs (NAU #98: the old mail was the whole status log)', () => {
    const first = mailContent(summary(web(3)), host).text;
    expect(first).toContain('web01');
    const second = summary([vm('web99')], {
      startedAt: '2024-05-05T02:00:00.000Z',
      finishedAt: '2024-05-05T02:10:00.000Z',
      poolDb: { status: 'success', file: 'POOL_DB/2024-05-05.db', deleted: [] },
    });
    const body = mailContent(second, host).text;
    expect(body).toContain('web99');
    expect(body).not.toContain('web01');
    expect(body).not.toContain('2024-05-04');
    expect(body.split('\n').length).toBeLessThan(25);
  });

  it('shows names and messages with control characters escaped (\\n, \\x1b), never raw', () => {
    const s = summary([vm('evil\nname\u001b[31m', { status: 'failed', error: { code: 'X', message: 'line1\nline2\u0000' } }), vm('Serveur-é')]);
    const body = mailContent(s, host).text;
    expect(body).toContain(' evil\\nname\\x1b[31m ');
    expect(body).toContain('X: line1\\nline2\\x00');
    expect(body).toContain(' Serveur-é');
    expect(body).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });
});

describe('units', () => {
  it.each([
    [0, '0 B'], [999, '999 B'], [1000, '1.00 kB'], [12_345_678, '12.3 MB'], [123_456_789_012, '123 GB'], [2.5e12, '2.50 TB'],
  ])('humanBytes(%d) = %s', (n, s) => expect(humanBytes(n)).toBe(s));

  it.each([
    [400, '0.4s'], [59_000, '0m 59s'], [312_000, '5m 12s'], [3_730_000, '1h 02m 10s'],
  ])('humanDuration(%d) = %s', (n, s) => expect(humanDuration(n)).toBe(s));
});

describe('test-email message', () => {
  it('names the cfg and the settings it tests', () => {
    const m = testMailContent({
      hostname: 'xen1.example.com',
      source: '/etc/vmbackup/weekly.cfg',
      settings: { smtpServer: 'mail.example.com:587', smtpStartTls: 'required', smtpUser: 'vmbackup', mailWhen: 'failure' },
      now: new Date('2024-05-04T10:00:00Z'),
    });
    expect(m.subject).toBe('TEST xen1.example.com vmbackup: test message');
    expect(m.text).toContain('/etc/vmbackup/weekly.cfg');
    expect(m.text).toContain('smtp_server:    mail.example.com:587');
    expect(m.text).toContain('smtp_starttls:  required');
  });
});
