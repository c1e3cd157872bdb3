// The select screen on a 100-VM and a 10,000-VM pool: time to the first frame, and time from a
// filter keystroke to the frame that shows its result. Prints the ratio 10,000 / 100 for each;
// the target is ≤ 1.5 (the list renders only its window, so only the O(n) filter pass grows).
// Runs the built code: `npm run build && node bench/tui-scale.mjs`.
import { performance } from 'node:perf_hooks';
import React from 'react';
import { render } from 'ink-testing-library';
import { KeyRouter } from '../dist/src/tui/hooks/use-keys.js';
import { SelectScreen } from '../dist/src/tui/screens/select.js';

const SIZES = [100, 10_000];
const RUNS = 5;
const KEYS = ['.', '*', '1', '2', '\u007f', '3', '$', '\u007f', '\u007f', '7'];

function rows(n) {
  const kinds = ['web', 'db', 'mail', 'build', 'café'];
  return Array.from({ length: n }, (_, i) => ({
    uuid: `uuid-${i}`,
    name: `${kinds[i % kinds.length]}-${String(i).padStart(5, '0')}.example.com`,
    powerState: i % 3 ? 'Running' : 'Halted',
    diskCount: 1 + (i % 3),
    diskBytes: (1 + (i % 50)) * 2 ** 30,
    lastBackup: i % 4 ? new Date(Date.now() - i * 60_000) : null,
  }));
}

const base = { poolUrl: 'https://pool.example', user: 'root', backupDir: '/srv/backups', statusLog: '/srv/status.log' };
const noop = () => undefined;

/** Polls until the frame differs from `before` (each poll yields to Ink's render). */
async function nextFrame(app, before) {
  for (let i = 0; i < 100_000; i++) {
    const frame = app.lastFrame();
    if (frame !== before) return frame;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('no new frame');
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(n) {
  const data = rows(n);
  const first = [];
  const keystroke = [];
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now();
    // Inside the key router, as the TUI draws it (tui/main.tsx).
    const app = render(React.createElement(KeyRouter, null, React.createElement(SelectScreen, { rows: data, base, size: { columns: 80, rows: 24 }, onRun: noop, onPreview: noop, onSave: noop, onQuit: noop })));
    await nextFrame(app, undefined);
    first.push(performance.now() - t0);
    app.stdin.write('/');
    await nextFrame(app, app.lastFrame());
    // One key per write, each awaited to its frame, 5 ms apart (a fast typist's keys are ~50 ms
    // apart): back to back, a 10,000-VM keystroke also pays for the garbage the key before left.
    for (const key of KEYS) {
      await new Promise((r) => setTimeout(r, 5));
      const before = app.lastFrame();
      const t = performance.now();
      app.stdin.write(key);
      await nextFrame(app, before);
      keystroke.push(performance.now() - t);
    }
    app.unmount();
  }
  return { first: median(first), keystroke: median(keystroke) };
}

const results = {};
for (const n of SIZES) {
  results[n] = await measure(n);
  console.log(`${String(n).padStart(6)} VMs: first frame ${results[n].first.toFixed(2)} ms, filter keystroke to frame ${results[n].keystroke.toFixed(2)} ms (median)`);
}
const [small, large] = SIZES.map((n) => results[n]);
const ratio = (a, b) => (b / a).toFixed(2);
console.log(`ratio 10,000/100: first frame ${ratio(small.first, large.first)}, filter keystroke ${ratio(small.keystroke, large.keystroke)} (target <= 1.5)`);
