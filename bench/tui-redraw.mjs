#!/usr/bin/env node
/**
 * The run screen under a flood of engine events: bytes events as fast as the event loop allows
 * for 3 s (far more than a 1 GB/s stream sends), and how many frames the screen drew meanwhile.
 * The target is at most 10 redraws per second whatever the event rate.
 *
 *   npm run build && node bench/tui-redraw.mjs
 */
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { RunScreen } from '../dist/src/tui/screens/run.js';

const MiB = 2 ** 20;
const SECONDS = 3;
const vms = ['web-01', 'web-02', 'db-primary', 'mail'].map((name) => ({ name, uuid: `u-${name}`, mode: 'vm-export', maxBackups: 4, estimate: 4096 * MiB }));
let events = 0;
let frames = 0;

const start = (emit, signal) =>
  new Promise((resolve) => {
    emit({ type: 'run-start', at: new Date(), vms, scope: { entries: [], errors: [], warnings: [] }, poolDb: false });
    vms.forEach((vm, index) => {
      emit({ type: 'vm-start', vm, index });
      emit({ type: 'phase', vm: vm.name, phase: 'export' });
    });
    const until = Date.now() + SECONDS * 1000;
    let done = 0;
    const burst = () => {
      for (let i = 0; i < 200; i++) {
        done += 256 * 1024;
        for (const vm of vms) emit({ type: 'bytes', vm: vm.name, done, estimate: vm.estimate, rate: 1e9 });
        events += vms.length;
      }
      if (Date.now() < until && !signal.aborted) setImmediate(burst);
      else {
        const summary = { startedAt: '', finishedAt: '', host: 'h', pool: { name: 'p', url: 'u' }, backupDir: '/b', vms: [], poolDb: null, problems: [], counts: { success: 0, warning: 0, error: 0 }, status: 'SUCCESS', interrupted: false };
        resolve({ summary, exitCode: 0, files: { log: null, json: null, warnings: [] } });
      }
    };
    setImmediate(burst);
  });

const ui = render(createElement(RunScreen, { start, title: 'bench', onFinished: () => undefined, onFrame: () => frames++ }));
await new Promise((r) => setTimeout(r, SECONDS * 1000 + 500));
const written = ui.frames.length;
ui.unmount();
console.log(`events: ${events} in ${SECONDS} s (${Math.round(events / SECONDS)}/s)`);
console.log(`progress redraws: ${frames} (${(frames / SECONDS).toFixed(1)}/s; target <= 10/s); frames written by Ink: ${written}`);
console.log(`ratio redraws/s : 10 = ${(frames / SECONDS / 10).toFixed(2)}`);
