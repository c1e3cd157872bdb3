/**
 * Backups before a pool: the connect screen's "Backups" choice browses backup_dir without a
 * connection; picking a backup asks for a pool, and once connected its options open at once.
 * Here a raw vdi-export backup (made headless) is restored and attached to another VM, which
 * then has one more disk on the pool.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { CliIo } from '../../src/access/io.js';
import { SettingsStore } from '../../src/settings/store.js';
import { App } from '../../src/tui/app.js';
import { e2eEnv } from '../helpers/e2e.js';
import { KEYS, press, waitForFrame } from '../helpers/ink-wait.js';
import { render } from '../helpers/render-tui.js';
import { quitAppAfterEach, tuiTestIo } from '../helpers/tui-app.js';

const track = quitAppAfterEach();

it('connect screen → Backups → pick a raw backup → connect → its options; attached to scratch as a new disk', async () => {
  const env = await e2eEnv();
  const done = await env.run(env.cfg('raw.cfg', ['vdi-export=db.example.com']));
  expect(done.status).toBe(0);
  const io: CliIo = {
    stdout: () => undefined,
    stderr: () => undefined,
    cwd: env.dir,
    env: { PATH: process.env.PATH ?? '', HOME: env.dir, VMBACKUP_SETTINGS_DIR: join(env.dir, 'settings'), DBUS_SESSION_BUS_ADDRESS: '' },
    now: () => new Date(),
    onInterrupt: () => () => undefined,
  };
  SettingsStore.open(io.env).rememberPool({ url: env.sim.url, user: env.sim.user });
  const exits: number[] = [];
  const ui = render(
    <App
      io={io}
      trust={{ trust: [env.sim.fingerprint!] }}
      passwords={{ givenPassword: env.sim.password }}
      backupDir={env.backupDir}
      statusLog={env.statusLog}
      settings={() => SettingsStore.open(io.env)}
      onExit={(code) => exits.push(code)}
    />,
  );
  track({ ui, exits });
  const until = (test: (frame: string) => boolean) => waitForFrame(ui.lastFrame, test, 30_000);
  let frame = await until((f) => f.includes('Known pools:'));
  expect(frame).toContain(`Backups: browse ${env.backupDir}`);
  await waitForFrame(() => String(ui.stdin.listenerCount('readable')), (n) => n !== '0');
  await press(ui.stdin, KEYS.down, KEYS.down, KEYS.enter);
  frame = await until((f) => f.includes(`Backups in ${env.backupDir}`));
  expect(frame).toContain('(no pool connected)');
  expect(frame).toMatch(/^db\.example\.com {2}1 backup/m);
  expect(frame).toMatch(/❯ .* VDI raw .* complete/);
  await press(ui.stdin, KEYS.enter);
  frame = await until((f) => f.includes('Connect to the pool to restore into'));
  await press(ui.stdin, KEYS.enter);
  frame = await until((f) => f.includes('Restore db.example.com'));
  expect(frame).toMatch(/Attach to {2}none: leave the disk unattached/);
  // The VM menu: none, db.example.com, scratch, ...; 3 picks scratch.
  await press(ui.stdin, KEYS.up, KEYS.enter);
  await until((f) => f.includes('Attach the disk to'));
  await press(ui.stdin, '3');
  await until((f) => /Attach to {2}scratch \(next free device\)/.test(f));
  await press(ui.stdin, KEYS.down, KEYS.enter);
  frame = await until((f) => f.includes('Restore now? y/n'));
  expect(frame).toContain('scratch');
  const scratchDisks = () => {
    const store = env.sim.state.store;
    const vm = store.rows('VM').find((v) => v.record.name_label === 'scratch')!;
    return store.rows('VBD').filter((b) => b.record.VM === vm.ref && b.record.type === 'Disk').length;
  };
  expect(scratchDisks()).toBe(1);
  await press(ui.stdin, 'y');
  await until((f) => f.includes('restored.  enter: summary'));
  await press(ui.stdin, KEYS.enter);
  frame = await until((f) => f.startsWith('Restored'));
  expect(frame).toMatch(/^VDI db\.example\.com .*\(restored .* on SR Local storage\n {3}uuid [0-9a-f-]{36}\nattached to the VM scratch \(uuid /m);
  expect(scratchDisks()).toBe(2);
  await press(ui.stdin, KEYS.enter);
  await until((f) => f.includes('4 of 4 VMs shown'));
}, 90_000);
