/**
 * The whole Backups flow in the app, against the simulator: back a VM up from the list, open
 * Backups with r, restore that backup with the options as they come, and find the restored VM
 * in the VM list when going back (the list reads the VMs again once the event-fed cache has
 * seen it). The pool then holds the new VM beside the original.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { SettingsStore } from '../../src/settings/store.js';
import { App } from '../../src/tui/app.js';
import { tempDir } from '../helpers/cli.js';
import { E2E_POOL } from '../helpers/e2e.js';
import { KEYS, press, waitForFrame } from '../helpers/ink-wait.js';
import { render } from '../helpers/render-tui.js';
import { testSimulator } from '../helpers/sim.js';
import { quitAppAfterEach, tuiTestIo } from '../helpers/tui-app.js';

const track = quitAppAfterEach();


it('back up scratch, r, restore it as a new VM, and the VM list shows it', async () => {
  const sim = await testSimulator({ pool: E2E_POOL });
  const home = tempDir();
  const io = tuiTestIo(home);
  const backupDir = join(home, 'backups');
  mkdirSync(backupDir);
  const exits: number[] = [];
  const ui = render(
    <App
      io={io}
      target={{ url: sim.url, user: sim.user }}
      trust={{ trust: [sim.fingerprint!] }}
      passwords={{ givenPassword: sim.password }}
      backupDir={backupDir}
      statusLog={join(home, 'status.log')}
      settings={() => SettingsStore.open(io.env)}
      onExit={(code) => exits.push(code)}
    />,
  );
  track({ ui, exits });
  const until = (test: (frame: string) => boolean) => waitForFrame(ui.lastFrame, test, 30_000);
  await until((f) => f.includes('4 of 4 VMs shown'));
  await waitForFrame(() => String(ui.stdin.listenerCount('readable')), (n) => n !== '0');

  // db.example.com, scratch, web 01, win/2019: the second one, backed up now.
  await press(ui.stdin, 'j', ' ', KEYS.enter);
  await until((f) => f.includes('Back up 1 VM'));
  await press(ui.stdin, 'y');
  await until((f) => f.includes('enter: summary'));
  await press(ui.stdin, KEYS.enter);
  await until((f) => f.includes('Run finished: SUCCESS'));
  await press(ui.stdin, KEYS.enter);
  await until((f) => f.includes('4 of 4 VMs shown'));

  await press(ui.stdin, 'r');
  let frame = await until((f) => f.includes(`Backups in ${backupDir}`));
  expect(frame).toContain('1 VM, 1 backup');
  expect(frame).toMatch(/^scratch {2}1 backup {2}uuid /m);
  expect(frame).toMatch(/❯ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d +XVA +\S+ \S+ +\S+ \S+ complete +not verified/);
  await press(ui.stdin, KEYS.enter);
  frame = await until((f) => f.includes('Continue: check the plan'));
  expect(frame).toMatch(/SR {9}Local storage \(.* free\)/);
  const name = /Name {7}(scratch \(restored [^)]+\))/.exec(frame)![1]!;
  await press(ui.stdin, KEYS.enter);
  frame = await until((f) => f.includes('Restore now? y/n'));
  expect(frame).toContain(name);
  await press(ui.stdin, 'y');
  await until((f) => f.includes('restored.  enter: summary'));
  await press(ui.stdin, KEYS.enter);
  frame = await until((f) => f.startsWith('Restored'));
  const uuid = new RegExp(`^VM ${name.replace(/[()]/g, '\\$&')}\n {3}uuid ([0-9a-f-]+)$`, 'm').exec(frame)?.[1];
  expect(uuid).toBeDefined();

  // Back in the list, the restored VM is a row; the pool holds it beside the original.
  await press(ui.stdin, KEYS.enter);
  frame = await until((f) => f.includes('5 of 5 VMs shown'));
  expect(frame).toContain(name);
  const vms = sim.state.store.rows('VM').map((r) => r.record).filter((v) => !v.is_a_template && !v.is_a_snapshot && !v.is_control_domain);
  expect(vms.find((v) => v.uuid === uuid)?.name_label).toBe(name);
  expect(vms.filter((v) => v.name_label === 'scratch')).toHaveLength(1);
}, 90_000);
