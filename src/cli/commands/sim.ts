/**
 * `vmbackup sim`: runs the XAPI simulator on its own, for trying vmbackup (or any XAPI client)
 * without a XenServer. Prints the URL, credentials and TLS fingerprint (with --json, as the
 * first stdout line) and serves until interrupted.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { VmbackupError } from '../../errors.js';
import { applyFaultSpec, FAULT_HELP } from '../../sim/fault-spec.js';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../sim/index.js';
import { checkFixture } from '../../sim/pool/fixture.js';
import { generatePool } from '../../sim/pool/generate.js';
import { loadXmlDb } from '../../sim/xmldb/read.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../../access/io.js';

export const SIM_USAGE = `vmbackup sim [--port N] [--http] [--pool FILE | --vms N] [--user U] [--password P] [--json]
           [--address IP] [--checksum xxhash|sha1] [--tls-cert FILE --tls-key FILE] [--fault SPEC]...
  Runs a simulated XenServer/XCP-ng pool (XAPI over HTTPS by default; --port 0 picks a free port).
  --pool FILE  our JSON pool fixture, or a XAPI database dump (xe pool-dump-database)
  --vms N      a generated pool of N VMs (default 12)
  --tls-cert FILE --tls-key FILE   serve this PEM certificate instead of a self-signed one
${FAULT_HELP}`;

const OPTIONS = {
  port: { type: 'string' },
  http: { type: 'boolean' },
  pool: { type: 'string' },
  vms: { type: 'string' },
  user: { type: 'string' },
  password: { type: 'string' },
  json: { type: 'boolean' },
  address: { type: 'string' },
  checksum: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  fault: { type: 'string', multiple: true },
} as const;

function usage(message: string): VmbackupError {
  return new VmbackupError('USAGE', message, SIM_USAGE.split('\n')[0]);
}

async function poolSource(io: CliIo, pool: string | undefined, vms: string | undefined): Promise<Pick<SimulatorOptions, 'pool' | 'load'>> {
  if (pool !== undefined && vms !== undefined) throw usage('give --pool or --vms, not both');
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

function describe(sim: Simulator): string {
  const vms = sim.state.store.rows('VM').filter((v) => !v.record.is_a_template && !v.record.is_control_domain).length;
  return [
    `vmbackup simulator: a XAPI pool with ${vms} VMs`,
    `  url:         ${sim.url}`,
    `  user:        ${sim.user}`,
    `  password:    ${sim.password}`,
    ...(sim.fingerprint ? [`  fingerprint: ${sim.fingerprint}`] : []),
    `  hosts:       ${sim.hostAddresses.map((a, i) => (i === 0 ? `${a} (master)` : a)).join(', ')}`,
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
  const sim = await startSimulator({
    ...(await poolSource(io, values.pool, values.vms)),
    port,
    http: values.http ?? false,
    ...(values.user ? { user: values.user } : {}),
    ...(values.password ? { password: values.password } : {}),
    ...(values.address ? { address: values.address } : {}),
    ...(values.checksum ? { xvaChecksum: values.checksum as 'xxhash' | 'sha1' } : {}),
    ...(tls ? { tls } : {}),
  });
  try {
    for (const spec of values.fault ?? []) applyFaultSpec(sim.faults, spec);
  } catch (err) {
    await sim.close();
    throw usage((err as Error).message);
  }
  io.stdout(values.json ? JSON.stringify({ url: sim.url, user: sim.user, password: sim.password, fingerprint: sim.fingerprint }) + '\n' : describe(sim));
  await new Promise<void>((resolve) => io.onInterrupt(resolve));
  await sim.close();
  return EXIT.OK;
}
