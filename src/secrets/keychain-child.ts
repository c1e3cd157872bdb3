/**
 * One keychain operation in a child process that can be killed. @napi-rs/keyring connects to
 * D-Bus synchronously in the AsyncEntry constructor: against a session bus that accepts the
 * connection but never answers (a wedged dbus-daemon or keyring daemon), that call blocked the
 * thread for good, and neither a timer nor a worker thread helps: a worker stuck in native code
 * keeps the process from exiting (both measured). A child is killed with SIGKILL instead. It
 * costs ~60-80 ms of node start-up per operation, paid only when the keychain is actually asked.
 *
 * The password travels over the child's stdin and stdout pipes, never in argv or the
 * environment (both visible to other processes of the user, argv to everyone via ps).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

export type ChildRequest =
  | { op: 'get'; service: string; account: string; store: string }
  | { op: 'set'; service: string; account: string; store: string; password: string }
  | { op: 'delete'; service: string; account: string; store: string };

export type ChildAnswer = { ok: true; value: string | boolean | null } | { ok: false; message: string } | { ok: false; timedOut: true };

/*
 * CommonJS run with `node -e`, so that it works the same from dist/ and from tests that load
 * src/ through vitest. It uses AsyncEntry rather than the keytar-compatible functions in
 * @napi-rs/keyring/keytar.js: those build `new AsyncEntry(service, account)` without options,
 * which on Linux silently falls back to the kernel keyutils keyring when no Secret Service
 * answers. AsyncEntry is what keytar.js wraps (same items, same service/account attributes),
 * with the `{ linux: { store } }` option that pins the store and makes a missing one an error.
 */
const CHILD_SOURCE = `
process.title = 'vmbackup-keychain';
process.stdout.write('.');
const reply = (answer) => process.stdout.write(JSON.stringify(answer));
let input = '';
process.stdin.setEncoding('utf8').on('data', (d) => (input += d)).on('end', async () => {
  try {
    const r = JSON.parse(input);
    const { AsyncEntry } = require(process.argv[1]);
    const entry = new AsyncEntry(r.service, r.account, { linux: { store: r.store } });
    const value = r.op === 'get' ? await entry.getPassword()
      : r.op === 'set' ? (await entry.setPassword(r.password), null)
      : await entry.deletePassword();
    reply({ ok: true, value });
  } catch (err) {
    reply({ ok: false, message: String((err && err.message) || err).split('\\n')[0].slice(0, 300) });
  }
});
`;

let addonPath: string | undefined;

function addon(): string {
  addonPath ??= createRequire(import.meta.url).resolve('@napi-rs/keyring');
  return addonPath;
}

/** Node's own start-up, which a loaded machine can stretch; not what the keychain takes. */
const BOOT_MS = 10_000;

/**
 * Runs `request` in a child; `timeoutMs` counts from when the child's code starts (it writes a
 * "." first), so a slow node start on a busy machine does not eat the keychain's time.
 */
export function runKeychainChild(request: ChildRequest, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ChildAnswer> {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(process.execPath, ['-e', CHILD_SOURCE, addon()], { env, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    } catch (err) {
      resolve({ ok: false, message: `cannot start the keychain helper: ${(err as Error).message}` });
      return;
    }
    let out = '';
    let err = '';
    let settled = false;
    const finish = (answer: ChildAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const expire = () => {
      child.kill('SIGKILL');
      finish({ ok: false, timedOut: true });
    };
    let timer = setTimeout(expire, BOOT_MS);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (out === '') {
        clearTimeout(timer);
        timer = setTimeout(expire, timeoutMs);
      }
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', (e) => finish({ ok: false, message: `cannot start the keychain helper: ${e.message}` }));
    child.on('close', () => {
      try {
        finish(JSON.parse(out.slice(1)) as ChildAnswer);
      } catch {
        // Crashed (a segfault in the native module, say): its stderr's first line says why.
        finish({ ok: false, message: `the keychain helper failed: ${err.split('\n').find((l) => l.trim() !== '') ?? 'no output'}` });
      }
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify(request));
  });
}
