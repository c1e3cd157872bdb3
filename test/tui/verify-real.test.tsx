/**
 * The Backups screen's verify with the real engine (src/verify/) on real backups: two VMs backed
 * up by a real run against the simulator, one byte of one XVA flipped in the middle. Both are
 * marked and verified from the list: the summary says OK for the untouched one and FAILED, with
 * the file and the byte, for the other; each folder gets its vmbackup-verify.json; and the list,
 * read again, shows `ok` and `FAILED` and why.
 */
import { openSync, readFileSync, readSync, readdirSync, statSync, writeSync, closeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { BackupsFlow } from '../../src/tui/screens/backups-flow.js';
import { e2eEnv } from '../helpers/e2e.js';
import { KEYS, press, waitForFrame } from '../helpers/ink-wait.js';
import { render } from '../helpers/render-tui.js';
import { stopAll } from '../helpers/sim.js';

let unmount: (() => void) | null = null;
afterEach(async () => {
  unmount?.();
  unmount = null;
  await stopAll();
});

/** Inverts the byte at the middle of `file`; returns its offset. */
function flipMiddle(file: string): number {
  const at = Math.floor(statSync(file).size / 2);
  const fd = openSync(file, 'r+');
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, at);
    b[0] = b[0]! ^ 0xff;
    writeSync(fd, b, 0, 1, at);
  } finally {
    closeSync(fd);
  }
  return at;
}

it('a good backup and one with a flipped byte: OK and FAILED on screen, a record beside each, the list shows both', { timeout: 90_000 }, async () => {
  const env = await e2eEnv();
  const run = await env.run(env.cfg('two.cfg', ['vm-export=web 01', 'vm-export=db.example.com']));
  expect(run.status).toBe(0);
  const folderOf = (vm: string) => join(env.backupDir, vm, readdirSync(join(env.backupDir, vm))[0]!);
  const db = folderOf('db.example.com');
  const web = folderOf('web 01');
  flipMiddle(join(db, 'db.example.com.xva'));

  const busy: boolean[] = [];
  const ui = render(<BackupsFlow backupDir={env.backupDir} conn={null} onBack={() => undefined} onList={() => undefined} onQuit={() => undefined} onBusy={(b) => busy.push(b)} size={{ columns: 80, rows: 24 }} />);
  unmount = ui.unmount;
  const until = (test: (frame: string) => boolean) => waitForFrame(ui.lastFrame, test, 60_000);
  let frame = await until((f) => f.includes(`Backups in ${env.backupDir}`) && f.includes('2 VMs'));
  expect(frame.match(/not verified/g)).toHaveLength(2);
  // db.example.com first (by name), web 01 below: mark both, verify.
  await press(ui.stdin, ' ', 'j', ' ', 'v');
  frame = await until((f) => /^Verify( cancelled)?:|^Verified/.test(f));
  const flat = frame.replace(/\n {6,8}/g, ' ');
  expect(frame.split('\n')[0]).toBe('Verify: 1 of 2 FAILED');
  expect(flat).toMatch(/^OK {6}web 01 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}\S+ \S+/m);
  expect(flat).toMatch(/^FAILED {2}db\.example\.com \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/m);
  // The file and where in it: a layer, a byte offset, the reason.
  expect(flat).toMatch(/^ {2}db\.example\.com\.xva: .+ at byte \d+.*: \S/m);
  expect(flat).toMatch(/^ {2}folder db\.example\.com\/backup-\S+$/m);
  expect(flat).toContain('2 checked: 1 OK, 1 FAILED');

  const record = (folder: string) => JSON.parse(readFileSync(join(folder, 'vmbackup-verify.json'), 'utf8')) as { result: string; detail?: string };
  expect(existsSync(join(web, 'vmbackup-verify.json'))).toBe(true);
  expect(record(web).result).toBe('ok');
  expect(record(db)).toMatchObject({ result: 'failed', detail: expect.stringContaining('db.example.com.xva') });
  // Nothing was deleted or renamed.
  expect(existsSync(join(db, 'db.example.com.xva'))).toBe(true);

  await press(ui.stdin, KEYS.enter);
  frame = await until((f) => f.includes(`Backups in ${env.backupDir}`) && !f.includes('not verified'));
  expect(frame).toMatch(/^ {3}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +XVA .* complete +FAILED \d{4}-\d\d-\d\d$/m);
  expect(frame).toMatch(/^ ❯ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d +XVA .* complete +ok \d{4}-\d\d-\d\d$/m);
  await press(ui.stdin, 'k');
  frame = await until((f) => f.includes('verify FAILED: db.example.com.xva'));
  expect(frame.split('\n').every((l) => l.length <= 80)).toBe(true);
  expect(busy.at(-1)).toBe(false);
});
