/**
 * The connect screen against a real simulator over HTTPS: the same openPool a headless run uses,
 * with its questions (password, keychain, certificate) answered through the screen.
 */
import { join } from 'node:path';
import { render } from '../helpers/render-tui.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/access/io.js';
import { SettingsStore } from '../../src/settings/store.js';
import { hostPortOf } from '../../src/xapi/fingerprint.js';
import type { PoolConnection } from '../../src/xapi/connection.js';
import { ConnectScreen, poolUrlOf } from '../../src/tui/screens/connect.js';
import { KEYS, press, waitForFrame } from '../helpers/ink-wait.js';
import { keyringTests, startPrivateBus } from '../helpers/keyring.js';
import { stopAll, testSimulator } from '../helpers/sim.js';
import { tempDir } from '../helpers/cli.js';

const opened: PoolConnection[] = [];
let unmount: (() => void) | null = null;
afterEach(async () => {
  unmount?.();
  unmount = null;
  for (const conn of opened.splice(0)) await conn.close();
  await stopAll();
});

/** An io for the screen: scratch settings, no keychain bus unless given, nothing printed. */
function testIo(env: Record<string, string> = {}): CliIo & { printed: string[] } {
  const printed: string[] = [];
  return {
    printed,
    stdout: (t) => void printed.push(t),
    stderr: (t) => void printed.push(t),
    cwd: tempDir(),
    env: { PATH: process.env.PATH ?? '', HOME: tempDir(), VMBACKUP_SETTINGS_DIR: join(tempDir(), 'settings'), DBUS_SESSION_BUS_ADDRESS: '', ...env },
    now: () => new Date(),
    onInterrupt: () => () => undefined,
  };
}

async function type(stdin: { write(d: string): void }, text: string) {
  await press(stdin, ...[...text]);
}

function connectScreen(io: CliIo, extra: Partial<Parameters<typeof ConnectScreen>[0]> = {}) {
  const result: { conn: PoolConnection | null; quit: boolean; notes: string[] } = { conn: null, quit: false, notes: [] };
  const ui = render(
    <ConnectScreen
      io={io}
      trust={{}}
      passwords={{}}
      onConnected={(conn, _target, notes) => {
        opened.push(conn);
        result.conn = conn;
        result.notes = notes;
      }}
      onQuit={() => (result.quit = true)}
      {...extra}
    />,
  );
  unmount = ui.unmount;
  return { ui, result };
}

describe('poolUrlOf', () => {
  it('reads host names, host:port and URLs; refuses the rest', () => {
    expect(poolUrlOf('xcp1')).toBe('https://xcp1');
    expect(poolUrlOf('xcp1.example.com:8443')).toBe('https://xcp1.example.com:8443');
    expect(poolUrlOf('https://10.0.0.5/')).toBe('https://10.0.0.5');
    expect(poolUrlOf('ftp://x')).toBeNull();
    expect(poolUrlOf('  ')).toBeNull();
    expect(poolUrlOf('http://[bad')).toBeNull();
  });
});

describe('ConnectScreen', () => {
  it('a new pool: URL, user, masked password, the certificate shown and trusted once; nothing pinned', async () => {
    const sim = await testSimulator();
    const io = testIo();
    const { ui, result } = connectScreen(io);
    await waitForFrame(ui.lastFrame, (f) => f.includes('No known pools yet.'));
    await press(ui.stdin, KEYS.enter);
    await waitForFrame(ui.lastFrame, (f) => f.includes('Pool master URL:'));
    await type(ui.stdin, 'ftp://nope');
    await press(ui.stdin, KEYS.enter);
    await waitForFrame(ui.lastFrame, (f) => f.includes('is not a pool address'));
    await press(ui.stdin, ...Array<string>(10).fill(KEYS.backspace));
    await type(ui.stdin, sim.url);
    await press(ui.stdin, KEYS.enter);
    await waitForFrame(ui.lastFrame, (f) => /User: root/.test(f));
    await press(ui.stdin, KEYS.enter);

    // The certificate is asked about first (the pool answered); the password only once it is trusted.
    let frame = await waitForFrame(ui.lastFrame, (f) => f.includes('First contact with'));
    expect(frame).toContain(`fingerprint: ${sim.fingerprint}`);
    expect(frame).toMatch(/subject:\s+CN=/);
    expect(frame).toContain('Trust it once');
    expect(frame).not.toContain('Password for');
    expect(sim.calls.records).toEqual([]);
    await press(ui.stdin, KEYS.enter);

    frame = await waitForFrame(ui.lastFrame, (f) => f.includes(`Password for ${sim.user}@`));
    expect(sim.calls.named('session.login_with_password')).toHaveLength(0);
    await type(ui.stdin, sim.password);
    // Ink may draw the last key a frame later: wait for every star, then check no clear text.
    frame = await waitForFrame(ui.lastFrame, (f) => f.includes('*'.repeat(sim.password.length)));
    expect(frame).not.toContain(sim.password);
    await press(ui.stdin, KEYS.enter);

    await waitForFrame(ui.lastFrame, () => result.conn !== null);
    expect(result.conn!.vms().length).toBeGreaterThan(0);
    const settings = SettingsStore.open(io.env);
    expect(settings.knownPools()).toEqual([{ url: sim.url, user: 'root' }]);
    expect(settings.pinFor(hostPortOf(sim.url))).toBeUndefined();
    // Nothing went to the terminal behind Ink's back.
    expect(io.printed).toEqual([]);
  });

  it('"always" pins the certificate, and a known pool connects from the list without the question', async () => {
    const sim = await testSimulator();
    const io = testIo({ VMBACKUP_PASSWORD: '' });
    const first = connectScreen(io, { initial: { url: sim.url, user: sim.user } });
    await waitForFrame(first.ui.lastFrame, (f) => f.includes('First contact with'));
    await press(first.ui.stdin, KEYS.down, KEYS.enter);
    await waitForFrame(first.ui.lastFrame, (f) => f.includes('Password for'));
    await type(first.ui.stdin, sim.password);
    await press(first.ui.stdin, KEYS.enter);
    await waitForFrame(first.ui.lastFrame, () => first.result.conn !== null);
    expect(first.result.notes.join('\n')).toContain(`pinned ${hostPortOf(sim.url)} to ${sim.fingerprint}`);
    first.ui.unmount();

    const second = connectScreen(io);
    let frame = await waitForFrame(second.ui.lastFrame, (f) => f.includes('Known pools:'));
    expect(frame).toContain(`root @ ${sim.url}`);
    await press(second.ui.stdin, KEYS.enter);
    frame = await waitForFrame(second.ui.lastFrame, (f) => f.includes('Password for'));
    expect(frame).not.toContain('First contact');
    await type(second.ui.stdin, sim.password);
    await press(second.ui.stdin, KEYS.enter);
    await waitForFrame(second.ui.lastFrame, () => second.result.conn !== null);
  });

  it('a wrong password: the XAPI code in plain words, then Try again works', async () => {
    const sim = await testSimulator();
    const io = testIo();
    const { ui, result } = connectScreen(io, { initial: { url: sim.url, user: sim.user }, trust: { trust: [sim.fingerprint!] } });
    await waitForFrame(ui.lastFrame, (f) => f.includes('Password for'));
    await type(ui.stdin, 'wrong');
    await press(ui.stdin, KEYS.enter);
    const frame = await waitForFrame(ui.lastFrame, (f) => f.includes('Could not connect'));
    expect(frame).toContain('[SESSION_AUTHENTICATION_FAILED]');
    expect(frame).toContain('Try again');
    // The fix speaks of this screen, not of cfg directives or command lines.
    const text = frame.replace(/\s+/g, ' ');
    expect(text).toContain('fix: choose "Try again" and type the password again');
    expect(text).not.toMatch(/#vmbackup|create-password-file|PASSWORD/);
    await press(ui.stdin, KEYS.enter);
    await waitForFrame(ui.lastFrame, (f) => f.includes('Password for'));
    await type(ui.stdin, sim.password);
    await press(ui.stdin, KEYS.enter);
    await waitForFrame(ui.lastFrame, () => result.conn !== null);
  });

  it('cancel at the certificate question sends nothing and says why', async () => {
    const sim = await testSimulator();
    const io = testIo();
    const { ui } = connectScreen(io, { initial: { url: sim.url, user: sim.user } });
    await waitForFrame(ui.lastFrame, (f) => f.includes('First contact with'));
    await press(ui.stdin, KEYS.down, KEYS.down, KEYS.enter);
    const frame = await waitForFrame(ui.lastFrame, (f) => f.includes('Could not connect'));
    expect(frame).toMatch(/\[CERT_[A-Z_]+\]/);
    // Nobody was asked for a password for a pool we would not talk to.
    expect(ui.frames.join('\n')).not.toContain('Password for');
    expect(sim.calls.records).toEqual([]);
  });

  it('a pool that does not answer is said at once, without asking for a password', async () => {
    const io = testIo();
    const { ui } = connectScreen(io, { initial: { url: 'https://127.0.0.1:1', user: 'root' } });
    const frame = (await waitForFrame(ui.lastFrame, (f) => f.includes('Could not connect'))).replace(/\s+/g, ' ');
    expect(frame).toContain('connect ECONNREFUSED 127.0.0.1:1 [ECONNREFUSED]');
    expect(ui.frames.join('\n')).not.toContain('Password for');
  });

  describe.runIf(keyringTests())('with a keychain', () => {
    it('offers to remember a typed password; the next connect takes it from the keychain without asking', async () => {
      const bus = await startPrivateBus({ keyring: 'unlocked' });
      try {
        const sim = await testSimulator();
        const io = testIo({ ...bus.env });
        const first = connectScreen(io, { initial: { url: sim.url, user: sim.user }, trust: { trust: [sim.fingerprint!] } });
        await waitForFrame(first.ui.lastFrame, (f) => f.includes('Password for'), 20_000);
        await type(first.ui.stdin, sim.password);
        await press(first.ui.stdin, KEYS.enter);
        await waitForFrame(first.ui.lastFrame, (f) => f.includes('Remember it in the keychain?'));
        await press(first.ui.stdin, KEYS.down, KEYS.enter);
        await waitForFrame(first.ui.lastFrame, () => first.result.conn !== null, 20_000);
        expect(first.result.notes.join('\n')).toMatch(/now stored in the/);
        first.ui.unmount();

        const second = connectScreen(io, { initial: { url: sim.url, user: sim.user }, trust: { trust: [sim.fingerprint!] } });
        await waitForFrame(second.ui.lastFrame, () => second.result.conn !== null, 20_000);
        expect(second.ui.frames.join('\n')).not.toContain('Password for');
      } finally {
        await bus.stop();
      }
    });
  });
});
