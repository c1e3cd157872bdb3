/**
 * `vmbackup sim` as a user runs it: a child process that prints one JSON line, serves a pool the
 * xen-api client can use, presents the certificate whose fingerprint it printed, and stops on
 * SIGTERM. Its certificates and password are kept in a state folder (here always a scratch one,
 * never the user's): a second start serves the same ones.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterEach, expect, it } from 'vitest';
import { createClient } from 'xen-api';
import { decodePasswordFile } from '../../src/secrets/password-file.js';
import { DEMO_POOL } from '../../src/sim/pool/demo.js';
import { fingerprintOfPem } from '../../src/util/fingerprint.js';
import { BIN, tempDir } from '../helpers/cli.js';

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

interface SimInfo {
  url: string;
  user: string;
  password: string;
  fingerprint: string | null;
  passwordFile: string | null;
  stateDir: string;
}

/** `env`: VMBACKUP_SIM_STATE_DIR is a scratch folder unless given (tests never touch ~/.local/state). */
function start(args: string[], env: NodeJS.ProcessEnv = { VMBACKUP_SIM_STATE_DIR: tempDir() }): Promise<SimInfo> {
  child = spawn(process.execPath, [BIN, 'sim', '--port', '0', '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    let out = '';
    child!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(JSON.parse(line));
    });
    child!.on('exit', (code) => reject(new Error(`sim exited with ${code}`)));
  });
}

function peerFingerprint(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), rejectUnauthorized: false }, () => {
      const der = socket.getPeerCertificate().raw;
      socket.end();
      resolve(`SHA256:${createHash('sha256').update(der).digest('hex')}`);
    });
    socket.on('error', reject);
  });
}

it('prints url, user, password and the TLS fingerprint as the first stdout line, and serves the pool', async () => {
  const info = await start(['--vms', '5', '--user', 'admin', '--password', 's3cret']);
  expect(info).toMatchObject({ url: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/), user: 'admin', password: 's3cret' });
  expect(info.fingerprint).toMatch(/^SHA256:[0-9a-f]{64}$/);
  expect(await peerFingerprint(info.url)).toBe(info.fingerprint);
  const xapi = createClient({ url: info.url, auth: { user: info.user, password: info.password }, allowUnauthorized: true });
  await xapi.connect();
  await xapi.objectsFetched;
  const regular = Object.values(xapi.objects.indexes.type.VM ?? {}).filter((v) => !v.is_a_template && !v.is_control_domain);
  expect(regular).toHaveLength(5);
  await xapi.disconnect();
  child!.kill('SIGTERM');
  expect(await new Promise((r) => child!.on('exit', r))).toBe(0);
});

it('--http --pool loads our JSON fixture or a XAPI database dump; --fault applies', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'pool.json'), JSON.stringify({ vms: [{ name: 'only one', disks: [{ size: '2MiB' }] }] }));
  const info = await start(['--http', '--pool', join(dir, 'pool.json'), '--fault', 'http-500=/export']);
  expect(info.fingerprint).toBeNull();
  const xapi = createClient({ url: info.url, auth: { user: info.user, password: info.password } });
  await xapi.connect();
  await xapi.objectsFetched;
  const vm = Object.values(xapi.objects.indexes.type.VM ?? {}).find((v) => v.name_label === 'only one')!;
  await expect(xapi.getResource('/export/', { query: { ref: vm.$ref } })).rejects.toThrow('unexpected 500');
  await xapi.disconnect();
  child!.kill('SIGTERM');
  await new Promise((r) => child!.on('exit', r));

  const dump = await start(['--http', '--pool', new URL('../fixtures/xapi-db/state1.xml', import.meta.url).pathname]);
  const client = createClient({ url: dump.url, auth: { user: dump.user, password: dump.password } });
  await client.connect();
  await client.objectsFetched;
  expect(Object.values(client.objects.indexes.type.VM ?? {}).map((v) => v.name_label)).toContain('Iscsi Box');
  await client.disconnect();
});

it('--tls-cert/--tls-key serve a given certificate, and print its fingerprint', async () => {
  const dir = tempDir();
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=xen-test', '-keyout', 'k.pem', '-out', 'c.pem'], { cwd: dir, stdio: 'ignore' });
  const info = await start(['--vms', '1', '--tls-cert', join(dir, 'c.pem'), '--tls-key', join(dir, 'k.pem')]);
  expect(info.fingerprint).toBe(fingerprintOfPem(readFileSync(join(dir, 'c.pem'), 'utf8')));
  expect(await peerFingerprint(info.url)).toBe(info.fingerprint);
});

it('refuses a bad flag with a usage error', async () => {
  child = spawn(process.execPath, [BIN, 'sim', '--fault', 'explode'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VMBACKUP_SIM_STATE_DIR: tempDir() } });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  expect(await new Promise((r) => child!.on('exit', r))).toBe(2);
  expect(err).toMatch(/unknown fault "explode"/);
});

async function stop(): Promise<void> {
  const exited = new Promise((r) => child!.on('exit', r));
  child!.kill('SIGTERM');
  await exited;
  child = undefined;
}

it('a second start on the same state folder serves the same certificates and password; the folder is private', async () => {
  const state = join(tempDir(), 'state');
  const first = await start(['--vms', '2'], { VMBACKUP_SIM_STATE_DIR: state });
  const firstMember = await peerFingerprint(first.url.replace('127.0.0.1', '127.0.0.2'));
  await stop();
  // The flag wins over the variable.
  const second = await start(['--vms', '2', '--state', state], { VMBACKUP_SIM_STATE_DIR: tempDir() });
  expect(second.stateDir).toBe(state);
  expect(second.fingerprint).toBe(first.fingerprint);
  expect(await peerFingerprint(second.url)).toBe(first.fingerprint);
  expect(await peerFingerprint(second.url.replace('127.0.0.1', '127.0.0.2'))).toBe(firstMember);
  expect(second.password).toBe(first.password);
  // The password file is the legacy format, usable as --password-file.
  expect(second.passwordFile).toBe(join(state, 'password'));
  expect(decodePasswordFile(readFileSync(second.passwordFile!), 'password').password).toBe(second.password);
  expect(statSync(state).mode & 0o777).toBe(0o700);
  for (const file of readdirSync(state)) expect({ file, mode: statSync(join(state, file)).mode & 0o777 }).toEqual({ file, mode: 0o600 });
  expect(readdirSync(state).sort()).toEqual(['host-1.pem', 'host-2.pem', 'password', 'uuid-seed']);
  await stop();

  // --password is served, not stored; the kept one stays for the next start.
  const given = await start(['--vms', '1', '--password', 'other'], { VMBACKUP_SIM_STATE_DIR: state });
  expect(given).toMatchObject({ password: 'other', passwordFile: null, fingerprint: first.fingerprint });
  expect(decodePasswordFile(readFileSync(join(state, 'password')), 'password').password).toBe(first.password);
});

it('--demo serves the 15 VMs of the TUI demo', async () => {
  const info = await start(['--demo']);
  const xapi = createClient({ url: info.url, auth: { user: info.user, password: info.password }, allowUnauthorized: true });
  await xapi.connect();
  await xapi.objectsFetched;
  const regular = Object.values(xapi.objects.indexes.type.VM ?? {}).filter((v) => !v.is_a_template && !v.is_control_domain && !v.is_a_snapshot);
  const demoVms = (DEMO_POOL.vms ?? []).filter((v) => !v.template).map((v) => v.name);
  expect(demoVms).toHaveLength(15);
  expect(regular.map((v) => v.name_label).sort()).toEqual([...demoVms].sort());
  await xapi.disconnect();
});

it('--demo with --vms or --pool is a usage error', async () => {
  child = spawn(process.execPath, [BIN, 'sim', '--demo', '--vms', '3'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VMBACKUP_SIM_STATE_DIR: tempDir() } });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  expect(await new Promise((r) => child!.on('exit', r))).toBe(2);
  expect(err).toMatch(/give one of --pool, --vms and --demo/);
});
