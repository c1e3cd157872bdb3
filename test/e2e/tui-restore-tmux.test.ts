/**
 * The demo on a real terminal (tmux, 80×24), as the issue asks it to be reachable: `vmbackup tui
 * --demo`, back up one VM, r opens Backups (the demo's ./demo-backups), restore that backup with
 * the options as they come, and the restored VM is a row of the VM list. Ctrl-C in the list
 * quits, and the demo exits 0.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, tempDir } from '../helpers/cli.js';
import { hasTmux, startPane, type TmuxPane } from '../helpers/tmux.js';

const panes: TmuxPane[] = [];
afterEach(() => {
  for (const pane of panes.splice(0)) pane.kill();
});

// CI installs tmux (.ci/run); elsewhere a missing tmux skips with the reason.
const run = hasTmux() || process.env.CI === 'true';
if (!run) console.warn('tui-restore-tmux tests skipped: tmux is not installed (apt-get install tmux)');

describe.runIf(run)('the demo in tmux', () => {
  it('back up vpn-gateway, r, restore it, and the VM list shows the restored VM', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const env = {
      TZ: 'UTC',
      LANG: 'C.UTF-8',
      TERM: 'xterm-256color',
      // The simulator's state (certificate, password) in the scratch folder, never the real home.
      VMBACKUP_SIM_STATE_DIR: join(dir, 'sim-state'),
      HOME: dir,
      DBUS_SESSION_BUS_ADDRESS: '',
      CREDENTIALS_DIRECTORY: '',
    };
    const pane = startPane(`${process.execPath} ${BIN} tui --demo`, { cwd: dir, env });
    panes.push(pane);

    await pane.waitFor(/15 of 15 VMs shown/, 30_000);
    await pane.type('/vpn.*');
    await pane.keys('Enter');
    await pane.waitFor(/1 of 15 VMs shown/);
    await pane.keys('Space', 'Enter');
    await pane.waitFor(/Back up 1 VM/);
    await pane.keys('y');
    await pane.waitFor(/enter: summary/, 60_000);
    await pane.keys('Enter');
    await pane.waitFor(/Run finished: SUCCESS/);
    await pane.keys('Enter');
    await pane.waitFor(/1 of 15 VMs shown/);

    await pane.keys('r');
    let screen = await pane.waitFor(/Backups in .*demo-backups/);
    expect(screen).toMatch(/^vpn-gateway {2}1 backup {2}uuid /m);
    expect(screen).toMatch(/❯ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d +XVA .* complete +not verified/);
    await pane.keys('Enter');
    screen = await pane.waitFor(/Continue: check the plan/);
    expect(screen).toMatch(/SR {9}Local storage \(/);
    const name = /Name {7}(vpn-gateway \(restored [^)]+\))/.exec(screen)![1]!;
    await pane.keys('Enter');
    await pane.waitFor(/Restore now\? y\/n/);
    await pane.keys('y');
    await pane.waitFor(/restored\. {2}enter: summary/, 60_000);
    await pane.keys('Enter');
    screen = await pane.waitFor(/^Restored/m);
    expect(screen).toMatch(new RegExp(`^VM ${name.replace(/[()]/g, '\\$&')}\n {3}uuid [0-9a-f-]{36}\n`, 'm'));
    await pane.keys('Enter');
    // The list keeps its filter (vpn.*): the original and the restored VM.
    screen = await pane.waitFor(/2 of 16 VMs shown/);
    // Its name is cut to the column; the restored VM is halted, never backed up.
    expect(screen).toMatch(new RegExp(`\\[ \\] ${name.slice(0, 21).replace(/[()]/g, '\\$&')}[^\\n]* +halted +XVA .* never`));

    await pane.keys('C-c');
    await pane.waitFor(/EXIT=0/, 20_000);
    expect(existsSync(join(dir, 'demo-backups', 'vpn-gateway'))).toBe(true);
    expect(readdirSync(join(dir, 'demo-backups', 'vpn-gateway'))).toHaveLength(1);
  });
});
