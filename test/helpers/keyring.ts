/**
 * A private D-Bus session for keychain tests, optionally with gnome-keyring's Secret Service on
 * it (stack-probe appendix): `dbus-run-session` starts the bus, `gnome-keyring-daemon --unlock`
 * reads the keyring password on stdin and creates (or opens) the login keyring in a throwaway
 * HOME. The session lives until stop() closes its stdin; the daemon exits with the bus.
 *
 * These tests must really run in CI: with CI=true a missing tool fails them (keyringTests()
 * returns true and start() throws); elsewhere they are skipped with the reason printed.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TOOLS = ['dbus-run-session', 'gnome-keyring-daemon'];

export function missingKeyringTools(): string[] {
  return TOOLS.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
}

/** Whether to run the keychain tests: always under CI=true (they fail if the tools are missing). */
export function keyringTests(): boolean {
  const missing = missingKeyringTools();
  if (missing.length === 0 || process.env.CI === 'true') return true;
  console.warn(`keychain tests skipped: ${missing.join(', ')} not installed (apt-get install gnome-keyring); with CI=true they fail instead`);
  return false;
}

export type BusKind =
  /** gnome-keyring with an unlocked login keyring. */
  | { keyring: 'unlocked'; home?: string }
  /** gnome-keyring whose login keyring stays locked (unlocked with the wrong password). */
  | { keyring: 'locked'; home: string }
  /** A bus on which nothing provides org.freedesktop.secrets, not even by activation. */
  | { keyring: 'none' };

export interface PrivateBus {
  /** DBUS_SESSION_BUS_ADDRESS, HOME and XDG_RUNTIME_DIR for child processes. */
  env: Record<string, string>;
  home: string;
  stop(): Promise<void>;
}

export const KEYRING_PASSWORD = 'ci-throwaway';

export async function startPrivateBus(kind: BusKind): Promise<PrivateBus> {
  const missing = missingKeyringTools();
  if (missing.length > 0) throw new Error(`keychain tests need ${missing.join(', ')}: apt-get install -y --no-install-recommends gnome-keyring dbus`);
  const home = 'home' in kind && kind.home ? kind.home : mkdtempSync(join(tmpdir(), 'vmbackup-keyring-home-'));
  const runtime = mkdtempSync(join(tmpdir(), 'vmbackup-keyring-run-'));
  const args = ['--'];
  if (kind.keyring === 'none') {
    // No <servicedir>: the installed gnome-keyring cannot be activated on this bus.
    const config = join(runtime, 'bus.conf');
    writeFileSync(
      config,
      `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:dir=${runtime}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy></busconfig>`,
    );
    args.unshift(`--config-file=${config}`);
  }
  const unlockWith = kind.keyring === 'locked' ? 'not-the-password' : KEYRING_PASSWORD;
  const script = [
    kind.keyring === 'none' ? ':' : `out=$(printf %s '${unlockWith}' | gnome-keyring-daemon --unlock --components=secrets) || true`,
    'printf "ADDRESS=%s\\n" "$DBUS_SESSION_BUS_ADDRESS"',
    'exec cat >/dev/null',
  ].join('\n');
  const child = spawn('dbus-run-session', [...args, 'sh', '-c', script], {
    env: { ...process.env, HOME: home, XDG_RUNTIME_DIR: runtime },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const address = await readAddress(child);
  const env = { DBUS_SESSION_BUS_ADDRESS: address, HOME: home, XDG_RUNTIME_DIR: runtime };
  return {
    env,
    home,
    async stop() {
      const closed = new Promise((resolve) => child.once('close', resolve));
      child.stdin?.end();
      await closed;
      rmSync(runtime, { recursive: true, force: true });
      if (!('home' in kind && kind.home)) rmSync(home, { recursive: true, force: true });
    },
  };
}

function readAddress(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /ADDRESS=(.+)\n/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.on('close', (code) => reject(new Error(`dbus-run-session ended (${code}) before the bus was up: ${err}`)));
  });
}
