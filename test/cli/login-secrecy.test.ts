/**
 * The pool password never shows: not in any output, log, JSON report, error message, settings
 * file or process title. A whole session of commands runs with a recognisable password, then
 * everything it printed, every file it left and every command line, title and environment of
 * its processes (sampled from /proc while they ran) is searched for it.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Keychain } from '../../src/secrets/keychain.js';
import { encodePasswordFile } from '../../src/secrets/password-file.js';
import { keyringTests, type PrivateBus, startPrivateBus } from '../helpers/keyring.js';
import { loginEnv } from '../helpers/login-env.js';
import { stopAll } from '../helpers/sim.js';

afterEach(stopAll);

const PASSWORD = 'Tq9-vmbackup-secrecy-4711!';
const WRONG = 'Wx3-not-the-pool-password-0815';

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((name) => join(root, name))
    .filter((path) => statSync(path).isFile());
}

describe.skipIf(!keyringTests())('a whole session of credential commands', () => {
  let bus: PrivateBus;
  beforeAll(async () => {
    bus = await startPrivateBus({ keyring: 'unlocked' });
  });
  afterAll(() => bus?.stop());

  // Thirteen commands in a row, each a node process (some wait out a refused login): 15 s on
  // a quiet machine, over 30 s (the default timeout) with another test file running beside it.
  it('never shows the password', async () => {
    const t = await loginEnv(bus, { password: PASSWORD });
    const outputs: Array<[string, string]> = [];
    const titles: string[] = [];
    const step = async (label: string, args: string[], options?: Parameters<typeof t.cli>[1], expected?: number) => {
      const r = await t.cli(args, options);
      outputs.push([`${label} stdout`, r.stdout], [`${label} stderr`, r.stderr]);
      titles.push(...r.ps);
      if (expected !== undefined) expect(r.status, `${label}: ${r.stdout}${r.stderr}`).toBe(expected);
      return r;
    };
    const cfg = t.cfg('s.cfg');

    await step('password-file', ['password-file', 'pool.pass', '--password-stdin'], { input: `${PASSWORD}\n` }, 0);
    await step('wrong login', ['login', '--pool', t.sim.url, '--password-stdin', '--trust', t.sim.fingerprint!, '--verbose'], { input: `${WRONG}\n` }, 2);
    await step('login', ['login', '--pool', t.sim.url, '--password-stdin', '--trust', t.sim.fingerprint!, '--verbose'], { input: `${PASSWORD}\n` }, 0);
    await step('run', ['--config', cfg, '--json=report.json', '--verbose'], {}, 0);
    await step('run --json', ['--config', cfg, '--json', '--verbose'], {}, 0);
    await step('preview', ['--config', cfg, '--preview', '--verbose'], {}, 0);
    await step('run from the file', ['--config', cfg, '--password-file', 'pool.pass', '--json=report2.json'], {}, 0);
    writeFileSync(join(t.dir, 'plain.pass'), PASSWORD);
    await step('plain text as a password file', ['--config', cfg, '--password-file', 'plain.pass'], {}, 2);
    writeFileSync(join(t.dir, 'vmbackup'), `${WRONG}\n`);
    await step('wrong systemd credential', ['--config', cfg, '--json=report3.json', '--verbose'], { env: { CREDENTIALS_DIRECTORY: t.dir } }, 2);
    await step('logout', ['logout', '--verbose'], {}, 0);
    await new Keychain({ env: { ...process.env, ...bus.env } }).set(t.account, WRONG);
    await step('wrong password in the keychain', ['--config', cfg, '--json=report4.json', '--verbose'], {}, 2);
    await step('logout again', ['logout'], {}, 0);
    // Last, and without its process sample: $VMBACKUP_PASSWORD is in the environment by choice
    // (the documented risk of that source, warned about); its output must still not show it.
    const fromEnv = await t.cli(['--config', cfg, '--verbose'], { env: { VMBACKUP_PASSWORD: PASSWORD } });
    expect(fromEnv.status).toBe(0);
    expect(fromEnv.stderr).toContain('warning: password for root@');
    outputs.push(['env stdout', fromEnv.stdout], ['env stderr', fromEnv.stderr]);

    // Make sure the session did what it should, so that an empty search means something.
    expect(outputs.map(([, text]) => text).join('')).toContain('from the keychain (Secret Service)');
    expect(titles.some((title) => title.includes('vmbackup-keychain'))).toBe(true);
    const files = filesUnder(t.dir);
    expect(files.map((f) => relative(t.dir, f))).toEqual(expect.arrayContaining(['settings/settings.json', 'report.json', 'report4.json', 'status.log']));
    expect(files.filter((f) => f.endsWith('.xva')).length).toBeGreaterThan(0);

    const forms = [PASSWORD, WRONG, encodePasswordFile(PASSWORD), encodePasswordFile(WRONG)];
    const leaks: string[] = [];
    for (const [label, text] of outputs) for (const form of forms) if (text.includes(form)) leaks.push(`${label} shows ${form}`);
    for (const title of titles) for (const form of forms) if (title.includes(form)) leaks.push(`a process shows ${form}: ${title.slice(0, 200)}`);
    // Files we wrote on purpose hold it: the password file (base64), the plain-text one and the
    // systemd credential. Every other file must not.
    const onPurpose = new Set(['pool.pass', 'plain.pass', 'vmbackup']);
    for (const file of files) {
      if (onPurpose.has(relative(t.dir, file))) continue;
      const bytes = readFileSync(file);
      for (const form of forms) if (bytes.includes(form)) leaks.push(`${relative(t.dir, file)} holds ${form}`);
    }
    expect(leaks).toEqual([]);
  }, 120_000);
});
