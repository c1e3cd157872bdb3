/**
 * VMs a cancelled run never started are reported in the mode and format they were planned
 * with (a VDI as raw or vhd, an XVA with its compression), not all as plain XVA: the summary,
 * the JSON report and the mail list them as what would have been written.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { runBackup } from '../../src/backup/run.js';
import { effectiveSettings, parseConfig } from '../../src/config/index.js';
import { PoolConnection } from '../../src/xapi/connection.js';
import { tempDir } from '../helpers/cli.js';
import { E2E_POOL, leftovers } from '../helpers/e2e.js';
import { stopAll, testSimulator } from '../helpers/sim.js';
import { trustSim } from '../helpers/trust.js';

const connections: PoolConnection[] = [];
afterEach(async () => {
  for (const c of connections.splice(0)) await c.close();
  await stopAll();
});

it.each([
  { lines: ['vdi_export_format=vhd', '#vmbackup: compress=zstd'], vdi: 'vhd', xva: 'xva.zst' },
  { lines: ['#vmbackup: compress=gzip'], vdi: 'raw', xva: 'xva.gz' },
  { lines: [], vdi: 'raw', xva: 'xva' },
])('a run cancelled before it began lists its VMs as planned: VDI $vdi, $xva', async ({ lines, vdi, xva }) => {
  const sim = await testSimulator({ pool: E2E_POOL });
  const conn = await PoolConnection.open({ target: { url: sim.url, user: sim.user }, credentials: async (t) => ({ user: t.user, password: sim.password }), tls: trustSim(sim) });
  connections.push(conn);
  const dir = join(tempDir(), 'backups');
  mkdirSync(dir);
  const parsed = parseConfig([`backup_dir=${dir}`, ...lines, 'vdi-export=db.example.com', 'vm-export=web 01', ''].join('\n'), { file: 't.cfg' });
  expect(parsed.errors).toEqual([]);
  const controller = new AbortController();
  controller.abort();
  const summary = await runBackup({ conn, model: parsed.model, settings: effectiveSettings(parsed.model), source: 't.cfg', emit: () => undefined, signal: controller.signal });
  expect(summary.interrupted).toBe(true);
  expect(summary.vms.map((v) => [v.name, v.mode, v.format, v.status, v.error?.message])).toEqual([
    ['db.example.com', 'vdi-export', vdi, 'cancelled', 'not started: the run was interrupted'],
    ['web 01', 'vm-export', xva, 'cancelled', 'not started: the run was interrupted'],
  ]);
  expect(leftovers(sim)).toEqual([]);
});

it('a compressed vm-export that fails at its snapshot is reported as the compressed XVA it was to be', async () => {
  const sim = await testSimulator({ pool: E2E_POOL });
  sim.faults.srFullOnSnapshot();
  const conn = await PoolConnection.open({ target: { url: sim.url, user: sim.user }, credentials: async (t) => ({ user: t.user, password: sim.password }), tls: trustSim(sim) });
  connections.push(conn);
  const dir = join(tempDir(), 'backups');
  mkdirSync(dir);
  const parsed = parseConfig([`backup_dir=${dir}`, '#vmbackup: compress=zstd', 'vm-export=web 01', ''].join('\n'), { file: 't.cfg' });
  const summary = await runBackup({ conn, model: parsed.model, settings: effectiveSettings(parsed.model), source: 't.cfg', emit: () => undefined, signal: new AbortController().signal });
  expect(summary.vms.map((v) => [v.name, v.format, v.status, v.error?.code])).toEqual([['web 01', 'xva.zst', 'failed', 'SR_FULL']]);
  expect(leftovers(sim)).toEqual([]);
});
