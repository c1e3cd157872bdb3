/**
 * Delta backups in the TUI, against the simulator: `m` to delta, two backups with a change to
 * the running VM's disks between them, the CHAIN column after each, the Backups screen showing
 * both points of the chain, and the newer point restored as a new VM whose disks hold the bytes
 * the source had when it was taken (sha256 of the pool's raw exports).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { SettingsStore } from '../../src/settings/store.js';
import { App } from '../../src/tui/app.js';
import { tempDir } from '../helpers/cli.js';
import { DELTA_POOL, sourceDisks } from '../helpers/delta.js';
import { rawOf, writeBlocks } from '../helpers/disk-writes.js';
import { KEYS, press, waitForFrame } from '../helpers/ink-wait.js';
import { render } from '../helpers/render-tui.js';
import { testSimulator } from '../helpers/sim.js';
import { quitAppAfterEach, tuiTestIo } from '../helpers/tui-app.js';
import { diskRefs } from '../restore/e2e-helpers.js';

const track = quitAppAfterEach();

it('m to delta, back up twice, the chain column and the Backups screen show the chain; the newer point restores to its bytes', async () => {
  const sim = await testSimulator({ pool: DELTA_POOL });
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
  await until((f) => f.includes('1 of 1 VMs shown'));
  await waitForFrame(() => String(ui.stdin.listenerCount('readable')), (n) => n !== '0');

  await press(ui.stdin, ' ', 'm', 'm', 'm');
  await until((f) => /\[x\] app +running +delta /.test(f));
  const backUp = async (chain: string) => {
    await press(ui.stdin, KEYS.enter);
    await until((f) => f.includes('Back up 1 VM'));
    await press(ui.stdin, 'y');
    await until((f) => f.includes('enter: summary'));
    await press(ui.stdin, KEYS.enter);
    await until((f) => f.includes('Run finished: SUCCESS'));
    await press(ui.stdin, KEYS.enter);
    await until((f) => f.includes('1 of 1 VMs shown') && new RegExp(`app +running +delta .* ${chain.replace('+', '\\+')}( |$)`, 'm').test(f));
  };
  await backUp('full');
  const disks = sourceDisks({ sim }, 'app');
  await writeBlocks(sim, disks[0]!, [2, 9], 5);
  await writeBlocks(sim, disks[1]!, [1], 6);
  const expected = [await rawOf(sim, disks[0]!), await rawOf(sim, disks[1]!)];
  await backUp('+1');

  await press(ui.stdin, 'r');
  let frame = await until((f) => f.includes(`Backups in ${backupDir}`) && f.includes('1 VM, 2 backups'));
  expect(frame).toMatch(/❯ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d +delta \+1 /);
  expect(frame).toMatch(/ {3}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +delta \+0 /);
  await press(ui.stdin, KEYS.enter);
  frame = await until((f) => f.includes('Continue: check the plan'));
  await press(ui.stdin, KEYS.enter);
  await until((f) => f.includes('Restore now? y/n'));
  await press(ui.stdin, 'y');
  await until((f) => f.includes('restored.  enter: summary'));
  await press(ui.stdin, KEYS.enter);
  frame = await until((f) => f.startsWith('Restored'));
  const uuid = /^ {3}uuid ([0-9a-f-]{36})$/m.exec(frame)?.[1];
  expect(uuid).toBeDefined();
  const row = sim.state.store.byUuid('VM', uuid!)!;
  const shas: string[] = [];
  for (const ref of diskRefs(sim, row.ref)) shas.push(await rawOf(sim, String(sim.state.store.get(ref)!.record.uuid)));
  expect(shas).toEqual(expected);
}, 90_000);
