/**
 * First contact with a pool on a real terminal: the certificate is shown (subject, issuer,
 * validity, fingerprint) and the person chooses once / always / cancel, before any password
 * leaves. A changed certificate is refused without a question.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SettingsStore } from '../../src/settings/store.js';
import { hostPortOf, parseFingerprint } from '../../src/xapi/fingerprint.js';
import { loginEnv } from '../helpers/login-env.js';
import { onTerminal } from '../helpers/pty.js';
import { stopAll } from '../helpers/sim.js';

afterEach(stopAll);

const QUESTION = 'Trust it? [o]nce / [a]lways (pin it) / [c]ancel: ';

async function setup() {
  const t = await loginEnv(null);
  writeFileSync(join(t.dir, 'pw.b64'), Buffer.from(t.sim.password).toString('base64'));
  const env = { VMBACKUP_SETTINGS_DIR: t.settingsDir, DBUS_SESSION_BUS_ADDRESS: '', CREDENTIALS_DIRECTORY: '', VMBACKUP_PASSWORD: '', TZ: 'UTC' };
  const run = (steps: Array<[string, string]>) => onTerminal(['--config', t.cfg('t.cfg'), '--password-file', 'pw.b64'], steps, t.dir, env);
  const pins = () => SettingsStore.open(env).allPins();
  return { t, run, pins, logins: () => t.sim.calls.named('session.login_with_password').length };
}

describe('a new certificate at a terminal', () => {
  it('shows it and pins it on "always"; the next run asks nothing', async () => {
    const { t, run, pins } = await setup();
    const r = await run([[QUESTION, 'a\r']]);
    expect(r).toMatchObject({ status: 0 });
    expect(r.output).toContain(`first contact with ${hostPortOf(t.sim.url)}`);
    expect(r.output).toMatch(/subject: +CN=/);
    expect(r.output).toMatch(/valid: +\w{3} .* to /);
    expect(r.output).toContain(`fingerprint: ${t.sim.fingerprint}`);
    expect(pins()).toEqual({ [hostPortOf(t.sim.url)]: t.sim.fingerprint });
    const again = await run([]);
    expect(again.status).toBe(0);
    expect(again.output).not.toContain('Trust it?');
  }, 60_000);

  it('"once" connects without pinning; "cancel" sends nothing', async () => {
    const { run, pins, logins } = await setup();
    expect(await run([[QUESTION, 'o\r']])).toMatchObject({ status: 0 });
    expect(pins()).toEqual({});
    const before = logins();
    const cancelled = await run([[QUESTION, 'c\r']]);
    expect(cancelled.status).toBe(2);
    expect(cancelled.output).toMatch(/not accepted; nothing was sent/);
    expect(logins()).toBe(before);
  }, 60_000);

  it('a certificate that differs from the pin is refused without asking', async () => {
    const { t, run, logins } = await setup();
    SettingsStore.open({ VMBACKUP_SETTINGS_DIR: t.settingsDir }).savePin(hostPortOf(t.sim.url), parseFingerprint('ab'.repeat(32))!);
    const r = await run([]);
    expect(r.status).toBe(2);
    expect(r.output).not.toContain('Trust it?');
    expect(r.output).toContain(`presented ${t.sim.fingerprint}`);
    expect(logins()).toBe(0);
    expect(readFileSync(join(t.settingsDir, 'settings.json'), 'utf8')).toContain('ab'.repeat(32));
  }, 60_000);
});
