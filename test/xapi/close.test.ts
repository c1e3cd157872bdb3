/**
 * Quitting: the demo closes our connection and then stops its in-process pool at once. The
 * logout must reach the pool and end the pending event.from, so that xen-api's event loop parks
 * instead of logging a socket error at the user.
 */
import { afterEach, expect, it } from 'vitest';
import { PoolConnection } from '../../src/xapi/connection.js';
import { stopAll, testSimulator } from '../helpers/sim.js';
import { trustSim } from '../helpers/trust.js';

afterEach(stopAll);

it('closing the connection and then the pool logs nothing', async () => {
  const sim = await testSimulator();
  const conn = await PoolConnection.open({ target: { url: sim.url, user: sim.user }, credentials: async (t) => ({ user: t.user, password: sim.password }), tls: trustSim(sim) });
  const warned: unknown[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => void warned.push(args[0]);
  try {
    await conn.close();
    await sim.close();
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    console.warn = original;
  }
  expect(warned).toEqual([]);
  expect(sim.calls.named('session.logout')).toHaveLength(1);
});
