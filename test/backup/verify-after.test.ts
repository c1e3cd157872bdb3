/**
 * `#vmbackup: verify_after=true`: each new backup is read back from the disk after its success
 * marker, through the verify room (the real one, as both faces hand it in). A write that went
 * wrong is simulated by flipping a byte of the written file before the re-read: the VM then
 * fails with VERIFY_FAILED, the backup stays (marker and all, with its failed record), and no
 * older backup is deleted to make room for it; later runs neither count nor delete it.
 */
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { CheckWritten } from '../../src/backup/context.js';
import type { ProgressEvent } from '../../src/backup/events.js';
import { runBackup } from '../../src/backup/run.js';
import { effectiveSettings, parseConfig } from '../../src/config/index.js';
import { checkWrittenBackup } from '../../src/verify/index.js';
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

async function setup() {
  const sim = await testSimulator({ pool: E2E_POOL });
  const conn = await PoolConnection.open({ target: { url: sim.url, user: sim.user }, credentials: async (t) => ({ user: t.user, password: sim.password }), tls: trustSim(sim) });
  connections.push(conn);
  const dir = join(tempDir(), 'backups');
  mkdirSync(dir);
  const run = async (lines: string[], checkWritten: CheckWritten) => {
    const model = parseConfig([`backup_dir=${dir}`, ...lines, ''].join('\n'), { file: 't.cfg' }).model;
    const events: ProgressEvent[] = [];
    const summary = await runBackup({ conn, model, settings: effectiveSettings(model), source: 't.cfg', emit: (e) => events.push(e), signal: new AbortController().signal, checkWritten });
    return { summary, events, logs: events.flatMap((e) => (e.type === 'log' ? [e.message] : [])) };
  };
  return { sim, dir, run };
}

const datedFolders = (vmDir: string) => readdirSync(vmDir).filter((n) => n.startsWith('backup-')).sort();
const record = (folder: string) => JSON.parse(readFileSync(join(folder, 'vmbackup-verify.json'), 'utf8')) as { result: string; detail?: string };

it('re-reads each new backup after its marker: OK logged, the record written, the phases in order', async () => {
  const { sim, dir, run } = await setup();
  let calls = 0;
  const counted: CheckWritten = (...a) => (calls++, checkWrittenBackup(...a));
  const { summary, events, logs } = await run(['#vmbackup: verify_after=true', 'vm-export=web 01', 'vdi_export_format=vhd', 'vdi-export=db.example.com'], counted);
  expect(summary.counts).toEqual({ success: 2, warning: 0, error: 0 });
  expect(calls).toBe(2);
  for (const vm of ['web 01', 'db.example.com']) {
    const [folder] = datedFolders(join(dir, vm));
    expect(logs).toContainEqual(expect.stringMatching(new RegExp(`^verify_after: ${vm.replace('.', '\\.')}/${folder!.replace(/[()]/g, '\\$&')} read back from the disk: OK \\(\\d+ bytes\\)$`)));
    expect(record(join(dir, vm, folder!)).result).toBe('ok');
    const phases = events.filter((e) => e.type === 'phase' && e.vm === vm).map((e) => (e as { phase: string }).phase);
    // The stream's verify, then after the marker and the snapshot's removal the re-read, then retention.
    expect(phases).toEqual(['sweep', 'snapshot', 'export', 'verify', 'metadata', 'cleanup', 'verify', 'retention']);
  }
  expect(leftovers(sim)).toEqual([]);
}, 60_000);

it('without verify_after the re-read is never called, and no record is written', async () => {
  const { dir, run } = await setup();
  const never: CheckWritten = async () => {
    throw new Error('called without verify_after');
  };
  const { summary } = await run(['vm-export=web 01'], never);
  expect(summary.counts.success).toBe(1);
  const [folder] = datedFolders(join(dir, 'web 01'));
  expect(existsSync(join(dir, 'web 01', folder!, 'vmbackup-verify.json'))).toBe(false);
});

it('a write gone wrong: VERIFY_FAILED naming where, the backup kept with its failed record, no older backup deleted', async () => {
  const { sim, dir, run } = await setup();
  const lines = ['#vmbackup: verify_after=true', 'max_backups=1', 'vm-export=web 01'];
  const first = await run(lines, checkWrittenBackup);
  expect(first.summary.counts.success).toBe(1);
  const [good] = datedFolders(join(dir, 'web 01'));

  // Flips one byte in the middle of the XVA just written, as a bad write would, then reads back.
  const badWrite: CheckWritten = async (folder, vm, signal) => {
    const xva = readdirSync(folder).find((n) => n.endsWith('.xva'))!;
    const path = join(folder, xva);
    const at = Math.floor(statSync(path).size / 2);
    const fd = openSync(path, 'r+');
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, at);
    b[0] = b[0]! ^ 0xff;
    writeSync(fd, b, 0, 1, at);
    closeSync(fd);
    return checkWrittenBackup(folder, vm, signal);
  };
  const second = await run(lines, badWrite);
  const result = second.summary.vms[0]!;
  expect(result.status).toBe('failed');
  expect(result.error).toMatchObject({ code: 'VERIFY_FAILED', phase: 'verify' });
  expect(result.error!.message).toMatch(/^read back from the disk after the backup \(verify_after\): .*\.xva: (chunk checksum|content checksum|tar header|checksum member)/);
  expect(result.error!.hint).toMatch(/kept and no older backup was deleted/);

  // Both backups are there: the good one (max_backups=1 would have deleted it) and the new one, kept as written.
  const folders = datedFolders(join(dir, 'web 01'));
  expect(folders).toHaveLength(2);
  expect(folders[0]).toBe(good);
  const bad = join(dir, 'web 01', folders[1]!);
  expect(existsSync(join(bad, 'success'))).toBe(true);
  expect(record(bad)).toMatchObject({ result: 'failed' });
  expect(result.folder).toBe(`web 01/${folders[1]}`);
  expect(result.deleted).toEqual([]);

  // The next good run keeps max_backups=1 good backup (its own): the older good one goes, the
  // damaged one stays, neither counted nor deleted, and the run says so.
  const third = await run(lines, checkWrittenBackup);
  const r3 = third.summary.vms[0]!;
  expect(r3.status).toBe('warning');
  expect(r3.warnings).toEqual([expect.stringMatching(new RegExp(`^1 backup in web 01/ \\(${folders[1]!.replace(/[()]/g, '\\$&')}\\) failed its last vmbackup verify: kept, neither counted nor deleted by retention`))]);
  expect(r3.deleted).toEqual([`web 01/${good}`]);
  const after = datedFolders(join(dir, 'web 01'));
  expect(after).toHaveLength(2);
  expect(after[0]).toBe(folders[1]);
  expect(record(join(dir, 'web 01', after[1]!)).result).toBe('ok');
  expect(leftovers(sim)).toEqual([]);
}, 60_000);
