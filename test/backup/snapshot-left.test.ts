/**
 * Our own snapshot's disk refused by the pool after every retry (VDI_IN_USE): the backup counts
 * with a warning naming the disk's uuid, and the console log says it once (the VM's end lines
 * used to repeat every warning already logged).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { ProgressEvent } from '../../src/backup/events.js';
import { runBackup } from '../../src/backup/run.js';
import { effectiveSettings, parseConfig } from '../../src/config/index.js';
import { consoleLogger } from '../../src/report/console-log.js';
import { PoolConnection } from '../../src/xapi/connection.js';
import { tempDir } from '../helpers/cli.js';
import { E2E_POOL } from '../helpers/e2e.js';
import { stopAll, testSimulator } from '../helpers/sim.js';
import { trustSim } from '../helpers/trust.js';

const connections: PoolConnection[] = [];
afterEach(async () => {
  for (const c of connections.splice(0)) await c.close();
  await stopAll();
});

it('a snapshot disk the pool keeps: a warning with its uuid, logged once; the backup is kept', async () => {
  const sim = await testSimulator({ pool: E2E_POOL });
  const conn = await PoolConnection.open({ target: { url: sim.url, user: sim.user }, credentials: async (t) => ({ user: t.user, password: sim.password }), tls: trustSim(sim) });
  connections.push(conn);
  const dir = join(tempDir(), 'backups');
  mkdirSync(dir);
  const model = parseConfig([`backup_dir=${dir}`, 'vm-export=db.example.com', ''].join('\n'), { file: 't.cfg' }).model;
  sim.faults.vdiInUseOnDestroy(1_000);
  const lines: string[] = [];
  const log = consoleLogger((l) => lines.push(l.replace(/^\S+ - /, '')));
  const events: ProgressEvent[] = [];
  const summary = await runBackup({
    conn,
    model,
    settings: effectiveSettings(model),
    source: 't.cfg',
    emit: (e) => {
      events.push(e);
      log(e);
    },
    signal: new AbortController().signal,
    retry: { attempts: 2, delayMs: 1 },
  });

  const vm = summary.vms[0]!;
  expect(vm.status).toBe('warning');
  const left = sim.state.store.rows('VDI').filter((r) => r.record.is_a_snapshot === true && (r.record.other_config as Record<string, string>)['vmbackup:run'] !== undefined);
  expect(left).toHaveLength(1);
  const uuid = String(left[0]!.record.uuid);
  expect(vm.warnings).toEqual([expect.stringMatching(new RegExp(`^the snapshot [0-9a-f-]{36} is left on the pool \\(removing it failed: the disk snapshot ${uuid} could not be removed: .*VDI_IN_USE.*\\); it is tagged as ours, and the next run removes it$`))]);
  expect(lines.filter((l) => l.includes(uuid))).toEqual([`WARNING db.example.com: ${vm.warnings[0]}`]);
  expect(lines).toContainEqual(expect.stringMatching(/^VmBackup vm-export db\.example\.com - \*\*\*WARNING\*\*\* /));
}, 60_000);
