#!/usr/bin/env node
/**
 * README screenshots from a real run: `npm run demo`'s TUI in tmux at 80×24, driven key by key,
 * captured as text into assets/tui-*.txt. Also prints how long the demo took to show its first
 * VM list (start of the process to the list on the screen, polled every 20 ms).
 *
 *   npm run build && node scripts/screenshots.mjs
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'vmbackup.js');
const session = `vmbackup-shots-${process.pid}`;
// A short, fixed folder: its path shows in the pictures.
const cwd = join(tmpdir(), 'vmbackup-demo');
rmSync(cwd, { recursive: true, force: true });
mkdirSync(cwd);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function tmux(...args) {
  const r = spawnSync('tmux', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const screen = () => tmux('capture-pane', '-p', '-t', session);
async function waitFor(test, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = screen();
    if (test(s)) return s;
    if (Date.now() > until) throw new Error(`timed out; the screen:\n${s}`);
    await sleep(20);
  }
}
/** One key per send-keys, as a person types (the VM list takes chunks too; other screens' inputs may not). */
async function keys(...list) {
  for (const k of list) {
    tmux('send-keys', '-t', session, k);
    await sleep(120);
  }
}
/** Trailing blank lines of the pane are not part of the picture. */
const save = (name, text) => {
  writeFileSync(join(root, 'assets', name), text.replace(/\s+$/, '') + '\n');
  console.log(`assets/${name}`);
};

try {
  const started = Date.now();
  tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', '-c', cwd, `env LANG=C.UTF-8 TERM=xterm-256color ${process.execPath} ${bin} tui --demo; sleep 600`);
  let s = await waitFor((t) => /15 of 15 VMs shown/.test(t));
  console.log(`first VM list on screen after ${Date.now() - started} ms (simulator start, certificate, login, list)`);

  // Choose: dns-1 as VDI raw (the simulator's task progress is exact for raw streams; for XVA
  // it counts only the non-empty chunks of its sparse disks), web-01 (keep 7) and web-02 as XVA.
  await sleep(200);
  await keys('/');
  for (const ch of '(web|dns-1)') {
    tmux('send-keys', '-t', session, '-l', ch);
    await sleep(60);
  }
  await waitFor((t) => /3 match/.test(t));
  await keys('Enter', 'Space', 'm', 'j', 'Space', '+', '+', '+', 'j', 'Space');
  s = await waitFor((t) => /3 selected/.test(t));
  save('tui-select.txt', s);

  await keys('Enter');
  await waitFor((t) => /now\? y\/n/.test(t));
  await keys('y');
  // Mid-run: the raw export well under way.
  s = await waitFor((t) => /^export\s.*\s[2-8]\d%.*MB\/s/m.test(t), 120_000);
  save('tui-run.txt', s);
  s = await waitFor((t) => /finished: /.test(t), 180_000);
  save('tui-run-done.txt', s);
  await keys('Enter');
  s = await waitFor((t) => /Run finished/.test(t));
  save('tui-summary.txt', s);
  await keys('q');
} finally {
  spawnSync('tmux', ['kill-session', '-t', session]);
  rmSync(cwd, { recursive: true, force: true });
}
