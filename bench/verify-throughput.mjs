#!/usr/bin/env node
// How fast `vmbackup verify` reads a backup compared with the tools an admin would use on the
// same file, and what it costs in memory. Every figure is this run's.
//
//   1. a plain XVA backup of a 4 GiB disk whose every block holds data, made by a real
//      `vmbackup --config` run against the simulator (so it has its vm.cfg and the XXH64 sums
//      of vmbackup-sums.json): on a warm page cache (the file is read once before), for
//      --rounds rounds, `cat FILE > /dev/null`, `xxhsum -H64 FILE` and `vmbackup verify FOLDER
//      --json`. The default verify, judged here, takes the fast path on such a fresh backup: the
//      file's length and the XXH64 of each 64 MiB segment against vmbackup-sums.json (taken of
//      bytes the stream's verifier had accepted), one hash of every byte by parallel reader
//      threads (one per core), as xxhsum makes one on one core and cat none. Judged: ours (the
//      verify's own elapsedMs from its JSON) against cat's wall time, best of each; the process
//      wall times (node's start included) are printed too. One `--deep` run (every tar header,
//      every chunk's XXH64 and the sums, on one thread: two hashes of every byte) is information.
//      Then the same file once from the disk (the page cache dropped first; root only), cat
//      against ours, for information.
//   2. peak RSS (GNU time %M) of `vmbackup verify` on a 1 GiB and an 8 GiB backup: memory must
//      not grow with the backup.
//   3. `--jobs 2` over the 1 GiB and 8 GiB backups together, against `--jobs 1` (information).
//
// Files go to a temp dir under os.tmpdir() named vmbackup-verify-bench-*, removed at the end,
// on errors and on Ctrl-C. Exit code 0 whatever the figures (a measurement, not a test); 1 when
// the benchmark itself failed.
//
//   npm run bench:verify                       (builds first)
//   node bench/verify-throughput.mjs [--rounds N] [--only 1,2,3]
import { mkdirSync, readdirSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { atLeast, atMost, benchSetup, CLI, GiB, GNU_TIME, load, record, secs } from './lib.mjs';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, only: { type: 'string', default: '1,2,3' } } });
const ROUNDS = Math.max(1, Math.floor(Number(args.rounds)) || 1);
const ONLY = new Set(args.only.split(','));

const { work, haveTime, main, run, mustRun, timed, spawnSim, rpc } = benchSetup('vmbackup-verify-bench-');

const dataVm = (name, size) => ({ name, power: 'Halted', disks: [{ size, density: 1 }] });

async function startSim(vms) {
  const dir = join(work, 'sim');
  const backupDir = join(dir, 'backups');
  mkdirSync(backupDir, { recursive: true });
  const pool = { name: 'bench', hosts: [{ name: 'xcp1' }], srs: [{ name: 'Local storage', size: '1TiB', default: true }], vms };
  const sim = await spawnSim(dir, pool, { stateName: 'sim-state' });
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, Buffer.from(sim.password).toString('base64'), { mode: 0o600 });
  await rpc(sim, 'session.login_with_password', [sim.user, sim.password]);
  return { ...sim, dir, backupDir, passwordFile };
}

/** A real backup of `vm` (plain XVA) by `vmbackup --config`; resolves with its dated folder and its file. */
async function backUp(sim, vm) {
  const cfg = join(sim.dir, `${vm}.cfg`);
  writeFileSync(cfg, [`#vmbackup: pool=${sim.url}`, `backup_dir=${sim.backupDir}`, `status_log=${join(sim.dir, 'status.log')}`, 'max_backups=1', `vm-export=${vm}`].join('\n') + '\n');
  await mustRun(process.execPath, [CLI, '--config', cfg, '--password-file', sim.passwordFile, '--trust', sim.fingerprint]);
  const vmDir = join(sim.backupDir, vm);
  const [dated] = readdirSync(vmDir).filter((n) => n.startsWith('backup-'));
  const folder = join(vmDir, dated);
  const file = readdirSync(folder).find((n) => n.endsWith('.xva'));
  return { folder, file: join(folder, file), bytes: statSync(join(folder, file)).size };
}

/** `vmbackup verify ... --json` under GNU time: its JSON, wall time, peak RSS. */
async function ours(label, paths, extra = []) {
  const r = await timed(label, process.execPath, [CLI, 'verify', ...paths, '--json', ...extra]);
  if (r.code !== 0) throw new Error(`vmbackup verify exited with ${r.code}\n${r.stdout}\n${r.stderr}`);
  const out = JSON.parse(r.stdout);
  if (out.failed.length > 0) throw new Error(`vmbackup verify found damage in a fresh backup: ${JSON.stringify(out.failed)}`);
  return { ...out, wallMs: r.wallMs, rssMiB: r.rssMiB };
}

async function wall(cmd, argv) {
  const r = await run(cmd, argv);
  if (r.code !== 0) throw new Error(`${cmd} exited with ${r.code}\n${r.stderr}`);
  return r.wallMs;
}

const gbps = (bytes, ms) => bytes / (ms / 1000) / 1e9;

async function measureThroughput(sim) {
  console.log(`\n== 1. a 4 GiB plain XVA backup, warm page cache: cat, xxhsum -H64, vmbackup verify; best of ${ROUNDS} (${load()}) ==`);
  const b = await backUp(sim, 'big');
  console.log(`  file: ${(b.bytes / GiB).toFixed(2)} GiB`);
  await wall('sh', ['-c', `cat "${b.file}" > /dev/null`]);
  const cats = [];
  const xxhs = [];
  const mine = [];
  for (let i = 0; i < ROUNDS; i++) {
    cats.push(await wall('sh', ['-c', `cat "${b.file}" > /dev/null`]));
    xxhs.push(await wall('xxhsum', ['-H64', b.file]));
    mine.push(await ours(`verify-${i}`, [b.folder]));
  }
  for (let i = 0; i < ROUNDS; i++) {
    const m = mine[i];
    console.log(
      `  round ${i + 1}: cat ${secs(cats[i])} (${gbps(b.bytes, cats[i]).toFixed(2)} GB/s)   xxhsum ${secs(xxhs[i])} (${gbps(b.bytes, xxhs[i]).toFixed(2)} GB/s)   ours ${secs(m.elapsedMs)} (${gbps(m.bytes, m.elapsedMs).toFixed(2)} GB/s; process ${secs(m.wallMs)}, peak RSS ${m.rssMiB.toFixed(1)} MiB)`,
    );
  }
  const cat = Math.min(...cats);
  const xxh = Math.min(...xxhs);
  const best = mine.reduce((a, m) => (m.elapsedMs < a.elapsedMs ? m : a));
  const bestWall = Math.min(...mine.map((m) => m.wallMs));
  record('1 ours/cat, 4 GiB XVA, warm cache (verify elapsed)', cat / best.elapsedMs, (cat / best.elapsedMs).toFixed(3), atLeast(0.9));
  record('1 ours/cat, process wall (node start included)', cat / bestWall, (cat / bestWall).toFixed(3), null);
  record('1 ours/xxhsum -H64 (verify elapsed)', xxh / best.elapsedMs, (xxh / best.elapsedMs).toFixed(3), null);
  record('1 GB/s: cat / xxhsum / ours', NaN, `${gbps(b.bytes, cat).toFixed(2)} / ${gbps(b.bytes, xxh).toFixed(2)} / ${gbps(best.bytes, best.elapsedMs).toFixed(2)}`, null);
  const deep = await ours('verify-deep', [b.folder], ['--deep']);
  console.log(`  --deep: ${secs(deep.elapsedMs)} (${gbps(deep.bytes, deep.elapsedMs).toFixed(2)} GB/s; peak RSS ${deep.rssMiB.toFixed(1)} MiB)`);
  record('1 --deep/cat (verify elapsed)', cat / deep.elapsedMs, (cat / deep.elapsedMs).toFixed(3), null);
  await coldCache(b);
}

/**
 * The same file from the disk rather than the page cache, when this process may drop the cache
 * (root): cat, then ours, each after `sync; echo 3 > /proc/sys/vm/drop_caches`. Information:
 * this is "reads at the disk's speed" as a backup_dir on real storage sees it.
 */
async function coldCache(b) {
  const drop = () => wall('sh', ['-c', 'sync && echo 3 > /proc/sys/vm/drop_caches']);
  try {
    await drop();
  } catch {
    console.log('  cold cache: not measured (dropping the page cache needs root)');
    return;
  }
  const cat = await wall('sh', ['-c', `cat "${b.file}" > /dev/null`]);
  await drop();
  const m = await ours('verify-cold', [b.folder]);
  console.log(`  cold cache: cat ${secs(cat)} (${gbps(b.bytes, cat).toFixed(2)} GB/s)   ours ${secs(m.elapsedMs)} (${gbps(m.bytes, m.elapsedMs).toFixed(2)} GB/s)`);
  record('1 ours/cat, cold cache (information)', cat / m.elapsedMs, (cat / m.elapsedMs).toFixed(3), null);
}

async function measureRss(sim, backups) {
  console.log(`\n== 2. peak RSS of vmbackup verify, 1 GiB vs 8 GiB backup (${load()}) ==`);
  if (!haveTime) {
    console.log(`  ${GNU_TIME} is missing: not measured`);
    return;
  }
  const results = [];
  for (const [size, b] of backups) {
    const r = await ours(`rss-${size}`, [b.folder]);
    console.log(`  ${size} GiB disk: file ${(b.bytes / GiB).toFixed(2)} GiB, peak RSS ${r.rssMiB.toFixed(1)} MiB, ${gbps(r.bytes, r.elapsedMs).toFixed(2)} GB/s`);
    results.push(r);
  }
  const ratio = results[1].rssMiB / results[0].rssMiB;
  record('2 peak RSS, verify of 1 GiB (MiB)', results[0].rssMiB, results[0].rssMiB.toFixed(1), null);
  record('2 peak RSS, verify of 8 GiB (MiB)', results[1].rssMiB, results[1].rssMiB.toFixed(1), null);
  record('2 RSS(8 GiB) / RSS(1 GiB)', ratio, ratio.toFixed(3), atMost(1.1));
}

async function measureJobs(backups) {
  console.log(`\n== 3. --jobs 1 vs --jobs 2 over the 1 GiB and 8 GiB backups (${load()}) ==`);
  const folders = backups.map(([, b]) => b.folder);
  const one = await ours('jobs-1', folders, ['--jobs', '1']);
  const two = await ours('jobs-2', folders, ['--jobs', '2']);
  console.log(`  --jobs 1: ${secs(one.elapsedMs)} (${gbps(one.bytes, one.elapsedMs).toFixed(2)} GB/s); --jobs 2: ${secs(two.elapsedMs)} (${gbps(two.bytes, two.elapsedMs).toFixed(2)} GB/s)`);
  record('3 --jobs 2 / --jobs 1 speed', one.elapsedMs / two.elapsedMs, (one.elapsedMs / two.elapsedMs).toFixed(3), null);
}

await main(async () => {
  const fs = statfsSync(tmpdir());
  const freeGiB = (fs.bavail * fs.bsize) / GiB;
  console.log(`vmbackup verify benchmark; node ${process.version}; ${load()}`);
  console.log(`temp dir ${work}; ${freeGiB.toFixed(1)} GiB free there; peak RSS from ${haveTime ? 'GNU time' : '(GNU time missing: not measured)'}`);
  if (freeGiB < 16) throw new Error(`the backups need about 14 GiB in ${tmpdir()}, which has ${freeGiB.toFixed(1)} GiB free`);
  const sim = await startSim([dataVm('big', '4GiB'), dataVm('one', '1GiB'), dataVm('eight', '8GiB')]);
  if (ONLY.has('1')) await measureThroughput(sim);
  if (ONLY.has('2') || ONLY.has('3')) {
    const backups = [
      [1, await backUp(sim, 'one')],
      [8, await backUp(sim, 'eight')],
    ];
    if (ONLY.has('2')) await measureRss(sim, backups);
    if (ONLY.has('3')) await measureJobs(backups);
  }
});
