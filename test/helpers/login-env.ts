/**
 * The credentials commands end to end: the real executable against a simulator over HTTPS, with
 * its settings in a scratch folder and, when given, a private D-Bus with gnome-keyring. Other
 * password sources of the test machine (CREDENTIALS_DIRECTORY, VMBACKUP_PASSWORD, a desktop
 * D-Bus session) are blanked so they cannot answer in place of the one under test.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SettingsStore } from '../../src/settings/store.js';
import type { Simulator, SimulatorOptions } from '../../src/sim/index.js';
import { hostPortOf, parseFingerprint } from '../../src/xapi/fingerprint.js';
import { BIN, type CliResult, tempDir } from './cli.js';
import { E2E_POOL } from './e2e.js';
import type { PrivateBus } from './keyring.js';
import { testSimulator } from './sim.js';

export interface LoginEnv {
  sim: Simulator;
  dir: string;
  settingsDir: string;
  backupDir: string;
  /** "root@127.0.0.1:PORT", the keychain account of the simulator. */
  account: string;
  /** Runs bin/vmbackup.js in `dir`; `input` goes to its stdin. */
  cli(args: string[], options?: { input?: string; env?: Record<string, string> }): Promise<CliResult & { ps: string[] }>;
  /** A cfg for the simulator, backing up one small VM into backupDir. */
  cfg(name: string): string;
}

/** One host: credentials tests have no business with redirects to other pool members. */
const ONE_HOST_POOL = { ...E2E_POOL, hosts: [{ name: 'xcp1.example.com' }] };

export interface LoginEnvOptions extends SimulatorOptions {
  /**
   * Pin the simulator's certificate in the settings beforehand, as an earlier `--trust` would
   * have: for tests of a run that do not start with `vmbackup login --trust`.
   */
  pinned?: boolean;
}

export async function loginEnv(bus: PrivateBus | null, options: LoginEnvOptions = {}): Promise<LoginEnv> {
  const { pinned, ...simOptions } = options;
  const sim = await testSimulator({ pool: ONE_HOST_POOL, ...simOptions });
  const dir = tempDir();
  const settingsDir = join(dir, 'settings');
  if (pinned) SettingsStore.open({ VMBACKUP_SETTINGS_DIR: settingsDir }).savePin(hostPortOf(sim.url), parseFingerprint(sim.fingerprint!)!);
  const backupDir = join(dir, 'backups');
  mkdirSync(backupDir);
  const base = {
    TZ: 'UTC',
    VMBACKUP_SETTINGS_DIR: settingsDir,
    CREDENTIALS_DIRECTORY: '',
    VMBACKUP_PASSWORD: '',
    VMBACKUP_KEYRING: '',
    DBUS_SESSION_BUS_ADDRESS: '',
    ...(bus?.env ?? {}),
  };
  return {
    sim,
    dir,
    settingsDir,
    backupDir,
    account: `${sim.user}@${new URL(sim.url).host}`,
    cfg(name) {
      writeFileSync(join(dir, name), [`#vmbackup: pool=${sim.url}`, `backup_dir=${backupDir}`, `status_log=${join(dir, 'status.log')}`, 'vm-export=db.example.com', ''].join('\n'));
      return name;
    },
    cli(args, options = {}) {
      const child = spawn(process.execPath, [BIN, ...args], {
        cwd: dir,
        env: { ...process.env, ...base, ...options.env },
        stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
      if (options.input !== undefined) child.stdin!.end(options.input);
      let stdout = '';
      let stderr = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const ps = new Set<string>();
      const sampler = setInterval(() => sampleProcesses(ps), 5);
      return new Promise((resolve) => {
        child.on('close', (status) => {
          clearInterval(sampler);
          resolve({ status, stdout, stderr, ps: [...ps] });
        });
      });
    },
  };
}

/**
 * The command lines, titles and environments of our processes (vmbackup and its keychain
 * helper) as `ps` and /proc show them to other users, sampled while a command runs.
 */
function sampleProcesses(into: Set<string>): void {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (!cmdline.includes('vmbackup')) continue;
      into.add(`cmdline ${cmdline}`);
      into.add(`comm ${readFileSync(`/proc/${pid}/comm`, 'utf8')}`);
      into.add(`environ ${readFileSync(`/proc/${pid}/environ`, 'utf8').replace(/\0/g, ' ')}`);
    } catch {
      // Gone in the meantime.
    }
  }
}
