/**
 * Runs the real executable on a pseudo-terminal (Python's pty module), so the masked prompt is
 * tested as a person meets it: raw keys in, whatever the terminal would show out.
 */
import { spawn } from 'node:child_process';
import { BIN } from './cli.js';

const DRIVER = String.raw`
import json, os, pty, select, sys, time
args, steps = json.loads(sys.argv[1]), json.loads(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(args[0], args)
out, seen = b'', 0
def more(deadline):
    global out
    ready, _, _ = select.select([fd], [], [], max(0, deadline - time.time()))
    if not ready:
        return False
    try:
        data = os.read(fd, 4096)
    except OSError:
        return False
    out += data
    return bool(data)
for wait_for, send in steps:
    deadline = time.time() + 20
    while out.find(wait_for.encode(), seen) < 0:
        if not more(deadline):
            sys.stdout.write(json.dumps({'status': None, 'output': out.decode('utf8', 'replace'), 'stuck': wait_for}))
            os.kill(pid, 9)
            sys.exit(0)
    seen = out.find(wait_for.encode(), seen) + len(wait_for)
    time.sleep(0.05)
    os.write(fd, send.encode())
while more(time.time() + 30):
    pass
# The terminal went quiet: the program should have ended. One that still waits (on a question
# the test did not expect) is killed, so no test leaves it running.
for _ in range(100):
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    time.sleep(0.1)
else:
    os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
sys.stdout.write(json.dumps({'status': os.waitstatus_to_exitcode(status), 'output': out.decode('utf8', 'replace')}))
`;

export interface PtyResult {
  status: number | null;
  /** Everything the terminal received: prompts, echo (if any), stdout and stderr. */
  output: string;
  /** The prompt it waited for in vain, if any. */
  stuck?: string;
}

/** `steps`: wait for the text, then type the keys ("\r" is Enter, "\x03" Ctrl-C, "\x7f" Backspace). */
export function onTerminal(args: string[], steps: Array<[string, string]>, cwd: string, env: Record<string, string>): Promise<PtyResult> {
  const child = spawn('python3', ['-c', DRIVER, JSON.stringify([process.execPath, BIN, ...args]), JSON.stringify(steps)], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  return new Promise((resolve) => child.on('close', () => resolve(JSON.parse(out) as PtyResult)));
}
