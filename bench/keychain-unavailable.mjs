#!/usr/bin/env node
// How long the keychain takes to say "unavailable" in each way it can be, and a working
// round trip for comparison (the target: about 100 ms; a wedged bus is cut off by the timeout).
// Needs gnome-keyring and dbus-run-session for the bus cases.
//
//   npm run build && node bench/keychain-unavailable.mjs [repeats]
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keychain } from '../dist/src/secrets/keychain.js';
import { startPrivateBus } from '../dist/test/helpers/keyring.js';

const repeats = Number(process.argv[2] ?? 5);

async function time(label, env, op = (k) => k.get('root@bench')) {
  const keychain = new Keychain({ env: { PATH: process.env.PATH, ...env } });
  const times = [];
  let outcome = '';
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    try {
      outcome = `ok (${JSON.stringify(await op(keychain))})`;
    } catch (err) {
      outcome = err.reason ?? err.message;
    }
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(`${label.padEnd(28)} median ${median.toFixed(0).padStart(4)} ms, max ${times.at(-1).toFixed(0).padStart(4)} ms: ${outcome}`);
}

await time('no DBUS_SESSION_BUS_ADDRESS', {});
await time('bus socket gone', { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });

let bus = await startPrivateBus({ keyring: 'none' });
await time('bus without Secret Service', bus.env);
await bus.stop();

const home = mkdtempSync(join(tmpdir(), 'vmbackup-bench-home-'));
bus = await startPrivateBus({ keyring: 'unlocked', home });
await time('unlocked: set', bus.env, (k) => k.set('root@bench', 'x'));
await time('unlocked: get', bus.env);
await bus.stop();
bus = await startPrivateBus({ keyring: 'locked', home });
await time('locked keyring', bus.env);
await bus.stop();
rmSync(home, { recursive: true, force: true });

const dir = mkdtempSync(join(tmpdir(), 'vmbackup-bench-wedged-'));
const server = createServer((socket) => socket.on('data', () => undefined));
await new Promise((resolve) => server.listen(join(dir, 'bus'), resolve));
await time('wedged bus (timeout)', { DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(dir, 'bus')}` });
server.close();
rmSync(dir, { recursive: true, force: true });
