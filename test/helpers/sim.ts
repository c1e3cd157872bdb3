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

// Everything a test starts, so that one `afterEach(stopAll)` stops it.
const liveSims = new Set<Simulator>();
const liveClients = new Set<Xapi>();

/** A simulator that answers fast: no 5 s delay on bad logins, progress on every step. */
export async function testSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const sim = await startSimulator({ pool: SMALL_POOL, loginFailureDelayMs: 0, progressIntervalMs: 0, ...opts });
  liveSims.add(sim);
  return sim;
}

export function clientFor(sim: Simulator, opts: Partial<Parameters<typeof createClient>[0]> = {}): Xapi {
  const client = createClient({
    url: sim.url,
    auth: { user: sim.user, password: sim.password },
    allowUnauthorized: true,
    eventPollDelay: 100,
    callTimeout: 10_000,
    ...opts,
  });
  liveClients.add(client);
  return client;
}

/** A client of `sim` that has logged in and read the pool (over `transport`, else the client's choice). */
export async function connectedClient(sim: Simulator, transport?: 'json-rpc' | 'xml-rpc'): Promise<Xapi> {
  const xapi = clientFor(sim, transport ? { transport } : {});
  await xapi.connect();
  await xapi.objectsFetched;
  return xapi;
}

/** The XAPI error a call fails with; throws when it succeeds. */
export async function rejection(promise: Promise<unknown>): Promise<{ code: string; params: string[] }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; params: string[] };
  }
  throw new Error('expected a failure');
}

/**
 * Disconnects every client a test made, lets their fire-and-forget logouts land, then closes
 * every simulator it started.
 */
export async function stopAll(): Promise<void> {
  const clients = [...liveClients];
  liveClients.clear();
  for (const client of clients) if (client.status !== 'disconnected') await client.disconnect();
  if (clients.length > 0) await new Promise((r) => setTimeout(r, 100));
  const sims = [...liveSims];
  liveSims.clear();
  await Promise.all(sims.map((sim) => sim.close()));
}
