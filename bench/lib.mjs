// What the throughput benches (export-throughput.mjs, restore-throughput.mjs) share: a temp
// dir of their own, children in process groups of their own, stopped in order on a signal and
// at the end, GNU time for peak RSS and CPU, the simulator as a separate process, curl JSON-RPC,
// and the summary table. Nothing here measures: each bench decides what it times. Importing
// this file starts nothing (restore-throughput.mjs's measured child imports it too).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export const MiB = 2 ** 20;
export const GiB = 2 ** 30;
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = join(ROOT, 'bin', 'vmbackup.js');
export const GNU_TIME = '/usr/bin/time';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms).unref());

export function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * The temp dir `prefix*` under os.tmpdir() and the children of one bench. The dir is removed at
 * the end (`cleanup`), on SIGINT/SIGTERM/SIGHUP (after the children were stopped; exit 130, 143,
 * 129) and, as a last resort, on exit.
 */
export function benchSetup(prefix) {
  const work = mkdtempSync(join(tmpdir(), prefix));
  // Certificate pins and known pools go to a settings folder of this run, never the user's: each
  // simulator makes a new certificate, and a pin left behind would refuse the next one.
  process.env.VMBACKUP_SETTINGS_DIR = join(work, 'settings');
  /** Every child still running. Each is the leader of its own process group (see spawnTracked). */
  const children = new Set();
  let cleaning;
  const haveTime = gnuTimeWorks();

  /** Stops the clients first (they remove what they made on the pool), then the simulators. */
  async function stopChildren() {
    for (const sims of [false, true]) {
      const group = [...children].filter((c) => c.isSim === sims);
      for (const child of group) signalGroup(child, 'SIGTERM');
      await Promise.race([Promise.all(group.map((c) => c.exited)), sleep(5000)]);
      for (const child of group) if (children.has(child)) signalGroup(child, 'SIGKILL');
    }
  }

  function cleanup() {
    cleaning ??= stopChildren().finally(() => rmSync(work, { recursive: true, force: true, maxRetries: 3 }));
    return cleaning;
  }

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
    process.on(signal, () => {
      console.error(`\n${signal}: stopping the children and removing ${work}`);
      void cleanup().finally(() => process.exit(code));
    });
  }
  // Last resort when the process ends some other way: synchronous, so no waiting.
  process.on('exit', () => {
    for (const child of children) signalGroup(child, 'SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  /**
   * Spawns a child as the leader of a new process group, so that stopping it also stops what it
   * started (GNU time's child), and a terminal's Ctrl-C reaches only us: we stop it in order.
   */
  function spawnTracked(cmd, argv, { isSim = false } = {}) {
    const started = performance.now();
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.isSim = isSim;
    child.exited = new Promise((res) => {
      child.once('exit', () => res(performance.now() - started));
      child.once('error', () => res(performance.now() - started));
    });
    children.add(child);
    void child.exited.then(() => children.delete(child));
    return child;
  }

  /** Runs a command to its end: exit code, output, wall time from spawn to exit. */
  async function run(cmd, argv) {
    const child = spawnTracked(cmd, argv);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const [code, wallMs] = await Promise.all([
      new Promise((res, rej) => {
        child.once('error', rej);
        child.once('close', res);
      }),
      child.exited,
    ]);
    return { code, stdout, stderr, wallMs };
  }

  async function mustRun(cmd, argv) {
    const r = await run(cmd, argv);
    if (r.code !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited with ${r.code}\n${r.stdout}${r.stderr}`);
    return r;
  }

  /**
   * Runs a command under GNU time: adds peak RSS (MiB) and CPU seconds (user + sys) to run()'s
   * result (NaN without GNU time). `label` names the file GNU time writes.
   */
  async function timed(label, cmd, argv) {
    if (!haveTime) return { ...(await run(cmd, argv)), rssMiB: NaN, cpuS: NaN };
    const timeFile = join(work, `${label}.time`);
    const r = await run(GNU_TIME, ['-f', '%M %U %S', '-o', timeFile, cmd, ...argv]);
    // On a non-zero exit GNU time writes "Command exited with..." first; the figures come last.
    const [kib, user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    unlinkSync(timeFile);
    return { ...r, rssMiB: kib / 1024, cpuS: user + sys };
  }

  /**
   * `vmbackup sim --port 0 --json` with `pool` (a pool fixture object) in `dir`, its state
   * (certificate, password) in `dir/stateName`, never in the user's HOME. Resolves with the
   * JSON line it prints once ready (url, user, password, fingerprint) and `child`.
   */
  async function spawnSim(dir, pool, { stateName = 'state', nodeArgs = [], simArgs = [] } = {}) {
    mkdirSync(dir, { recursive: true });
    const poolFile = join(dir, 'pool.json');
    writeFileSync(poolFile, JSON.stringify(pool));
    const child = spawnTracked(process.execPath, [...nodeArgs, CLI, 'sim', '--port', '0', '--json', '--pool', poolFile, '--state', join(dir, stateName), ...simArgs], { isSim: true });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const info = await new Promise((res, rej) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) res(JSON.parse(out.slice(0, out.indexOf('\n'))));
      });
      child.once('exit', (code) => rej(new Error(`the simulator exited with ${code} before it was ready\n${stderr}`)));
    });
    child.stdout.resume();
    return { ...info, child };
  }

  /** A JSON-RPC call with curl, as a script driving the pool would make it. */
  async function rpc(sim, method, params) {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
    const { stdout } = await mustRun('curl', ['-sk', '-H', 'content-type: application/json', '-d', body, `${sim.url}/jsonrpc`]);
    const reply = JSON.parse(stdout);
    if (reply.error) throw new Error(`${method}: ${JSON.stringify(reply.error)}`);
    return reply.result;
  }

  /**
   * The bench's body, then the summary table and how long it all took; a failure is printed
   * (unless a signal stopped the children on purpose) and sets exit code 1; cleanup always.
   */
  async function main(body) {
    try {
      const t0 = performance.now();
      await body();
      printSummary();
      console.log(`(the benchmark took ${secs(performance.now() - t0)}; ${load()})`);
    } catch (err) {
      // After a signal the children were stopped on purpose: their failures are no news.
      if (cleaning === undefined) console.error(`\nthe benchmark failed: ${err instanceof Error ? err.stack : err}`);
      process.exitCode = 1;
    } finally {
      await cleanup();
    }
  }

  return {
    work,
    main,
    /** Whether peak RSS and CPU seconds are measured (GNU time works here). */
    haveTime,
    spawnTracked,
    run,
    mustRun,
    timed,
    spawnSim,
    rpc,
  };
}

/** Whether GNU time is there and prints max RSS (%M, KiB) and CPU seconds (%U %S). */
function gnuTimeWorks() {
  if (!existsSync(GNU_TIME)) return false;
  const r = spawnSync(GNU_TIME, ['-f', '%M %U %S', process.execPath, '-e', '0'], { encoding: 'utf8' });
  return r.status === 0 && /^\d+ [\d.]+ [\d.]+$/.test(r.stderr.trim().split('\n').pop() ?? '');
}

let clkTck;

/** CPU seconds (user + sys) a running process has used so far, from /proc; NaN elsewhere. */
export function cpuSecondsOf(pid) {
  clkTck ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clkTck; // utime, stime: fields 14 and 15
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------- output

export const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;
export const cpu = (s) => (Number.isNaN(s) ? 'n/a' : `${s.toFixed(1)} s`);
export const load = () => `load average ${loadavg()[0].toFixed(2)} on ${cpus().length} cores`;
export const curlVersion = () => (spawnSync('curl', ['--version'], { encoding: 'utf8' }).stdout?.split('\n')[0] ?? 'curl: not found').split(' ').slice(0, 2).join(' ');

const summary = [];
export const atLeast = (n) => ({ text: `>= ${n}`, ok: (v) => v >= n });
export const atMost = (n) => ({ text: `<= ${n}`, ok: (v) => v <= n });

/** A row of the final table; without a target it is information only. Returns PASS (true), MISS (false) or null. */
export function record(measure, value, shown, target) {
  const pass = target && !Number.isNaN(value) ? target.ok(value) : null;
  summary.push({ measure, shown, target: target?.text ?? '(info)', result: pass === null ? '-' : pass ? 'PASS' : 'MISS' });
  return pass;
}

export function printSummary() {
  const head = { measure: 'measure', shown: 'value', target: 'target', result: 'result' };
  const cols = Object.keys(head);
  const widths = cols.map((c) => Math.max(...[head, ...summary].map((r) => r[c].length)));
  const line = (r) => cols.map((c, i) => r[c].padEnd(widths[i])).join('  ').trimEnd();
  console.log('\n== summary ==');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of summary) console.log(line(r));
  const misses = summary.filter((r) => r.result === 'MISS');
  console.log(misses.length === 0 ? '\nall targets met' : `\n*** MISS: ${misses.length} target(s) not met: ${misses.map((r) => r.measure).join('; ')} ***`);
}
