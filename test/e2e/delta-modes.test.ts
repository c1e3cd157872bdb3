/**
 * A VM moving in and out of delta mode, with the real executable: full_every makes a planned
 * full (a log line, exit 0, no warning); a cfg that drops `delta=` backs the VM up as an XVA and
 * removes its base snapshot, so no snapshot of ours stays on the SR for good; `list` shows each
 * point's place in its chain.
 */
import { afterEach, expect, it } from 'vitest';
import { DELTA_POOL, dated, ours, recordOf } from '../helpers/delta.js';
import { e2eEnv, messages } from '../helpers/e2e.js';
import { stopAll } from '../helpers/sim.js';
import { vmbackupAsync } from '../helpers/cli.js';

afterEach(stopAll);

it('full_every=2 gives a planned full; dropping delta= removes the base; list shows the chain', async () => {
  const env = await e2eEnv({ pool: DELTA_POOL });
  const delta = env.cfg('d.cfg', ['max_backups=10', 'vm-export=app', '#vmbackup: delta=app', '#vmbackup: full_every=2']);
  const kinds: string[] = [];
  for (let k = 0; k < 3; k++) {
    const r = await env.run(delta);
    expect(r.status, r.stdout).toBe(0);
    const newest = dated(env, 'app').at(-1)!;
    kinds.push(recordOf(env, 'app', newest).disks.map((d) => d.kind).join('+'));
    if (k === 2) expect(messages(r.stdout)).toContainEqual(expect.stringMatching(/^a full backup of every disk: full_every=2 is reached \(the chain of backup-\S+ has 1 delta\)$/));
  }
  expect(kinds).toEqual(['full+full', 'diff+diff', 'full+full']);
  const [p0, , p2] = dated(env, 'app');

  const list = await vmbackupAsync(['list', '--backup-dir', env.backupDir], env.dir);
  expect(list.status).toBe(0);
  expect(list.stdout).toContain(`chain: depth 1, parent ${p0}; xvda diff, xvdb diff`);
  expect(list.stdout.match(/chain: a full \(depth 0\); xvda full, xvdb full/g)).toHaveLength(2);
  expect(ours(env)).toEqual([`VDI ${p2}`, `VDI ${p2}`, `VM ${p2}`]);

  const plain = env.cfg('x.cfg', ['max_backups=10', 'vm-export=app']);
  const r = await env.run(plain);
  expect(r.status, r.stdout).toBe(0);
  expect(messages(r.stdout)).toContainEqual(expect.stringMatching(/^cleanup of a leftover from an earlier run: the previous delta base snapshot \S+ \(of backup-/));
  expect(ours(env)).toEqual([]);
});
