/**
 * What the restore end-to-end tests share: `vmbackup restore` against a simulator (pool, trust
 * and password as a user passes them), a disk read back from the pool with curl (the pool's own
 * /export_raw_vdi, not our reader) and hashed with sha256sum, and what the pool holds.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Simulator } from '../../src/sim/index.js';
import { vmbackupAsync } from '../helpers/cli.js';
import type { E2eEnv } from '../helpers/e2e.js';

/** The flags that reach `sim` (its own password file when it is not env's pool). */
export function poolArgs(env: E2eEnv, sim: Simulator = env.sim): string[] {
  let file = 'pw.b64';
  if (sim !== env.sim) {
    file = `pw-${new URL(sim.url).port}.b64`;
    writeFileSync(join(env.dir, file), Buffer.from(sim.password).toString('base64'), { mode: 0o600 });
  }
  return ['--pool', sim.url, '--password-file', file, ...(sim.fingerprint ? ['--trust', sim.fingerprint] : [])];
}

export function restore(env: E2eEnv, args: string[], sim: Simulator = env.sim) {
  return vmbackupAsync(['restore', ...args, ...poolArgs(env, sim)], env.dir);
}

type Rec = Record<string, unknown>;

export function vmByName(sim: Simulator, name: string): { ref: string; record: Rec } {
  const row = sim.state.store.rows('VM').find((r) => r.record.name_label === name && !r.record.is_a_snapshot && !r.record.is_a_template);
  if (!row) throw new Error(`no VM ${name}`);
  return row;
}

export function vmByUuid(sim: Simulator, uuid: string): { ref: string; record: Rec } {
  const row = sim.state.store.byUuid('VM', uuid);
  if (!row) throw new Error(`no VM ${uuid}`);
  return row;
}

/** The VDI refs of a VM's disks, in userdevice order. */
export function diskRefs(sim: Simulator, vmRef: string): string[] {
  const store = sim.state.store;
  return (store.get(vmRef)!.record.VBDs as string[])
    .map((ref) => store.get(ref)!.record)
    .filter((b) => b.type === 'Disk')
    .sort((a, b) => Number(a.userdevice) - Number(b.userdevice))
    .map((b) => String(b.VDI));
}

const run = promisify(execFile);

/** A session for curl, by curl (JSON-RPC session.login_with_password). */
async function curlSession(sim: Simulator): Promise<string> {
  const body = JSON.stringify({ jsonrpc: '2.0', method: 'session.login_with_password', params: [sim.user, sim.password, '1.0', 'test'], id: 1 });
  const { stdout } = await run('curl', ['-sSfk', '-H', 'content-type: application/json', '--data', body, `${sim.url}/jsonrpc`]);
  return (JSON.parse(stdout) as { result: string }).result;
}

/** The pool's own raw export of a disk, by curl, hashed by sha256sum: not our reader. */
export async function diskSha256(sim: Simulator, vdiRef: string, dir: string): Promise<string> {
  const session = await curlSession(sim);
  const out = join(dir, `disk-${vdiRef.replace(/\W/g, '')}.raw`);
  const url = `${sim.url}/export_raw_vdi?session_id=${encodeURIComponent(session)}&vdi=${encodeURIComponent(vdiRef)}&format=raw`;
  await run('curl', ['-sSfk', '-o', out, url]);
  await run('curl', ['-sSfk', '-H', 'content-type: application/json', '--data', JSON.stringify({ jsonrpc: '2.0', method: 'session.logout', params: [session], id: 2 }), `${sim.url}/jsonrpc`]);
  return (await run('sha256sum', [out])).stdout.split(' ')[0]!;
}

/** VMs and VDIs on the pool (snapshots and templates included): what a failed restore must not change. */
export function poolCounts(sim: Simulator): { vms: number; vdis: number; networks: number } {
  const store = sim.state.store;
  return { vms: store.rows('VM').length, vdis: store.rows('VDI').length, networks: store.rows('network').length };
}

export function lastJson(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout) as Record<string, unknown>;
}
