/**
 * Delta backups in e2e tests: a pool with a running VM whose two disks change between backups,
 * the chain's folders and records, restores whose disks are hashed by the pool's own raw export,
 * and qemu-img's reading of the VHD files (qemu has no `check` for vpc: `info` and `convert`).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import type { DeltaRecord } from '../../src/chain/record.js';
import type { PoolFixture } from '../../src/sim/pool/fixture.js';
import { rawOf } from './disk-writes.js';
import type { E2eEnv } from './e2e.js';
import { diskRefs, lastJson, restore, vmByName } from '../restore/e2e-helpers.js';

const run = promisify(execFile);

export const DELTA_POOL: PoolFixture = {
  name: 'delta pool',
  hosts: [{ name: 'xcp1.example.com' }],
  srs: [{ name: 'Local storage', size: '1TiB', default: true }],
  vms: [{ name: 'app', power: 'Running', disks: [{ size: '24MiB', density: 0.5 }, { size: '8MiB', density: 1 }] }],
};

export function dated(env: E2eEnv, vm: string): string[] {
  return readdirSync(join(env.backupDir, vm)).filter((n) => n.startsWith('backup-')).sort();
}

export function recordOf(env: E2eEnv, vm: string, folder: string): DeltaRecord {
  return JSON.parse(readFileSync(join(env.backupDir, vm, folder, 'vmbackup-delta.json'), 'utf8')) as DeltaRecord;
}

/** The source disks' uuids, in userdevice order. */
export function sourceDisks(env: Pick<E2eEnv, 'sim'>, vm: string): string[] {
  return diskRefs(env.sim, vmByName(env.sim, vm).ref).map((ref) => String(env.sim.state.store.get(ref)!.record.uuid));
}

/** Everything on the pool that a backup tagged (restored VMs carry vmbackup:restored-from: not counted), by class and the base tag's value. */
export function ours(env: E2eEnv): string[] {
  const tagged: string[] = [];
  for (const cls of ['VM', 'VDI'] as const) {
    for (const row of env.sim.state.store.rows(cls)) {
      const oc = (row.record.other_config ?? {}) as Record<string, string>;
      if (Object.keys(oc).some((k) => k.startsWith('vmbackup:') && k !== 'vmbackup:restored-from')) tagged.push(`${cls} ${oc['vmbackup:delta-base'] ?? Object.keys(oc).join(',')}`);
    }
  }
  return tagged.sort();
}

/** qemu-img opens it as a VHD of the disk's size (qemu has no `check` for vpc: "does not support checks"). */
export async function qemuCheck(path: string, size?: number): Promise<void> {
  const { stdout, stderr } = await run('qemu-img', ['info', '--output=json', '--image-opts', `driver=vpc,force_size_calc=current_size,file.filename=${path}`]);
  expect(stderr).toBe('');
  const info = JSON.parse(stdout) as { format: string; 'virtual-size': number };
  expect(info.format).toBe('vpc');
  if (size !== undefined) expect(info['virtual-size']).toBe(size);
}

/** qemu-img's own reading of a full VHD as raw, hashed. */
export async function qemuRawSha(path: string, dir: string): Promise<string> {
  const out = join(dir, `qemu-${Date.now()}.raw`);
  await run('qemu-img', ['convert', '-O', 'raw', '--image-opts', `driver=vpc,force_size_calc=current_size,file.filename=${path}`, out]);
  return createHash('sha256').update(readFileSync(out)).digest('hex');
}

/** Restores the point in `folder`; the restored VM's disks hashed by the pool's raw export, in userdevice order. */
export async function restoredShas(env: E2eEnv, vm: string, folder: string): Promise<string[]> {
  const r = await restore(env, [join(env.backupDir, vm, folder), '--json']);
  expect(r.status, r.stdout + r.stderr).toBe(0);
  const json = lastJson(r.stdout) as { vm: { uuid: string } };
  const row = env.sim.state.store.byUuid('VM', json.vm.uuid)!;
  const shas: string[] = [];
  for (const ref of diskRefs(env.sim, row.ref)) shas.push(await rawOf(env.sim, String(env.sim.state.store.get(ref)!.record.uuid)));
  return shas;
}

