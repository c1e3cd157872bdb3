/**
 * What the tests of the whole app (App against a simulator) share: the process I/O it gets, and
 * its end: ctrl-c, as a user quits, so that it closes its connection before the simulator stops.
 */
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { CliIo } from '../../src/access/io.js';
import { waitForFrame } from './ink-wait.js';
import type { render } from './render-tui.js';
import { stopAll } from './sim.js';

/** An I/O with `home` as HOME and cwd, the settings under it, and no keychain (no D-Bus). */
export function tuiTestIo(home: string): CliIo {
  return {
    stdout: () => undefined,
    stderr: () => undefined,
    cwd: home,
    env: { PATH: process.env.PATH ?? '', HOME: home, VMBACKUP_SETTINGS_DIR: join(home, 'settings'), DBUS_SESSION_BUS_ADDRESS: '' },
    now: () => new Date(),
    onInterrupt: () => () => undefined,
  };
}

export interface RunningApp {
  ui: ReturnType<typeof render>;
  /** The exit codes the app reported (onExit). */
  exits: number[];
}

/** Ends `app` as ctrl-c does (unless it has exited already) and unmounts it. */
export async function quitApp(app: RunningApp | null): Promise<void> {
  if (!app) return;
  if (app.exits.length === 0) {
    app.ui.stdin.write('\x03');
    await waitForFrame(() => String(app.exits.length), (n) => n !== '0');
  }
  app.ui.unmount();
}

/**
 * For a test file of apps: after each test, the app last given to the returned function is
 * quit (quitApp), then every simulator stopped.
 */
export function quitAppAfterEach(): (app: RunningApp | null) => void {
  let running: RunningApp | null = null;
  afterEach(async () => {
    const app = running;
    running = null;
    await quitApp(app);
    await stopAll();
  });
  return (app) => (running = app);
}
