import { createClient, type Xapi } from 'xen-api';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../src/sim/index.js';
import type { PoolFixture } from '../../src/sim/pool/fixture.js';

export const SMALL_POOL: PoolFixture = {
  name: 'test pool',
  hosts: [{ name: 'xcp1' }, { name: 'xcp2' }],
  srs: [{ name: 'Local storage', size: '1TiB', default: true }, { name: 'NFS', type: 'nfs', shared: true, size: '4TiB' }],
  vms: [
    { name: 'web 01', power: 'Running', disks: [{ size: '8MiB', density: 0.6 }, { size: '3MiB' }], snapshots: ['before upgrade'] },
    { name: 'db.example.com', power: 'Halted', disks: [{ size: '5MiB', density: 1 }] },
    { name: 'Debian 12 template', template: true, disks: [{ size: '4MiB' }] },
  ],
};

/** A simulator that answers fast: no 5 s delay on bad logins, progress on every step. */
export function testSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  return startSimulator({ pool: SMALL_POOL, loginFailureDelayMs: 0, progressIntervalMs: 0, ...opts });
}

export function clientFor(sim: Simulator, opts: Partial<Parameters<typeof createClient>[0]> = {}): Xapi {
  return createClient({
    url: sim.url,
    auth: { user: sim.user, password: sim.password },
    allowUnauthorized: true,
    eventPollDelay: 100,
    callTimeout: 10_000,
    ...opts,
  });
}

/** Disconnects, then lets the fire-and-forget logout land before the server goes away. */
export async function shutdown(xapi: Xapi | undefined, sim: Simulator | undefined): Promise<void> {
  if (xapi && xapi.status !== 'disconnected') await xapi.disconnect();
  await new Promise((r) => setTimeout(r, 100));
  await sim?.close();
}
