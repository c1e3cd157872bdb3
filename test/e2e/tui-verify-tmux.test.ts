/**
 * Verify from the Backups screen on a real terminal (tmux, 80×24), the real process and engine:
 * `vmbackup tui --demo`, back up one VM, r opens Backups, v verifies it (OK, and the list then
 * says `ok <date>`); one byte of the XVA is flipped on the disk, v again says FAILED with the file
 * and the byte, and the list shows FAILED and why. Ctrl-C in the list quits: the demo exits 0
 * (no verify, timer or child keeps it alive).
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
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
if (!run) console.warn('tui-verify-tmux tests skipped: tmux is not installed (apt-get install tmux)');

function flipMiddle(file: string): void {
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
}

describe.runIf(run)('verify in the demo, in tmux', () => {
  it('back up vpn-gateway, r, v: OK; a byte flipped, v: FAILED; the list shows each; ctrl-c exits 0', { timeout: 120_000 }, async () => {
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
    expect(screen).toMatch(/❯ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d +XVA .* complete +not verified/);
    expect(screen).toMatch(/spc mark v verify/);
    await pane.keys('v');
    screen = await pane.waitFor(/^Verified: the backup is OK/m, 60_000);
    expect(screen).toMatch(/^OK {6}vpn-gateway \d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}\S+ \S+/m);
    await pane.keys('Enter');
    screen = await pane.waitFor(/complete +ok \d{4}-\d\d-\d\d/);
    const folder = join(dir, 'demo-backups', 'vpn-gateway', readdirSync(join(dir, 'demo-backups', 'vpn-gateway'))[0]!);
    expect(JSON.parse(readFileSync(join(folder, 'vmbackup-verify.json'), 'utf8'))).toMatchObject({ result: 'ok' });

    const xva = readdirSync(folder).find((f) => /\.xva(\.gz|\.zst)?$/.test(f))!;
    flipMiddle(join(folder, xva));
    await pane.keys('v');
    screen = await pane.waitFor(/^Verify: 1 of 1 FAILED/m, 60_000);
    expect(screen).toMatch(/^FAILED {2}vpn-gateway /m);
    expect(screen.replace(/\n {6}/g, ' ')).toContain(`  ${xva}: `);
    expect(screen).toMatch(/at byte \d+/);
    await pane.keys('Enter');
    screen = await pane.waitFor(/complete +FAILED \d{4}-\d\d-\d\d/);
    expect(screen).toContain(`verify FAILED: ${xva}: `);
    expect(JSON.parse(readFileSync(join(folder, 'vmbackup-verify.json'), 'utf8'))).toMatchObject({ result: 'failed' });
    // Kept as it is: a failed verify never deletes or renames.
    expect(readdirSync(folder)).toContain(xva);

    await pane.keys('C-c');
    await pane.waitFor(/EXIT=0/, 20_000);
  });
});
