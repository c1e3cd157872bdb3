/**
 * Real backups of every format, made once per test file by the real executable against the
 * simulator (E2E_POOL): db.example.com as .xva, .xva.gz and .xva.zst (vm-export), win/2019 as
 * .vhd and .raw (vdi-export). Each test copies the one it corrupts into its own backup_dir
 * (`copyBackup`), so a flip never reaches another test.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Simulator } from '../../src/sim/index.js';
import { BIN } from '../helpers/cli.js';
import { E2E_POOL } from '../helpers/e2e.js';
import { testSimulator } from '../helpers/sim.js';
import { tempDirForFile } from '../helpers/temp.js';

export type Kind = 'xva' | 'xva.gz' | 'xva.zst' | 'vhd' | 'raw';

const CFG: Record<Kind, string[]> = {
  xva: ['vm-export=db.example.com'],
  'xva.gz': ['#vmbackup: compress=gzip', 'vm-export=db.example.com'],
  'xva.zst': ['#vmbackup: compress=zstd', 'vm-export=db.example.com'],
  vhd: ['vdi_export_format=vhd', 'vdi-export=win/2019'],
  raw: ['vdi_export_format=raw', 'vdi-export=win/2019'],
};

export const VM_FOLDER: Record<Kind, string> = { xva: 'db.example.com', 'xva.gz': 'db.example.com', 'xva.zst': 'db.example.com', vhd: '%win%2F2019', raw: '%win%2F2019' };

export interface MadeBackups {
  sim: Simulator;
  dir: string;
  /** The pristine dated folder of each kind (absolute). */
  folder: Record<Kind, string>;
  /** The export file's name in it. */
  file: Record<Kind, string>;
}

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, TZ: 'UTC', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (status) => resolve({ status, out }));
  });
}

/** Call in beforeAll; the simulator is stopped by the caller's afterAll(stopAll). */
export async function makeBackups(kinds: readonly Kind[] = ['xva', 'xva.gz', 'xva.zst', 'vhd', 'raw']): Promise<MadeBackups> {
  const sim = await testSimulator({ pool: E2E_POOL });
  const dir = tempDirForFile('verify-made');
  writeFileSync(join(dir, 'pw.b64'), Buffer.from(sim.password).toString('base64'), { mode: 0o600 });
  const settings = join(dir, 'settings');
  mkdirSync(settings);
  const folder = {} as Record<Kind, string>;
  const file = {} as Record<Kind, string>;
  // Two at a time: each writes to its own backup_dir (its own lock).
  const one = async (kind: Kind) => {
    const backupDir = join(dir, `made-${kind}`);
    mkdirSync(backupDir);
    const cfg = join(dir, `${kind}.cfg`);
    writeFileSync(cfg, [`#vmbackup: pool=${sim.url}`, ...(sim.fingerprint ? [`#vmbackup: fingerprint=${sim.fingerprint}`] : []), `backup_dir=${backupDir}`, `status_log=${join(dir, `${kind}.log`)}`, ...CFG[kind], ''].join('\n'));
    const r = await run(['--config', cfg, '--password-file', 'pw.b64'], dir, { VMBACKUP_SETTINGS_DIR: settings });
    if (r.status !== 0) throw new Error(`the ${kind} backup failed (${r.status}):\n${r.out}`);
    const vmDir = join(backupDir, VM_FOLDER[kind]);
    const [dated] = readdirSync(vmDir);
    folder[kind] = join(vmDir, dated!);
    file[kind] = readdirSync(folder[kind]).find((f) => f.endsWith(`.${kind}`))!;
  };
  for (let i = 0; i < kinds.length; i += 2) await Promise.all(kinds.slice(i, i + 2).map(one));
  return { sim, dir, folder, file };
}

/** A copy of the `kind` backup in `backupDir` (VM folder and dated folder as made); returns the dated folder. */
export function copyBackup(made: MadeBackups, kind: Kind, backupDir: string): string {
  const dated = made.folder[kind];
  const to = join(backupDir, VM_FOLDER[kind], dated.slice(dated.lastIndexOf('/') + 1));
  cpSync(dated, to, { recursive: true });
  return to;
}

export interface TarMember {
  name: string;
  header: number;
  data: number;
  size: number;
}

/** The members of a plain tar (ustar, as XAPI writes XVAs), with where their header and data are. */
export function tarMembers(path: string): TarMember[] {
  const buf = readFileSync(path);
  const out: TarMember[] = [];
  for (let at = 0; at + 512 <= buf.length; ) {
    const name = buf.toString('latin1', at, at + 100).replace(/\0.*$/s, '');
    if (name === '') break;
    const size = parseInt(buf.toString('latin1', at + 124, at + 136).replace(/\0.*$/s, '').trim(), 8);
    out.push({ name, header: at, data: at + 512, size });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}
