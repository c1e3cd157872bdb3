#!/usr/bin/env node
// How fast the simulator serves exports, measured by curl downloading to /dev/null on loopback,
// next to a bare Node HTTP server sending the same number of bytes from memory (the ceiling of
// one Node process here). The simulator must stay well above 1 GB/s so that it never limits the
// engine's own benchmarks.
//
//   npm run build && node bench/sim-throughput.mjs [GiB]
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer } from 'node:http';
import { startSimulator } from '../dist/src/sim/index.js';

const GiB = 2 ** 30;
const size = Number(process.argv[2] ?? 2) * GiB;

const run = promisify(execFile);

// curl runs as a child process without blocking this one, which serves the bytes.
async function curl(url) {
  const { stdout: out } = await run('curl', ['-s', '-k', '-o', '/dev/null', '-w', '%{size_download} %{time_total}', url]);
  const [bytes, seconds] = out.split(' ').map(Number);
  return { bytes, seconds, mbps: bytes / seconds / 1e6 };
}

async function baseline(bytes) {
  const block = Buffer.alloc(1 << 20, 0xab);
  const server = createServer(async (req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    for (let sent = 0; sent < bytes; sent += block.length) {
      if (!res.write(block)) await new Promise((r) => res.once('drain', r));
    }
    res.end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const result = await curl(`http://127.0.0.1:${server.address().port}/`);
  server.close();
  return result;
}

async function measure(http, xvaChecksum) {
  const sim = await startSimulator({
    http,
    xvaChecksum,
    loginFailureDelayMs: 0,
    pool: { vms: [{ name: 'big', disks: [{ size, density: 1 }] }] },
  });
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'session.login_with_password', params: [sim.user, sim.password] });
  const { stdout } = await run('curl', ['-s', '-k', '-H', 'content-type: application/json', '-d', body, `${sim.url}/jsonrpc`]);
  const session = JSON.parse(stdout).result;
  const vm = sim.state.store.rows('VM').find((v) => v.record.name_label === 'big').ref;
  const vdi = sim.state.store.rows('VDI')[0].ref;
  const xva = await curl(`${sim.url}/export?session_id=${session}&ref=${vm}`);
  const raw = await curl(`${sim.url}/export_raw_vdi?session_id=${session}&vdi=${vdi}&format=raw`);
  await sim.close();
  return { xva, raw };
}

const base = await baseline(size);
console.log(`disk: ${size / GiB} GiB, every block allocated (worst case: all data, all hashed)`);
console.log(`baseline  node http from memory  ${base.mbps.toFixed(0).padStart(6)} MB/s`);
for (const [label, http, checksum] of [
  ['http  xxhash', true, 'xxhash'],
  ['http  sha1  ', true, 'sha1'],
  ['https xxhash', false, 'xxhash'],
]) {
  const { xva, raw } = await measure(http, checksum);
  console.log(
    `${label}  /export          ${xva.mbps.toFixed(0).padStart(6)} MB/s  (${(xva.mbps / base.mbps).toFixed(2)} × baseline)` +
      `   /export_raw_vdi ${raw.mbps.toFixed(0).padStart(6)} MB/s  (${(raw.mbps / base.mbps).toFixed(2)} × baseline)`,
  );
}
