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
const liveClients = new Map<Xapi, Simulator>();

/** A simulator that answers fast: no 5 s delay on bad logins, progress on every step. */
export async function testSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  // EC certificates: made in ~15 ms where RSA takes ~200 (see SimulatorOptions.certificateKeys).
  const sim = await startSimulator({ pool: SMALL_POOL, loginFailureDelayMs: 0, progressIntervalMs: 0, certificateKeys: 'ec', ...opts });
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
  liveClients.set(client, sim);
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
 * Resolves with `test`'s first truthy value, checked now and after each change to the
 * simulator's database: a wait for a state, never for a time.
 */
export function whenStore<T>(sim: Simulator, test: () => T | null | undefined | false): Promise<T> {
  return new Promise((resolve) => {
    const now = test();
    if (now) return resolve(now);
    const off = sim.state.store.onChange(() => {
      const value = test();
      if (!value) return;
      off();
      resolve(value);
    });
  });
}

/** How long stopAll waits for a logout that never comes (a client that lost its session). */
const LOGOUT_WAIT_MS = 5_000;

/** Resolves when the simulator has ended the session (its logout arrived), or after LOGOUT_WAIT_MS. */
function loggedOut(sim: Simulator, sessionId: string | undefined): Promise<void> {
  const signal = sessionId ? sim.state.sessions.get(sessionId)?.closed.signal : undefined;
  if (!signal || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, LOGOUT_WAIT_MS);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/**
 * Disconnects every client a test made, waits for their fire-and-forget logouts to reach the
 * simulator, then closes every simulator it started.
 */
export async function stopAll(): Promise<void> {
  const clients = [...liveClients];
  liveClients.clear();
  const logouts: Promise<void>[] = [];
  for (const [client, sim] of clients) {
    if (client.status === 'disconnected') continue;
    logouts.push(loggedOut(sim, client.sessionId));
    await client.disconnect();
  }
  await Promise.all(logouts);
  const sims = [...liveSims];
  liveSims.clear();
  await Promise.all(sims.map((sim) => sim.close()));
}
