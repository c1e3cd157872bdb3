#!/usr/bin/env node
// How fast `vmbackup list` reads a large backup_dir, against `find DIR` on the same tree.
//
// The tree is the real layout, 1,000 VMs × 10 dated backups (--vms, --backups): in each dated
// folder vm.cfg, DISK-xvda/vbd.cfg, DISK-xvda/vdi.cfg, VIFs/vif-0.cfg, the export file (a 1 MiB
// sparse file: a hole and one byte) and the success marker; every 10th VM is a vdi-export (.raw),
// the others vm-export (.xva). Plus a METADATA_ folder with pool dumps. About 100,000 entries.
//
// Both commands are timed as a user sees them, whole process from spawn to exit: `find DIR`
// (output to a pipe that is drained) and `node bin/vmbackup.js list --backup-dir DIR --json`.
// One warm-up run of each (the tree was just written, so both read from the page cache), then
// --rounds alternating runs; the medians and their ratio are printed, PASS when the ratio is
// at most 3.0, MISS otherwise. The CPU seconds of each (GNU time, when installed) are printed
// for information: on a busy machine the wall times swing with the neighbours' load. The exit code is 0 whatever the figures are (a measurement, not
// a test); 1 when the benchmark itself failed. The temp dir (vmbackup-bench-list-*) is removed
// at the end, on errors and on Ctrl-C.
//
//   npm run bench:list                 (builds first)
//   node bench/list-catalog.mjs [--vms N] [--backups N] [--rounds N] [--tree DIR]
//        --tree DIR  build the tree in DIR once and keep it (later runs reuse it): for profiling
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const CLI = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'bin', 'vmbackup.js');
const TARGET = 3.0;

const { values: args } = parseArgs({ options: { vms: { type: 'string', default: '1000' }, backups: { type: 'string', default: '10' }, rounds: { type: 'string', default: '7' }, tree: { type: 'string' } } });
const VMS = Math.max(1, Number(args.vms) | 0);
const BACKUPS = Math.max(1, Math.min(28, Number(args.backups) | 0));
const ROUNDS = Math.max(1, Number(args.rounds) | 0);

const work = mkdtempSync(join(tmpdir(), 'vmbackup-bench-list-'));
const cleanup = () => rmSync(work, { recursive: true, force: true });
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

const pad = (n) => String(n).padStart(2, '0');
const uuid = (i, j) => `${String(i).padStart(8, '0')}-0000-4000-8000-${String(j).padStart(12, '0')}`;

function buildTree(dir) {
  for (let v = 0; v < VMS; v++) {
    const name = v % 50 === 7 ? `win/${v}` : `vm-${String(v).padStart(4, '0')}`;
    const folder = name.includes('/') ? '%' + name.replace('/', '%2F') : name;
    const vdi = v % 10 === 3;
    for (let b = 0; b < BACKUPS; b++) {
      const dated = join(dir, folder, `backup-2026-11-${pad(b + 1)}-(0${b % 10}:${pad(v % 60)}:18)`);
      mkdirSync(join(dated, vdi ? 'DISK-hda' : 'DISK-xvda'), { recursive: true });
      writeFileSync(join(dated, 'vm.cfg'), `name_label=${name}\nname_description=\nmemory_dynamic_max=1073741824\nVCPUs_max=2\nVCPUs_at_startup=2\nos_version=\norig_uuid=${uuid(v, 0)}\n`);
      const disk = join(dated, vdi ? 'DISK-hda' : 'DISK-xvda');
      writeFileSync(join(disk, 'vbd.cfg'), `userdevice=0\nbootable=True\nmode=RW\ntype=Disk\nunpluggable=False\nempty=False\norig_uuid=${uuid(v, 1)}\n`);
      writeFileSync(join(disk, 'vdi.cfg'), `name_label=${name} disk\nname_description=\nvirtual_size=1048576\ntype=system\nsharable=False\nread_only=False\norig_uuid=${uuid(v, 2)}\n`);
      if (!vdi) {
        mkdirSync(join(dated, 'VIFs'));
        writeFileSync(join(dated, 'VIFs', 'vif-0.cfg'), `device=0\nnetwork_name_label=Pool-wide network\nMTU=1500\nMAC=aa:bb:cc:00:00:01\nother_config={}\norig_uuid=${uuid(v, 3)}\n`);
      }
      // A small sparse export: a 1 MiB hole with one byte at its end.
      const fd = openSync(join(dated, `${folder}.${vdi ? 'raw' : 'xva'}`), 'w');
      ftruncateSync(fd, 2 ** 20 - 1);
      writeSync(fd, 'x', 2 ** 20 - 1);
      closeSync(fd);
      writeFileSync(join(dated, 'success'), '');
    }
  }
  mkdirSync(join(dir, 'METADATA_xcp1'));
  for (let d = 1; d <= 10; d++) writeFileSync(join(dir, 'METADATA_xcp1', `pool_db_202611${pad(d)}-010000.dump`), 'dump');
}

const GNU_TIME = '/usr/bin/time';
const HAS_TIME = existsSync(GNU_TIME);

/**
 * Wall time of one whole process in ms, and its CPU seconds (user + sys, from GNU time when it
 * is there: on a shared box the wall time also measures the neighbours); throws when it fails.
 */
function timed(cmd, argv, env) {
  const [c, a] = HAS_TIME ? [GNU_TIME, ['-f', 'cpu %U %S', cmd, ...argv]] : [cmd, argv];
  const start = process.hrtime.bigint();
  const r = spawnSync(c, a, { encoding: 'buffer', maxBuffer: 1 << 30, env });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited ${r.status}: ${r.stderr.toString().slice(0, 2000)}`);
  const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr.toString());
  return { ms, cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN, stdout: r.stdout };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

try {
  const dir = args.tree !== undefined ? resolve(args.tree) : join(work, 'backups');
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    const t0 = Date.now();
    buildTree(dir);
    console.log(`tree: ${VMS} VMs × ${BACKUPS} backups in ${dir} (built in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } else console.log(`tree: reusing ${dir}`);
  const env = { ...process.env, VMBACKUP_SETTINGS_DIR: join(work, 'settings') };
  const find = () => timed('find', [dir], env);
  const list = () => timed(process.execPath, [CLI, 'list', '--backup-dir', dir, '--json'], env);

  // Warm-up, and a check that the listing is the whole tree.
  const entries = find().stdout.toString().split('\n').length - 1;
  const json = JSON.parse(list().stdout.toString());
  const backups = json.vms.reduce((n, vm) => n + vm.backups.length, 0);
  console.log(`find prints ${entries} entries; list --json has ${json.vms.length} VMs, ${backups} backups, ${json.poolDb.length} pool dumps, ${json.strays.length} strays`);
  if (json.vms.length !== VMS || backups !== VMS * BACKUPS) throw new Error('the listing is not the whole tree');

  const findRuns = [];
  const listRuns = [];
  for (let i = 0; i < ROUNDS; i++) {
    findRuns.push(find());
    listRuns.push(list());
  }
  const f = median(findRuns.map((r) => r.ms));
  const l = median(listRuns.map((r) => r.ms));
  const baseline = median(Array.from({ length: 3 }, () => timed(process.execPath, [CLI, '--version'], env).ms));
  const cpu = (runs) => (HAS_TIME ? `, CPU ${median(runs.map((r) => r.cpu)).toFixed(2)} s` : '');
  console.log(`find DIR:                  median ${f.toFixed(0)} ms${cpu(findRuns)}  (${findRuns.map((r) => r.ms.toFixed(0)).join(' ')})`);
  console.log(`vmbackup list --json:      median ${l.toFixed(0)} ms${cpu(listRuns)}  (${listRuns.map((r) => r.ms.toFixed(0)).join(' ')})`);
  console.log(`(vmbackup --version alone: median ${baseline.toFixed(0)} ms: the process start both faces pay)`);
  const ratio = l / f;
  console.log(`ratio list/find (wall): ${ratio.toFixed(2)}  target ≤ ${TARGET.toFixed(1)}: ${ratio <= TARGET ? 'PASS' : 'MISS'}`);
} catch (err) {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  cleanup();
}
