/**
 * Trust on first use, end to end: the real executable, headless, against the simulator's
 * self-signed HTTPS. The simulator's call log shows what reached the pool; the settings file
 * shows what was pinned.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { tempDir, vmbackupAsync } from '../helpers/cli.js';
import { leftovers } from '../helpers/e2e.js';
import { FAR_POOL } from '../helpers/far-pool.js';
import { stopAll, testSimulator } from '../helpers/sim.js';
import { selfSignedByOpenssl, tool } from '../helpers/tools.js';

afterEach(stopAll);

interface Setup {
  dir: string;
  settings: string;
  run(sim: Simulator, extra?: string[], lines?: string[]): ReturnType<typeof vmbackupAsync>;
}

function setup(): Setup {
  const dir = tempDir();
  const settings = join(dir, 'settings');
  mkdirSync(join(dir, 'backups'));
  return {
    dir,
    settings,
    run(sim, extra = [], lines = ['vm-export=db.example.com']) {
      writeFileSync(join(dir, 'pw.b64'), Buffer.from(sim.password).toString('base64'));
      writeFileSync(join(dir, 't.cfg'), [`#vmbackup: pool=${sim.url}`, `backup_dir=${join(dir, 'backups')}`, `status_log=${join(dir, 'status.log')}`, ...lines, ''].join('\n'));
      return vmbackupAsync(['--config', 't.cfg', '--password-file', 'pw.b64', ...extra], dir, { VMBACKUP_SETTINGS_DIR: settings });
    },
  };
}

const POOL = { hosts: [{ name: 'xcp1' }], vms: [{ name: 'db.example.com', power: 'Halted' as const, disks: [{ size: '2MiB', density: 1 }] }] };
/** As `openssl x509 -fingerprint -sha256` prints it: upper case, colons, no prefix. */
const opensslStyle = (fp: string) => fp.slice('SHA256:'.length).toUpperCase().match(/../g)!.join(':');
const logins = (sim: Simulator) => sim.calls.named('session.login_with_password').length;
const pins = (s: Setup) => (JSON.parse(readFileSync(join(s.settings, 'settings.json'), 'utf8')) as { pins?: Record<string, string> }).pins ?? {};

describe('trust on first use, headless', () => {
  it('refuses first contact, runs with --trust and pins it; the next run needs no flag; a changed certificate is refused before login', async () => {
    const s = setup();
    const sim = await testSimulator({ pool: POOL });
    const hostPort = `127.0.0.1:${new URL(sim.url).port}`;

    const first = await s.run(sim);
    expect(first.status).toBe(2);
    expect(first.stdout + first.stderr).toContain(sim.fingerprint!);
    expect(first.stdout + first.stderr).toMatch(/not trusted yet/);
    expect(first.stdout + first.stderr).toContain(`--trust ${sim.fingerprint}`);
    expect(logins(sim)).toBe(0);

    const trusted = await s.run(sim, ['--trust', sim.fingerprint!]);
    expect(trusted.status).toBe(0);
    expect(trusted.stderr).toContain(`pinned ${hostPort} to ${sim.fingerprint}`);
    expect(pins(s)).toEqual({ [hostPort]: sim.fingerprint });

    const again = await s.run(sim);
    expect(again.status).toBe(0);
    expect(again.stderr).not.toMatch(/pinned/);

    // Same address and port, another certificate: a reinstalled host, or a man in the middle.
    const port = Number(new URL(sim.url).port);
    await sim.close();
    const other = await testSimulator({ pool: POOL, port });
    const changed = await s.run(other);
    expect(changed.status).toBe(2);
    const out = changed.stdout + changed.stderr;
    expect(out).toContain(`pinned ${sim.fingerprint}, presented ${other.fingerprint}`);
    expect(out).toContain(`--trust ${other.fingerprint}`);
    expect(other.calls.records).toEqual([]);
    expect(pins(s)).toEqual({ [hostPort]: sim.fingerprint });
  }, 90_000);

  it('a cfg directive fingerprint= trusts without pinning; --insecure warns and checks nothing', async () => {
    const s = setup();
    const sim = await testSimulator({ pool: POOL });
    const withDirective = await s.run(sim, [], [`#vmbackup: fingerprint=${opensslStyle(sim.fingerprint!)}`, 'vm-export=db.example.com']);
    expect(withDirective.status).toBe(0);
    expect(withDirective.stderr).not.toMatch(/pinned/);
    const insecure = await s.run(sim, ['--insecure']);
    expect(insecure.status).toBe(0);
    expect(insecure.stderr).toMatch(/WARNING: --insecure: the certificate of 127\.0\.0\.1:\d+ is not checked/);
  }, 60_000);

  it('--ca trusts a certificate signed by that CA for this address, without a pin', async () => {
    const s = setup();
    const ca = join(s.dir, 'ca');
    mkdirSync(ca);
    await tool('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=Test Pool CA', '-days', '2', '-keyout', join(ca, 'ca.key'), '-out', join(ca, 'ca.pem')]);
    await tool('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=xcp1', '-keyout', join(ca, 'host.key'), '-out', join(ca, 'host.csr')]);
    writeFileSync(join(ca, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:xcp1\n');
    await tool('openssl', ['x509', '-req', '-in', join(ca, 'host.csr'), '-CA', join(ca, 'ca.pem'), '-CAkey', join(ca, 'ca.key'), '-CAcreateserial', '-days', '2', '-extfile', join(ca, 'ext.cnf'), '-out', join(ca, 'host.pem')]);
    const sim = await testSimulator({ pool: POOL, tls: { key: readFileSync(join(ca, 'host.key'), 'utf8'), cert: readFileSync(join(ca, 'host.pem'), 'utf8') } });
    expect((await s.run(sim)).status).toBe(2);
    const r = await s.run(sim, ['--ca', join(ca, 'ca.pem')]);
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/pinned/);
  }, 60_000);
});

describe('the order of the questions, headless', () => {
  it('an unknown certificate is reported before a missing password; nothing is sent', async () => {
    const s = setup();
    const sim = await testSimulator({ pool: POOL });
    writeFileSync(join(s.dir, 't.cfg'), [`#vmbackup: pool=${sim.url}`, `backup_dir=${join(s.dir, 'backups')}`, 'vm-export=db.example.com', ''].join('\n'));
    // No password file, no keychain, no $VMBACKUP_PASSWORD, no terminal.
    const r = await vmbackupAsync(['--config', 't.cfg'], s.dir, { VMBACKUP_SETTINGS_DIR: s.settings, VMBACKUP_PASSWORD: '', DBUS_SESSION_BUS_ADDRESS: '', CREDENTIALS_DIRECTORY: '' });
    expect(r.status).toBe(2);
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/the certificate of 127\.0\.0\.1:\d+ is not trusted yet/);
    expect(out).toContain(`--trust ${sim.fingerprint}`);
    expect(out).not.toMatch(/no password/);
    expect(sim.calls.records).toEqual([]);
  }, 60_000);

  it('a pool that does not answer is reported before a missing password', async () => {
    const s = setup();
    writeFileSync(join(s.dir, 't.cfg'), ['#vmbackup: pool=https://127.0.0.1:1', `backup_dir=${join(s.dir, 'backups')}`, 'vm-export=db.example.com', ''].join('\n'));
    const r = await vmbackupAsync(['--config', 't.cfg'], s.dir, { VMBACKUP_SETTINGS_DIR: s.settings, VMBACKUP_PASSWORD: '', DBUS_SESSION_BUS_ADDRESS: '', CREDENTIALS_DIRECTORY: '' });
    expect(r.status).toBe(2);
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/logging in to https:\/\/127\.0\.0\.1:1 as root failed: connect ECONNREFUSED 127\.0\.0\.1:1 \[ECONNREFUSED\]/);
    expect(out).not.toMatch(/no password/);
  }, 60_000);
});

describe('exports redirected to another pool member (302)', () => {
  const farOnly = ['vm-export=far'];

  it('go through when the member shows the certificate the master vouches for', async () => {
    const s = setup();
    const sim = await testSimulator({ pool: FAR_POOL });
    const r = await s.run(sim, ['--trust', sim.fingerprint!], farOnly);
    expect(r.status).toBe(0);
    expect(sim.calls.records.filter((c) => c.kind === 'http' && c.localAddress.endsWith('127.0.0.2')).map((c) => c.name)).toEqual(['GET /export/']);
  }, 60_000);

  it('are refused when the member shows another certificate: the VM fails, nothing reaches the member, no snapshot stays', async () => {
    const s = setup();
    const impostor = await selfSignedByOpenssl('xcp2');
    const sim = await testSimulator({ pool: FAR_POOL, servedTls: { '127.0.0.2': impostor } });
    const r = await s.run(sim, ['--trust', sim.fingerprint!], farOnly);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/not the expected one: the pool master says SHA256:[0-9a-f]{64}, presented SHA256:/);
    expect(sim.calls.records.filter((c) => c.localAddress.endsWith('127.0.0.2'))).toEqual([]);
    expect(leftovers(sim)).toEqual([]);
  }, 60_000);
});
