/**
 * `vmbackup sim`: runs the XAPI simulator on its own, for trying vmbackup (or any XAPI client)
 * without a XenServer. Prints the URL, credentials and TLS fingerprint (with --json, as the
 * first stdout line) and serves until interrupted. Its certificates and password live in a state
 * folder (../sim-state.ts), so a pin and a password file stay good from one start to the next;
 * `--demo` serves the TUI demo's pool, as the demo does, so a cfg saved in the demo runs headless.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { VmbackupError } from '../../errors.js';
import { CHURN_HELP, type ChurnSpec, parseChurnSpec } from '../../sim/churn-spec.js';
import { seedOf } from '../../sim/disks/content.js';
import { applyFaultSpec, FAULT_HELP } from '../../sim/fault-spec.js';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../sim/index.js';
import { DEMO_PACE, DEMO_POOL } from '../../sim/pool/demo.js';
import { checkFixture } from '../../sim/pool/fixture.js';
import { generatePool } from '../../sim/pool/generate.js';
import { loadXmlDb } from '../../sim/xmldb/read.js';
import { EXIT } from '../exit-codes.js';
import { openSimState, SIM_STATE_ENV, type SimStateFolder, simStateLocation } from '../sim-state.js';
import type { CliIo } from '../../access/io.js';

export const SIM_USAGE = `vmbackup sim [--port N] [--http] [--pool FILE | --vms N | --demo] [--user U] [--password P] [--json]
           [--state DIR] [--address IP] [--checksum xxhash|sha1] [--tls-cert FILE --tls-key FILE] [--fault SPEC]...
           [--churn PERCENT[/INTERVAL]]
  Runs a simulated XenServer/XCP-ng pool (XAPI over HTTPS by default; --port 0 picks a free port).
  --pool FILE  our JSON pool fixture, or a XAPI database dump (xe pool-dump-database)
  --vms N      a generated pool of N VMs (default 12)
  --demo       the 15 VMs of \`vmbackup tui --demo\`, served at the demo's pace
  --state DIR  where the certificates and the password are kept between starts (also
               $${SIM_STATE_ENV}; default $XDG_STATE_HOME/vmbackup/sim or ~/.local/state/vmbackup/sim);
               its file "password" is a --password-file for this simulator
  --password P serve this password instead of the one kept in the state folder
  --tls-cert FILE --tls-key FILE   serve this PEM certificate instead of the kept self-signed one
${CHURN_HELP}
${FAULT_HELP}`;

const OPTIONS = {
  port: { type: 'string' },
  http: { type: 'boolean' },
  pool: { type: 'string' },
  vms: { type: 'string' },
  user: { type: 'string' },
  password: { type: 'string' },
  json: { type: 'boolean' },
  demo: { type: 'boolean' },
  state: { type: 'string' },
  address: { type: 'string' },
  checksum: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  fault: { type: 'string', multiple: true },
  churn: { type: 'string' },
} as const;

function usage(message: string): VmbackupError {
  return new VmbackupError('USAGE', message, SIM_USAGE.split('\n')[0]);
}

async function poolSource(io: CliIo, pool: string | undefined, vms: string | undefined, demo: boolean): Promise<Pick<SimulatorOptions, 'pool' | 'load' | 'progressIntervalMs'>> {
  if ([pool, vms, demo || undefined].filter((v) => v !== undefined).length > 1) throw usage('give one of --pool, --vms and --demo');
  if (demo) return { pool: DEMO_POOL, progressIntervalMs: DEMO_PACE.progressIntervalMs };
  if (pool === undefined) {
    const n = vms === undefined ? 12 : Number(vms);
    if (!Number.isSafeInteger(n) || n < 0 || n > 100_000) throw usage(`--vms ${vms}: expected a number of VMs`);
    return { pool: generatePool({ vms: n }) };
  }
  let text: string;
  try {
    text = await readFile(resolve(io.cwd, pool), 'utf8');
  } catch (err) {
    throw new VmbackupError('INPUT_UNREADABLE', `cannot read pool file ${pool}: ${(err as NodeJS.ErrnoException).code}`, 'check the path');
  }
  if (text.trimStart().startsWith('<')) return { load: (sim) => void loadXmlDb(sim, text) };
  try {
    return { pool: checkFixture(JSON.parse(text), pool) };
  } catch (err) {
    throw new VmbackupError('INPUT_UNREADABLE', `${pool}: ${(err as Error).message}`, 'give a JSON pool fixture or a XAPI XML database dump');
  }
}

async function readPem(io: CliIo, file: string): Promise<string> {
  try {
    return await readFile(resolve(io.cwd, file), 'utf8');
  } catch (err) {
    throw new VmbackupError('INPUT_UNREADABLE', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code}`, 'check the path');
  }
}

function describe(sim: Simulator, state: SimStateFolder, churn: ChurnSpec | null): string {
  const vms = sim.state.store.rows('VM').filter((v) => !v.record.is_a_template && !v.record.is_control_domain).length;
  return [
    `vmbackup simulator: a XAPI pool with ${vms} VMs`,
    `  url:           ${sim.url}`,
    `  user:          ${sim.user}`,
    `  password:      ${sim.password}`,
    ...(state.passwordFile ? [`  password file: ${state.passwordFile}`] : []),
    ...(sim.fingerprint ? [`  fingerprint:   ${sim.fingerprint}`] : []),
    `  hosts:         ${sim.hostAddresses.map((a, i) => (i === 0 ? `${a} (master)` : a)).join(', ')}`,
    `  state:         ${state.dir}`,
    ...(churn ? [`  churn:         ${churn.percent}% of the blocks of running VMs' disks every ${churn.intervalMs / 1000}s`] : []),
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}

export async function simCommand(args: string[], io: CliIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(SIM_USAGE + '\n');
    return EXIT.OK;
  }
  let values;
  try {
    ({ values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw usage((err as Error).message);
  }
  const port = values.port === undefined ? 8443 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw usage(`--port ${values.port}: expected 0..65535`);
  if (values.checksum !== undefined && values.checksum !== 'xxhash' && values.checksum !== 'sha1') throw usage('--checksum is xxhash or sha1');
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) throw usage('give both --tls-cert and --tls-key');
  const tls = values['tls-cert'] === undefined ? undefined : { cert: await readPem(io, values['tls-cert']), key: await readPem(io, values['tls-key']!) };
  let churn: ChurnSpec | null = null;
  try {
    if (values.churn !== undefined) churn = parseChurnSpec(values.churn);
  } catch (err) {
    throw usage((err as Error).message);
  }
  const source = await poolSource(io, values.pool, values.vms, values.demo ?? false);
  const state = await openSimState(simStateLocation(io.env, io.cwd, values.state).dir, { password: values.password });
  const sim = await startSimulator({
    ...source,
    port,
    http: values.http ?? false,
    ...(values.user ? { user: values.user } : {}),
    password: state.password,
    uuidSeed: state.uuidSeed,
    ...(values.address ? { address: values.address } : {}),
    ...(values.checksum ? { xvaChecksum: values.checksum as 'xxhash' | 'sha1' } : {}),
    ...(tls ? { tls } : { certificateFor: (host) => state.certificateFor(host) }),
    // The state folder's seed: the same folder churns the same blocks with the same bytes.
    ...(churn ? { churn: { ...churn, seed: seedOf(state.uuidSeed) } } : {}),
  });
  if (values.demo) sim.faults.throttle(DEMO_PACE.bytesPerSecond);
  try {
    for (const spec of values.fault ?? []) applyFaultSpec(sim.faults, spec);
  } catch (err) {
    await sim.close();
    throw usage((err as Error).message);
  }
  const json = { url: sim.url, user: sim.user, password: sim.password, fingerprint: sim.fingerprint, passwordFile: state.passwordFile, stateDir: state.dir };
  io.stdout(values.json ? JSON.stringify(json) + '\n' : describe(sim, state, churn));
  await new Promise<void>((resolve) => io.onInterrupt(resolve));
  await sim.close();
  return EXIT.OK;
}
