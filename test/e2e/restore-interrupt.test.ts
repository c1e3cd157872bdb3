/**
 * SIGTERM during `vmbackup restore`: the import task is cancelled, what the restore created is
 * removed, the exit code is 130. The VM's disk is 64 MiB of data, so the upload is still running
 * when the signal comes right after the log says the restore began (nothing is sent before it).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startVmbackup } from '../helpers/cli.js';
import { E2E_POOL, e2eEnv } from '../helpers/e2e.js';
import { stopAll } from '../helpers/sim.js';
import { poolArgs, poolCounts } from '../restore/e2e-helpers.js';

afterEach(stopAll);

describe('an interrupted restore', () => {
  it.each(['vm-export', 'vdi-export'])('%s: SIGTERM mid-upload cancels the import, removes what it made, exits 130', async (mode) => {
    const env = await e2eEnv({ pool: { ...E2E_POOL, vms: [...E2E_POOL.vms!, { name: 'big', power: 'Halted', disks: [{ size: '64MiB', density: 1 }] }] } });
    const b = await env.run(env.cfg('b.cfg', ['vdi_export_format=raw', `${mode}=big`]));
    expect(b.status, b.stdout + b.stderr).toBe(0);
    const dated = join(env.backupDir, 'big', readdirSync(join(env.backupDir, 'big'))[0]!);
    const before = poolCounts(env.sim);

    const run = startVmbackup(['restore', dated, ...poolArgs(env)], env.dir);
    await run.waitFor(/ - restoring /, 60_000);
    run.child.kill('SIGTERM');
    const done = await run.done;
    expect(done.status, done.stdout + done.stderr).toBe(130);
    expect(done.stdout).toMatch(/interrupted: cancelling the import and removing what it created/);
    expect(done.stdout).not.toMatch(/\*\*\*Success\*\*\*/);
    expect(done.stderr).toMatch(/vmbackup: error: the restore was interrupted; what it had created on the pool was removed/);
    expect(poolCounts(env.sim)).toEqual(before);
    const tasks = env.sim.state.store.rows('task').filter((t) => String(t.record.name_label).includes('restoring'));
    expect(tasks.map((t) => t.record.status)).not.toContain('pending');
  }, 120_000);
});
