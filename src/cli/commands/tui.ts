/**
 * `vmbackup tui [--pool URL] ...` (and `vmbackup` alone on a terminal): the interactive face.
 * `--demo` starts the simulator in this process with a demo pool, trusts its certificate for
 * this run only, keeps settings in a temporary folder and backups in ./demo-backups, and opens
 * the TUI connected to it. The simulator's certificate and password come from the state folder
 * `vmbackup sim` uses (../sim-state.ts), so a cfg saved in the demo runs headless later against
 * `vmbackup sim --demo`. React and Ink are loaded only here.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from '../../access/io.js';
import { VmbackupError } from '../../errors.js';
import { EXIT } from '../exit-codes.js';
import { readPoolUrl } from './run.js';

export const TUI_USAGE = 'vmbackup tui [--pool URL] [--user NAME] [--password-file FILE] [--trust SHA256:…] [--ca FILE] [--insecure] [--backup-dir DIR] [--status-log FILE] [--demo]';

/** The one line cron (or a pipe) gets instead of a TUI. */
export const NO_TERMINAL = 'vmbackup: no terminal for the interactive interface; for cron and scripts run vmbackup --config FILE.cfg (vmbackup help lists the options)\n';

const OPTIONS = {
  pool: { type: 'string' },
  user: { type: 'string' },
  'password-file': { type: 'string' },
  trust: { type: 'string', multiple: true },
  ca: { type: 'string' },
  insecure: { type: 'boolean' },
  'backup-dir': { type: 'string' },
  'status-log': { type: 'string' },
  verbose: { type: 'boolean' },
  demo: { type: 'boolean' },
} as const;

/** Ink needs both: keys from a raw-mode stdin, frames to a terminal. */
export function hasTerminal(): boolean {
  return process.stdin.isTTY === true && process.stdout.isTTY === true;
}

export async function tuiCommand(args: string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new VmbackupError('USAGE', (err as Error).message, TUI_USAGE);
  }
  if (!hasTerminal()) {
    io.stderr(NO_TERMINAL);
    return EXIT.INVALID;
  }
  if (values.demo) return demo(io);
  const poolUrl = readPoolUrl(values.pool);
  const { startTui } = await loadTui();
  return startTui({
    io,
    target: poolUrl === undefined ? undefined : { url: poolUrl, user: values.user ?? 'root' },
    trust: { trust: values.trust, ca: values.ca, insecure: values.insecure },
    passwords: { passwordFile: values['password-file'], verbose: values.verbose },
    backupDir: values['backup-dir'] === undefined ? undefined : resolve(io.cwd, values['backup-dir']),
    statusLog: values['status-log'] === undefined ? undefined : resolve(io.cwd, values['status-log']),
  });
}

/**
 * Loads the TUI (and with it Ink). Ink draws only the last frame when the environment says CI
 * (CI or CONTINUOUS_INTEGRATION set, read once when Ink loads): right for a log, wrong on the
 * terminal the TUI only ever runs on, as in a CI job driving it through tmux. The variables are
 * hidden while Ink loads and then put back, so nothing else sees a change.
 */
async function loadTui(): Promise<typeof import('../../tui/main.js')> {
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  try {
    return await import('../../tui/main.js');
  } finally {
    for (const [key, value] of Object.entries(saved)) if (value !== undefined) process.env[key] = value;
  }
}

async function demo(io: CliIo): Promise<number> {
  const [{ startSimulator }, { DEMO_PACE, DEMO_POOL }, { startTui }, { openSimState, simStateLocation }] = await Promise.all([
    import('../../sim/index.js'),
    import('../../sim/pool/demo.js'),
    loadTui(),
    import('../sim-state.js'),
  ]);
  const location = simStateLocation(io.env, io.cwd);
  const state = await openSimState(location.dir);
  const sim = await startSimulator({
    pool: DEMO_POOL,
    port: 0,
    address: '127.0.0.1',
    progressIntervalMs: DEMO_PACE.progressIntervalMs,
    loginFailureDelayMs: 0,
    password: state.password,
    uuidSeed: state.uuidSeed,
    certificateFor: (host) => state.certificateFor(host),
    // The running VMs' disks change a little every minute, so a delta backup (m) has blocks to send.
    churn: { percent: 2, intervalMs: 60_000 },
  });
  sim.faults.throttle(DEMO_PACE.bytesPerSecond);
  const backupDir = resolve(io.cwd, 'demo-backups');
  mkdirSync(backupDir, { recursive: true });
  // Pins and known pools of the demo are thrown away: nothing is written to the user's settings.
  const settingsDir = mkdtempSync(join(tmpdir(), 'vmbackup-demo-'));
  try {
    return await startTui({
      io: { ...io, env: { ...io.env, VMBACKUP_SETTINGS_DIR: settingsDir } },
      target: { url: sim.url, user: sim.user },
      trust: { trust: [sim.fingerprint!] },
      passwords: { givenPassword: sim.password },
      backupDir,
      statusLog: join(backupDir, 'status.log'),
      demo: { port: Number(new URL(sim.url).port), stateDir: location.isDefault ? null : state.dir, passwordFile: state.passwordFile! },
    });
  } finally {
    await sim.close();
    rmSync(settingsDir, { recursive: true, force: true });
  }
}
