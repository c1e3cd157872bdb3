#!/usr/bin/env node
// How a restore upload (src/restore/upload.ts: read, verify, PUT) compares with plain `curl -T`
// of the same file to the same import URL, and what it costs in memory. The simulator runs as a
// separate process over HTTPS (as the product uses it); ours runs in a child process of its own
// (this script with --child), so its peak RSS and CPU are its own. Every figure is this run's.
//
//   1. one 4 GiB XVA (the simulator's own export of a 4 GiB disk whose every 2 MiB block holds
//      data): `curl -T FILE` vs ours, verification on, each into a fresh task of
//      /import?sr_id=…, alternating for --rounds rounds; the best of each side is compared.
//      Curl gets `-H Expect:` (XAPI does not answer 100-continue; curl would wait a second).
//      Ours is timed from the file's open to the task's success (uploadFile's elapsedMs); curl
//      by its time_total. Ours runs twice a round: on a worker thread (the default) and on the
//      main thread, with the main event loop's utilisation (share of time busy) and delay (max,
//      p99) in the child printed for each: the TUI runs on that loop. The VM each import made is destroyed right after (the simulator
//      keeps imported disks in memory).
//   2. peak RSS (GNU time %M) of a whole child restore of a 1 GiB and an 8 GiB XVA: memory must
//      not grow with the file. These XVAs hold every chunk of their disk, all zeros, written as
//      holes: 8 GiB of file on a few MiB of disk, and the simulator stores no zero chunk. Our
//      verifier still hashes every byte.
//
// Files go to a temp dir under os.tmpdir() named vmbackup-restore-bench-*, removed at the end,
// on errors and on Ctrl-C. Exit code 0 whatever the figures (a measurement, not a test); 1 when
// the benchmark itself failed.
//
//   npm run bench:restore                         (builds first)
//   node bench/restore-throughput.mjs [--rounds N] [--only 1,2] [--profile DIR]
//        --profile DIR  our children and the simulator write V8 CPU profiles (.cpuprofile) there
import { closeSync, ftruncateSync, openSync, readSync, statfsSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { atLeast, atMost, benchSetup, cpu, cpuSecondsOf, curlVersion, GiB, GNU_TIME, load, MiB, record, ROOT, secs, sleep } from './lib.mjs';

const SELF = fileURLToPath(import.meta.url);
const dist = (path) => import(pathToFileURL(join(ROOT, 'dist', 'src', path)).href);

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '2' }, only: { type: 'string', default: '1,2' }, profile: { type: 'string' }, child: { type: 'string' } } });

// ---------------------------------------------------------------- the child: one restore upload

if (args.child !== undefined) {
  const job = JSON.parse(args.child);
  const [{ PoolConnection }, { TrustPolicy }, { emptyRules }, { uploadFile, restoreVerifier }] = await Promise.all([
    dist('xapi/connection.js'),
    dist('xapi/trust-policy.js'),
    dist('xapi/tls-trust.js'),
    dist('restore/upload.js'),
  ]);
  const rules = { ...emptyRules(), anywhere: [job.fingerprint] };
  const conn = await PoolConnection.open({ target: { url: job.url, user: job.user }, credentials: async (t) => ({ user: t.user, password: job.password }), tls: new TrustPolicy(rules) });
  try {
    const size = statSync(job.file).size;
    const signal = new AbortController().signal;
    const ticket = await conn.transfer('bench restore', '/import', { sr_id: job.sr }, signal);
    const lag = monitorEventLoopDelay({ resolution: 5 });
    lag.enable();
    const elu0 = performance.eventLoopUtilization();
    const r = await uploadFile({ ticket, file: job.file, contentLength: size, verify: restoreVerifier('xva', size), signal, onBytes: () => undefined, thread: job.thread });
    const elu = performance.eventLoopUtilization(elu0).utilization;
    lag.disable();
    process.stdout.write(JSON.stringify({ bytes: r.bytes, elapsedMs: r.elapsedMs, vm: r.taskResult[0], lagMaxMs: lag.max / 1e6, lagP99Ms: lag.percentile(99) / 1e6, elu }) + '\n');
  } finally {
    await conn.close();
  }
  process.exit(0);
}

const PROFILE = args.profile ? ['--cpu-prof', '--cpu-prof-dir', resolve(args.profile)] : [];
const ROUNDS = Math.max(1, Math.floor(Number(args.rounds)) || 1);
const ONLY = new Set(args.only.split(','));

// ---------------------------------------------------------------- temp dir, children, the simulator

const { work, haveTime, main, run, timed, spawnSim, rpc } = benchSetup('vmbackup-restore-bench-');

async function startSim(vms) {
  const pool = { name: 'bench', hosts: [{ name: 'xcp1' }], srs: [{ name: 'Local storage', size: '64TiB', default: true }], vms };
  const sim = await spawnSim(join(work, 'sim'), pool, { nodeArgs: PROFILE });
  sim.session = await rpc(sim, 'session.login_with_password', [sim.user, sim.password]);
  sim.sr = (await rpc(sim, 'SR.get_by_name_label', [sim.session, 'Local storage']))[0];
  return sim;
}

async function vmNamed(sim, name) {
  for (const ref of await rpc(sim, 'VM.get_by_name_label', [sim.session, name])) {
    const vm = await rpc(sim, 'VM.get_record', [sim.session, ref]);
    if (!vm.is_a_snapshot && !vm.is_a_template) return { ref, vm };
  }
  throw new Error(`no VM named ${name}`);
}

/** The simulator keeps imported disks in memory: each restored VM goes right after. */
async function destroyVm(sim, ref) {
  const vm = await rpc(sim, 'VM.get_record', [sim.session, ref]);
  for (const vbd of vm.VBDs) {
    const vdi = (await rpc(sim, 'VBD.get_record', [sim.session, vbd])).VDI;
    if (vdi && vdi !== 'OpaqueRef:NULL') await rpc(sim, 'VDI.destroy', [sim.session, vdi]);
  }
  await rpc(sim, 'VM.destroy', [sim.session, ref]);
}

async function curlExport(sim, name, file) {
  const { ref } = await vmNamed(sim, name);
  const r = await run('curl', ['-sk', '-o', file, '-w', '%{http_code}', `${sim.url}/export?session_id=${sim.session}&ref=${ref}`]);
  if (r.code !== 0 || r.stdout !== '200') throw new Error(`export of ${name}: curl exit ${r.code}, HTTP ${r.stdout}\n${r.stderr}`);
}

// ---------------------------------------------------------------- the two clients

async function curlImport(sim, file, label) {
  const task = await rpc(sim, 'task.create', [sim.session, 'bench curl import', '']);
  const cpu0 = cpuSecondsOf(sim.child.pid);
  const url = `${sim.url}/import?session_id=${sim.session}&task_id=${task}&sr_id=${sim.sr}`;
  const r = await timed(label, 'curl', ['-sk', '-H', 'Expect:', '-T', file, '-o', '/dev/null', '-w', '%{http_code} %{size_upload} %{time_total}', url]);
  const simCpuS = cpuSecondsOf(sim.child.pid) - cpu0;
  const [status, bytes, seconds] = r.stdout.trim().split(' ').map(Number);
  let record;
  for (let i = 0; i < 600; i++) {
    record = await rpc(sim, 'task.get_record', [sim.session, task]);
    if (record.status !== 'pending') break;
    await sleep(100);
  }
  if (r.code !== 0 || status !== 200 || record.status !== 'success') throw new Error(`curl -T: exit ${r.code}, HTTP ${status}, task ${record.status} ${JSON.stringify(record.error_info)}\n${r.stderr}`);
  await destroyVm(sim, /OpaqueRef:[^<]+/.exec(record.result)[0]);
  return { bytes, seconds, mbps: bytes / seconds / 1e6, cpuS: r.cpuS, simCpuS };
}

async function ours(sim, file, label, thread) {
  const job = { url: sim.url, user: sim.user, password: sim.password, fingerprint: sim.fingerprint, sr: sim.sr, file, thread };
  const cpu0 = cpuSecondsOf(sim.child.pid);
  const r = await timed(label, process.execPath, [...PROFILE, SELF, '--child', JSON.stringify(job)]);
  const simCpuS = cpuSecondsOf(sim.child.pid) - cpu0;
  if (r.code !== 0) throw new Error(`our restore (${label}) exited with ${r.code}\n${r.stdout}${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  await destroyVm(sim, out.vm);
  return { ...out, mbps: out.bytes / (out.elapsedMs / 1000) / 1e6, wallMs: r.wallMs, rssMiB: r.rssMiB, cpuS: r.cpuS, simCpuS };
}

// ---------------------------------------------------------------- files

/**
 * An XVA whose disk has every chunk, all zeros, written as holes: ova.xml and the disk's id are
 * taken from the simulator's export of a VM with a disk of that size (which holds only block 0).
 */
async function zeroXva(sim, name, file) {
  const [{ xvaStream, chunkDigest }] = await Promise.all([dist('formats/index.js')]);
  const sample = join(work, `${name}.sample.xva`);
  await curlExport(sim, name, sample);
  const fd0 = openSync(sample, 'r');
  const head = Buffer.alloc(64 * 1024);
  readSync(fd0, head, 0, head.length, 0);
  const ovaSize = parseInt(head.subarray(124, 136).toString('latin1').replace(/\0.*$/, '').trim(), 8);
  const ova = Buffer.alloc(ovaSize);
  readSync(fd0, ova, 0, ovaSize, 512);
  const second = 512 + Math.ceil(ovaSize / 512) * 512;
  const member = Buffer.alloc(100);
  readSync(fd0, member, 0, 100, second);
  closeSync(fd0);
  unlinkSync(sample);
  const id = member.toString('latin1').replace(/\0.*$/, '').split('/')[0];
  const { vm } = await vmNamed(sim, name);
  const vbd = await rpc(sim, 'VBD.get_record', [sim.session, vm.VBDs[0]]);
  const size = Number(await rpc(sim, 'VDI.get_virtual_size', [sim.session, vbd.VDI]));
  const zero = Buffer.alloc(MiB);
  const digest = { xxhash: chunkDigest('xxhash', zero) };
  const disk = { id, virtualSize: size, chunk: () => ({ parts: [zero], digest }) };
  const fd = openSync(file, 'w');
  let at = 0;
  for await (const piece of xvaStream({ ovaXml: ova.toString('utf8'), disks: [disk], checksum: 'xxhash' })) {
    if (piece !== zero) writeSync(fd, piece, 0, piece.length, at);
    at += piece.length;
  }
  ftruncateSync(fd, at);
  closeSync(fd);
}

// ---------------------------------------------------------------- the measures

async function measureThroughput(sim) {
  console.log(`\n== 1. a 4 GiB XVA over HTTPS: curl -T vs ours (verification on), best of ${ROUNDS} round(s) (${load()}) ==`);
  const file = join(work, 'big.xva');
  await curlExport(sim, 'big', file);
  console.log(`  file: ${(statSync(file).size / GiB).toFixed(2)} GiB (the simulator's export of a 4 GiB disk, every block holding data)`);
  const curls = [];
  const worker = [];
  const main = [];
  for (let i = 0; i < ROUNDS; i++) {
    curls.push(await curlImport(sim, file, 'curl'));
    worker.push(await ours(sim, file, 'ours-worker', 'worker'));
    main.push(await ours(sim, file, 'ours-main', 'main'));
  }
  for (const [i, c] of curls.entries()) console.log(`  curl   round ${i + 1}: ${secs(c.seconds * 1000)} = ${c.mbps.toFixed(1)} MB/s   CPU curl ${cpu(c.cpuS)}, simulator ${cpu(c.simCpuS)}`);
  for (const [label, runs] of [['worker', worker], ['main  ', main]]) {
    for (const [i, r] of runs.entries()) {
      console.log(
        `  ours ${label} round ${i + 1}: ${secs(r.elapsedMs)} = ${r.mbps.toFixed(1)} MB/s   main event loop busy ${(r.elu * 100).toFixed(1)} %, its delay max ${r.lagMaxMs.toFixed(1)} ms, p99 ${r.lagP99Ms.toFixed(1)} ms   CPU ours ${cpu(r.cpuS)}, simulator ${cpu(r.simCpuS)}   peak RSS ${r.rssMiB.toFixed(1)} MiB   (process wall ${secs(r.wallMs)})`,
      );
    }
  }
  unlinkSync(file);
  const best = (xs) => Math.max(...xs.map((x) => x.mbps));
  const c = best(curls);
  const w = best(worker);
  const m = best(main);
  console.log(`  curl -T            ${c.toFixed(1)} MB/s`);
  console.log(`  ours, worker       ${w.toFixed(1)} MB/s   ours/curl ${(w / c).toFixed(3)}   <- judged (the default), target >= 0.9`);
  console.log(`  ours, main thread  ${m.toFixed(1)} MB/s   ours/curl ${(m / c).toFixed(3)}   (information: the other choice)`);
  record('1 ours/curl -T, 4 GiB XVA, HTTPS (worker)', w / c, (w / c).toFixed(3), atLeast(0.9));
  record('1 ours/curl -T (main thread)', m / c, (m / c).toFixed(3), null);
  record('1 main event loop busy, worker / main thread', NaN, `${(Math.min(...worker.map((r) => r.elu)) * 100).toFixed(1)} % / ${(Math.min(...main.map((r) => r.elu)) * 100).toFixed(1)} %`, null);
  record('1 main event loop delay p99, worker / main thread (ms)', NaN, `${Math.min(...worker.map((r) => r.lagP99Ms)).toFixed(1)} / ${Math.min(...main.map((r) => r.lagP99Ms)).toFixed(1)}`, null);
}

async function measureRss(sim) {
  console.log(`\n== 2. peak RSS of a whole child restore, 1 GiB vs 8 GiB XVA, HTTPS (${load()}) ==`);
  if (!haveTime) {
    console.log(`  ${GNU_TIME} is missing: not measured`);
    return;
  }
  const results = [];
  for (const [name, size] of [['zero-1g', 1], ['zero-8g', 8]]) {
    const file = join(work, `${name}.xva`);
    await zeroXva(sim, name, file);
    const st = statSync(file);
    const r = await ours(sim, file, name, 'worker');
    console.log(`  ${size} GiB disk: file ${(st.size / GiB).toFixed(2)} GiB (${((st.blocks * 512) / MiB).toFixed(1)} MiB on disk), peak RSS ${r.rssMiB.toFixed(1)} MiB, ${r.mbps.toFixed(1)} MB/s, CPU ours ${cpu(r.cpuS)}, simulator ${cpu(r.simCpuS)}`);
    unlinkSync(file);
    results.push(r);
  }
  const ratio = results[1].rssMiB / results[0].rssMiB;
  console.log(`  RSS(8 GiB) / RSS(1 GiB) = ${ratio.toFixed(3)}`);
  record('2 peak RSS, 1 GiB restore (MiB)', results[0].rssMiB, results[0].rssMiB.toFixed(1), null);
  record('2 peak RSS, 8 GiB restore (MiB)', results[1].rssMiB, results[1].rssMiB.toFixed(1), null);
  record('2 RSS(8 GiB) / RSS(1 GiB)', ratio, ratio.toFixed(3), atMost(1.1));
}

await main(async () => {
  const fs = statfsSync(tmpdir());
  const freeGiB = (fs.bavail * fs.bsize) / GiB;
  console.log(`vmbackup restore benchmark; node ${process.version}; ${curlVersion()}; ${load()}`);
  console.log(`temp dir ${work}; ${freeGiB.toFixed(1)} GiB free there; peak RSS and CPU from ${haveTime ? 'GNU time' : '(GNU time missing: not measured)'}`);
  if (ONLY.has('1') && freeGiB < 5) throw new Error(`measure 1 needs about 4.1 GiB in ${tmpdir()}, which has ${freeGiB.toFixed(1)} GiB free`);
  const sim = await startSim([
    { name: 'big', power: 'Halted', disks: [{ size: '4GiB', density: 1 }] },
    { name: 'zero-1g', power: 'Halted', disks: [{ size: '1GiB', density: 0 }] },
    { name: 'zero-8g', power: 'Halted', disks: [{ size: '8GiB', density: 0 }] },
  ]);
  if (ONLY.has('1')) await measureThroughput(sim);
  if (ONLY.has('2')) await measureRss(sim);
});
