/**
 * The app shell around the list, against a simulator: backup_dir changed in the list goes into
 * the session and the settings and the ages are read from the new folder; a saved selection
 * lets q quit at once, a changed one asks first.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { render } from '../helpers/render-tui.js';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/access/io.js';
import { backupFolderName, vmFolderName } from '../../src/backup/layout.js';
import { SettingsStore } from '../../src/settings/store.js';
import { App } from '../../src/tui/app.js';
import { tempDir } from '../helpers/cli.js';
import { E2E_POOL } from '../helpers/e2e.js';
import { waitForFrame } from '../helpers/ink-wait.js';
import { testSimulator } from '../helpers/sim.js';
import { quitApp, quitAppAfterEach, tuiTestIo } from '../helpers/tui-app.js';

const track = quitAppAfterEach();


async function startApp(io: CliIo, sim: Awaited<ReturnType<typeof testSimulator>>, backupDir?: string) {
  const exits: number[] = [];
  const ui = render(
    <App
      io={io}
      target={{ url: sim.url, user: sim.user }}
      trust={{ trust: [sim.fingerprint!] }}
      passwords={{ givenPassword: sim.password }}
      {...(backupDir ? { backupDir } : {})}
      statusLog={join(io.cwd, 'status.log')}
      settings={() => SettingsStore.open(io.env)}
      onExit={(code) => exits.push(code)}
    />,
  );
  track({ ui, exits });
  await waitForFrame(ui.lastFrame, (f) => f.includes('4 of 4 VMs shown'));
  // The list takes keys once Ink reads the terminal.
  await waitForFrame(() => String(ui.stdin.listenerCount('readable')), (n) => n !== '0');
  const until = (test: (frame: string) => boolean) => waitForFrame(ui.lastFrame, test, 20_000);
  return { ui, exits, until };
}

describe('the app around the list', () => {
  it('b: the new backup_dir is the session’s, remembered in settings, and the ages come from it', async () => {
    const sim = await testSimulator({ pool: E2E_POOL });
    const home = tempDir();
    const first = join(home, 'first');
    const second = join(home, 'second');
    mkdirSync(first);
    // A finished backup of db.example.com in the second folder only, 3 hours old.
    const at = new Date(Date.now() - 3 * 3600_000 - 60_000);
    const folder = join(second, vmFolderName('db.example.com'), backupFolderName(at, 'legacy'));
    mkdirSync(folder, { recursive: true });
    // vm.cfg names the VM whose backup this is, as the engine writes it: the age column counts only the VM's own.
    const dbUuid = sim.state.store.rows('VM').find((v) => v.record.name_label === 'db.example.com')!.record.uuid;
    writeFileSync(join(folder, 'vm.cfg'), `name_label=db.example.com\norig_uuid=${dbUuid}\n`);
    writeFileSync(join(folder, 'success'), '');

    const io = tuiTestIo(home);
    const firstApp = await startApp(io, sim, first);
    const { ui, until } = firstApp;
    await until((f) => f.includes(`backups in ${first}`) && /db\.example\.com .* never/.test(f));
    ui.stdin.write('b');
    await until((f) => f.includes(`backup_dir: ${first}`));
    // A path relative to where vmbackup started.
    ui.stdin.write('\x15second\r');
    await until((f) => f.includes(`backups in ${second}`) && /db\.example\.com .* 3h/.test(f));
    expect(SettingsStore.open(io.env).lastBackupDir).toBe(second);
    // A folder that does not exist is taken, with a word about it.
    ui.stdin.write('b\x15~/third\r');
    await until((f) => f.includes(`backups in ${join(home, 'third')}`) && f.includes('does not exist yet'));
    await quitApp(firstApp);

    // The next start without --backup-dir uses the remembered one.
    const again = await startApp(io, sim);
    await again.until((f) => f.includes(`backups in ${join(home, 'third')}`));
  }, 60_000);

  it('q quits at once after the selection was saved, and asks once it changed', async () => {
    const sim = await testSimulator({ pool: E2E_POOL });
    const home = tempDir();
    const io = tuiTestIo(home);
    const { ui, exits, until } = await startApp(io, sim, home);
    ui.stdin.write(' ');
    await until((f) => f.includes('1 selected'));
    ui.stdin.write('s');
    await until((f) => f.includes('File: '));
    ui.stdin.write('\r');
    await until((f) => f.includes('Run it headless:'));
    ui.stdin.write('\r');
    await until((f) => f.includes('1 selected'));
    // Changed after the save: asks; n keeps the list.
    ui.stdin.write('j q');
    await until((f) => f.includes('Quit without saving? y/n'));
    ui.stdin.write('n');
    await until((f) => !f.includes('y/n') && f.includes('2 selected'));
    // As saved again: quits at once.
    ui.stdin.write(' q');
    await until(() => exits.length === 1);
    expect(exits).toEqual([0]);
  }, 60_000);
});
