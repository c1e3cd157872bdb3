/**
 * End-to-end runs: the real executable against an in-process simulator over HTTPS, in a
 * scratch folder with a password file and a cfg. Also the checks every fault test repeats:
 * what the pool still holds of ours, and the backup tree as a sorted listing.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import type { Simulator, SimulatorOptions } from '../../src/sim/index.js';
import type { PoolFixture } from '../../src/sim/pool/fixture.js';
import { startVmbackup, tempDir, vmbackupAsync } from './cli.js';
import { testSimulator } from './sim.js';

/** Small, but with everything the engine must handle: a running VM with two disks and a user snapshot, an HVM guest (hda), a name with "/" and an excluded VM. */
export const E2E_POOL: PoolFixture = {
  name: 'e2e pool',
  hosts: [{ name: 'xcp1.example.com' }, { name: 'xcp2.example.com' }],
  srs: [{ name: 'Local storage', size: '1TiB', default: true }],
  vms: [
    { name: 'web 01', power: 'Running', disks: [{ size: '6MiB', density: 0.6 }, { size: '2MiB', density: 0.5 }], snapshots: ['before upgrade'] },
    { name: 'db.example.com', power: 'Halted', disks: [{ size: '4MiB', density: 1 }] },
    { name: 'win/2019', power: 'Running', disks: [{ size: '32MiB', density: 0.1, device: 'hda' }], networks: [] },
    { name: 'scratch', power: 'Halted', disks: [{ size: '2MiB' }] },
    { name: 'Debian 12 template', template: true, disks: [{ size: '2MiB' }] },
  ],
};

export interface E2eEnv {
  sim: Simulator;
  dir: string;
  backupDir: string;
  statusLog: string;
  /** Writes `name` with the pool, backup_dir and status_log lines first, then `lines`. */
  cfg(name: string, lines: string[], backupDir?: string): string;
  /** Runs `vmbackup --config CFG --password-file pw.b64 ...extra` to the end. */
  run(cfg: string, extra?: string[], env?: NodeJS.ProcessEnv): ReturnType<typeof vmbackupAsync>;
  start(cfg: string, extra?: string[], env?: NodeJS.ProcessEnv): ReturnType<typeof startVmbackup>;
}

export async function e2eEnv(opts: SimulatorOptions = {}): Promise<E2eEnv> {
  const sim = await testSimulator({ pool: E2E_POOL, ...opts });
  const dir = tempDir();
  const backupDir = join(dir, 'backups');
  mkdirSync(backupDir);
  writeFileSync(join(dir, 'pw.b64'), Buffer.from(sim.password).toString('base64'), { mode: 0o600 });
  const statusLog = join(dir, 'status.log');
  return {
    sim,
    dir,
    backupDir,
    statusLog,
    cfg(name, lines, otherBackupDir) {
      writeFileSync(join(dir, name), [`#vmbackup: pool=${sim.url}`, ...(sim.fingerprint ? [`#vmbackup: fingerprint=${sim.fingerprint}`] : []), `backup_dir=${otherBackupDir ?? backupDir}`, `status_log=${statusLog}`, ...lines, ''].join('\n'));
      return name;
    },
    run: (cfg, extra = [], env = {}) => vmbackupAsync(['--config', cfg, '--password-file', 'pw.b64', ...extra], dir, env),
    start: (cfg, extra = [], env = {}) => startVmbackup(['--config', cfg, '--password-file', 'pw.b64', ...extra], dir, env),
  };
}

/** Snapshots (VMs and VDIs) the pool holds that vmbackup made: by tag or by our names. */
export function leftovers(sim: Simulator): string[] {
  const store = sim.state.store;
  const ours = (r: Record<string, unknown>) => Object.keys((r.other_config as Record<string, string>) ?? {}).some((k) => k.startsWith('vmbackup:'));
  return [
    ...store.rows('VM').filter((v) => ours(v.record) || String(v.record.name_label).startsWith('RESTORE_')).map((v) => `VM ${String(v.record.name_label)}`),
    ...store.rows('VDI').filter((v) => ours(v.record) || String(v.record.name_label).startsWith('SNAP_')).map((v) => `VDI ${String(v.record.name_label)}`),
  ].sort();
}

/** Every path under `root`, relative and sorted; folders end with "/". */
export function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (lstatSync(path).isDirectory()) {
        out.push(relative(root, path) + '/');
        walk(path);
      } else out.push(relative(root, path));
    }
  };
  walk(root);
  return out.sort();
}

/** The dated backup folders of one VM folder, oldest first. */
export function backupFolders(backupDir: string, vmFolder: string): string[] {
  if (!existsSync(join(backupDir, vmFolder))) return [];
  return readdirSync(join(backupDir, vmFolder))
    .filter((n) => n.startsWith('backup-'))
    .sort();
}

/** Replaces the timestamps of backup folders and pool dumps so a tree can be compared exactly. */
export function normalised(paths: string[]): string[] {
  return paths.map((p) => p.replace(/backup-\d{4}-\d\d-\d\d-\(\d\d[:-]\d\d[:-]\d\d\)/g, 'backup-DATE').replace(/pool_db_\d{8}-\d{6}\.dump/, 'pool_db_DATE.dump'));
}

/** Path → size of every file: what "no older backup lost" compares. */
export function fileSizes(root: string): Map<string, number> {
  return new Map(tree(root).filter((p) => !p.endsWith('/')).map((p) => [p, statSync(join(root, p)).size]));
}

/** Every file of `before` (but pool dumps, which retention prunes) is still there, same size. */
export function expectKept(before: Map<string, number>, root: string): void {
  const now = fileSizes(root);
  for (const [path, size] of before) {
    if (path.startsWith('METADATA_')) continue;
    expect(now.get(path), path).toBe(size);
  }
}

/** Every dated folder has its marker; no temporary file survives. */
export function expectNoPartial(root: string): void {
  for (const path of tree(root)) {
    expect(path).not.toMatch(/\.partial$/);
    if (/^[^/]+\/backup-[^/]+\/$/.test(path)) expect(readdirSync(join(root, path)), path).toContain('success');
  }
}

/** The log's messages, without their timestamps. */
export function messages(stdout: string): string[] {
  return stdout.split('\n').map((l) => l.replace(/^\d{4}-\d\d-\d\d-\(\d\d:\d\d:\d\d\) - /, ''));
}
