/**
 * The TUI on a real terminal (tmux, 80×24) against the simulator, as a person would use it:
 * connect, filter, pick two VMs, switch one to vdi-export, save the cfg, run and watch the bars
 * reach 100%; then the files are on disk, and the saved cfg run headless (`--config`) backs up
 * the same VMs in the same modes. Keys go in chunks where a person's would (a filter typed fast,
 * a held key, two Backspaces at once), and the window is resized under the list.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, tempDir, vmbackupAsync } from '../helpers/cli.js';
import { backupFolders, E2E_POOL, leftovers } from '../helpers/e2e.js';
import { stopAll, testSimulator } from '../helpers/sim.js';
import { hasTmux, startPane, type TmuxPane } from '../helpers/tmux.js';

const panes: TmuxPane[] = [];
afterEach(async () => {
  for (const pane of panes.splice(0)) pane.kill();
  await stopAll();
});

// CI installs tmux (.ci/run); elsewhere a missing tmux skips with the reason.
const run = hasTmux() || process.env.CI === 'true';
if (!run) console.warn('tui-tmux tests skipped: tmux is not installed (apt-get install tmux)');

describe.runIf(run)('the TUI in tmux', () => {
  it('connect, filter, pick two, one as vdi-export, save, run to 100%; the saved cfg runs headless with the same scope', { timeout: 120_000 }, async () => {
    const sim = await testSimulator({ pool: E2E_POOL });
    const dir = tempDir();
    const backupDir = join(dir, 'backups');
    mkdirSync(backupDir);
    const env = {
      TZ: 'UTC',
      LANG: 'C.UTF-8',
      TERM: 'xterm-256color',
      VMBACKUP_SETTINGS_DIR: join(dir, 'settings'),
      VMBACKUP_PASSWORD: sim.password,
      // No keychain on this terminal: the password comes from the environment.
      DBUS_SESSION_BUS_ADDRESS: '',
      CREDENTIALS_DIRECTORY: '',
    };
    const pane = startPane(`${process.execPath} ${BIN} tui --pool ${sim.url} --trust ${sim.fingerprint} --backup-dir ${backupDir} --status-log ${join(dir, 'status.log')}`, { cwd: dir, env });
    panes.push(pane);

    // 1. connect: straight to the list.
    let screen = await pane.waitFor(/4 of 4 VMs shown/);
    expect(screen).toContain(`vmbackup ${sim.url} as root`);
    expect(screen).not.toContain('Debian 12 template');
    // A held j arrives as "jjj": three moves.
    pane.chunk('jjj');
    await pane.waitFor(/> \[ \] win\/2019/);

    // 2. filter: a cfg selector regex, typed in one chunk with the / that opens it, two
    // characters too many taken back with two Backspaces in one chunk.
    pane.chunk('/(db|scr)xx');
    screen = await pane.waitFor(/filter \/\(db\|scr\)xx +0 match/);
    pane.chunk('\x7f\x7f');
    screen = await pane.waitFor(/filter \/\(db\|scr\) +2 match/);
    expect(screen).not.toContain('\x7f');
    await pane.keys('Enter');
    screen = await pane.waitFor(/2 of 4 VMs shown/);
    expect(screen).not.toContain('web 01');

    // 3. select two; 4. the second as vdi-export: one chunk.
    pane.chunk(' j m');
    screen = await pane.waitFor(/2 selected/);
    expect(screen).toMatch(/\[x\] db\.example\.com\s+halted\s+XVA/);
    expect(screen).toMatch(/\[x\] scratch\s+halted\s+VDI raw/);

    // 5. save: the choice is what the filter shows, so the filter is offered; then the path.
    await pane.keys('s');
    await pane.waitFor(/The VM names: exactly these VMs/);
    await pane.keys('Enter');
    await pane.waitFor(/File: /);
    // The path field takes a chunk too: ctrl-u clears it, the path is pasted with two
    // characters too many, and two Backspaces at once take them back.
    const cfgPath = join(dir, 'vmbackup.cfg');
    pane.chunk(`\x15${cfgPath}xx\x7f\x7f`);
    screen = await pane.waitFor((s) => s.split('\n').some((l) => l.trimEnd() === `File: ${cfgPath}`));
    expect(screen).not.toContain('\x7f');
    await pane.keys('Enter');
    screen = await pane.waitFor(/Run it headless:/);
    expect(screen).toContain(`Saved ${cfgPath}`);
    await pane.keys('Escape');
    await pane.waitFor(/2 selected/);

    // 6. run (after saying what it backs up), and the bars reach 100%.
    await pane.keys('Enter');
    await pane.waitFor(/Back up 2 VMs \(~6\.0 MiB\) now\? y\/n/);
    await pane.keys('y');
    screen = await pane.waitFor(/finished: SUCCESS/, 60_000);
    expect(screen).toMatch(/overall\s+█+\s+100%/);
    expect(screen).toMatch(/done\s+db\.example\.com\s+█+\s+100%/);
    expect(screen).toMatch(/done\s+scratch\s+█+\s+100%/);
    await pane.keys('Enter');
    screen = await pane.waitFor(/Run finished: SUCCESS/);
    expect(screen).toMatch(/S:2 W:0 E:0\s+exit code 0/);
    await pane.keys('q');
    await pane.waitFor(/EXIT=0/);

    // 7. the files are on disk.
    const [dbFolder] = backupFolders(backupDir, 'db.example.com');
    const [scratchFolder] = backupFolders(backupDir, 'scratch');
    expect(readdirSync(join(backupDir, 'db.example.com', dbFolder!))).toEqual(expect.arrayContaining(['db.example.com.xva', 'success']));
    expect(readdirSync(join(backupDir, 'scratch', scratchFolder!))).toEqual(expect.arrayContaining(['scratch.raw', 'success']));
    // The raw image is the whole 2 MiB disk.
    expect(statSync(join(backupDir, 'scratch', scratchFolder!, 'scratch.raw')).size).toBe(2 * 2 ** 20);
    expect(leftovers(sim)).toEqual([]);

    // 8. the saved cfg, headless: the same VMs in the same modes.
    const cfg = readFileSync(cfgPath, 'utf8');
    expect(cfg).toContain(`#vmbackup: pool=${sim.url}`);
    expect(cfg).toMatch(/vm-export=\(db\|scr\)/);
    // Not spawnSync: the simulator lives in this process and must answer meanwhile.
    const headless = await vmbackupAsync(['--config', cfgPath, '--json'], dir, env);
    expect(headless.status, headless.stderr).toBe(0);
    const report = JSON.parse(headless.stdout) as { vms: { name: string; mode: string; status: string }[] };
    expect(report.vms.map((v) => [v.name, v.mode, v.status]).sort()).toEqual([
      ['db.example.com', 'vm-export', 'success'],
      ['scratch', 'vdi-export', 'success'],
    ]);
    expect(backupFolders(backupDir, 'scratch')).toHaveLength(2);
    expect(existsSync(join(dir, 'status.log'))).toBe(true);
  });

  it('resizing redraws at once, leaves no old frame behind (in a run, through the summary, after quitting), and says when the window is too small', { timeout: 120_000 }, async () => {
    const sim = await testSimulator({ pool: E2E_POOL });
    // Slow exports: the run screen stays up while the window is resized under it.
    sim.faults.throttle(512 * 1024);
    const dir = tempDir();
    const env = { TZ: 'UTC', LANG: 'C.UTF-8', TERM: 'xterm-256color', VMBACKUP_SETTINGS_DIR: join(dir, 'settings'), VMBACKUP_PASSWORD: sim.password, DBUS_SESSION_BUS_ADDRESS: '', CREDENTIALS_DIRECTORY: '' };
    const pane = startPane(`${process.execPath} ${BIN} tui --pool ${sim.url} --trust ${sim.fingerprint} --backup-dir ${dir} --status-log ${join(dir, 'status.log')}`, { cwd: dir, env });
    panes.push(pane);
    await pane.waitFor(/4 of 4 VMs shown/);

    const lines = (screen: string, pattern: RegExp) => screen.split('\n').filter((l) => pattern.test(l)).length;
    // A frame left over from before a resize sits above the current one: each screen must start
    // on the top line with its own first line.
    const startsWith = (screen: string, pattern: RegExp) => pattern.test(screen.split('\n')[0]!);
    /** Where LAST stands in the list's header: the list's width. */
    const lastColumn = (screen: string) => (screen.split('\n').find((l) => l.includes('NAME')) ?? '').indexOf('LAST');
    const oneList = (s: string) => startsWith(s, /^vmbackup https:/) && lines(s, /NAME/) === 1 && lines(s, /VMs shown/) === 1 && lines(s, /db\.example\.com/) === 1 && lines(s, /q quit$/) === 1;
    /** The VM rows of the run screen (a status word, the name, a bar). */
    const runRows = (s: string) => lines(s, /^(waiting|export|done|failed)\s+(db\.example\.com|scratch)\s/);
    /** Only the notice is on screen (wrapped as the terminal wraps it). */
    const onlyNotice = (s: string, size: string) => s.split('\n').filter((l) => l.trim() !== '').join(' ').replace(/\s+/g, ' ').trim() === `terminal too small (need 80×24, this one is ${size}): make the window larger. vmbackup carries on meanwhile; ctrl-c quits (or cancels a run).`;

    // Wider and taller: the list reflows at once, no key pressed.
    pane.resize(120, 40);
    let screen = await pane.waitFor((s) => lastColumn(s) > 100 && oneList(s));
    pane.resize(90, 40);
    screen = await pane.waitFor((s) => lastColumn(s) > 0 && lastColumn(s) < 90);
    expect(oneList(screen), screen).toBe(true);

    // Too small: one notice; the list comes back as it was when the window grows again.
    pane.chunk(' ');
    await pane.waitFor(/1 selected/);
    pane.resize(60, 20);
    screen = await pane.waitFor(/terminal too small/);
    expect(onlyNotice(screen, '60×20'), screen).toBe(true);
    pane.resize(120, 40);
    screen = await pane.waitFor((s) => /1 selected/.test(s) && lastColumn(s) > 100);
    expect(oneList(screen), screen).toBe(true);
    expect(screen).toMatch(/> \[x\] db\.example\.com/);

    // A run at 120×40, the window shrunk under it: the terminal re-wraps the old frame onto more
    // lines than it had, and none of them may stay on screen.
    pane.chunk('j \r');
    await pane.waitFor(/Back up 2 VMs/);
    await pane.keys('y');
    await pane.waitFor(/^export\s+db\.example\.com\s/m);
    pane.resize(80, 40);
    await pane.waitFor((s) => startsWith(s, /^Backup: /) && lines(s, /^overall/) === 1 && runRows(s) === 2 && lines(s, /^log$/) === 1);
    pane.resize(80, 14);
    screen = await pane.waitFor(/terminal too small/);
    expect(onlyNotice(screen, '80×14'), screen).toBe(true);
    pane.resize(80, 24);
    screen = await pane.waitFor((s) => lines(s, /^overall/) === 1 && runRows(s) === 2);
    expect(startsWith(screen, /^Backup: /), screen).toBe(true);
    screen = await pane.waitFor(/finished: SUCCESS/, 60_000);
    expect(startsWith(screen, /^Backup: /), screen).toBe(true);
    await pane.keys('Enter');
    screen = await pane.waitFor(/Run finished: SUCCESS/);
    expect(startsWith(screen, /^Run finished: SUCCESS/), screen).toBe(true);

    // Quitting after a run whose choice was never saved asks first; then nothing old is left.
    await pane.keys('Enter');
    await pane.waitFor(/VMs shown/);
    await pane.keys('q');
    await pane.waitFor(/Quit without saving\? y\/n/);
    await pane.keys('y');
    screen = await pane.waitFor(/EXIT=0/);
    expect(startsWith(screen, /^Closing the connection/), screen).toBe(true);
  });

  it('without a terminal, `vmbackup` alone and `vmbackup tui` print one line about --config and exit 2', () => {
    for (const args of [[], ['tui']]) {
      const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^vmbackup: no terminal for the interactive interface; .*--config/);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });
});
