/**
 * The last guard of a backup run: once its reports are written, the process must end. A handle
 * left open (a zstd child still waiting on its stdin kept a worker thread, and so the process,
 * alive for good after a refused zstd XVA) means a live PID holding the backup_dir lock: every
 * later cron run is refused. So if the process is still alive a few seconds after the reports,
 * the guard says so as a bug, naming what is open, and exits with the run's own exit code.
 *
 * The guard's timer is unref'd: it never keeps the process alive itself, and a run that ends
 * normally never sees it.
 */
import { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { CliIo } from '../access/io.js';
import { processIo } from '../access/io.js';

export const EXIT_GUARD_MS = 5_000;

/**
 * Set only by the test that proves the guard (test/cli/exit-guard.test.ts): the run then leaves
 * one interval timer running after its reports, which would keep the process alive for good.
 */
export const LEAVE_HANDLE_ENV = 'VMBACKUP_TEST_LEAVE_HANDLE';

export interface ExitGuardOptions {
  /** The run's exit code, which the process exits with. */
  code: number;
  afterMs?: number;
  stderr?: (text: string) => void;
  exit?: (code: number) => void;
  /** What is open, for the line; default: openHandles(). */
  handles?: () => string[];
}

/** Arms the guard; returns a function that disarms it. */
export function armExitGuard(opts: ExitGuardOptions): () => void {
  const afterMs = opts.afterMs ?? EXIT_GUARD_MS;
  const timer = setTimeout(() => {
    const open = (opts.handles ?? openHandles)();
    const seconds = Math.round(afterMs / 100) / 10;
    (opts.stderr ?? ((t) => process.stderr.write(t)))(
      `vmbackup: bug: still running ${seconds} s after the reports were written; open handles: ${open.length > 0 ? open.join(', ') : 'none visible from the main thread'}; exiting with code ${opts.code}\n`,
    );
    (opts.exit ?? ((c) => process.exit(c)))(opts.code);
  }, afterMs);
  timer.unref();
  return () => clearTimeout(timer);
}

/**
 * The guard for a run driven by the process's own I/O (bin/vmbackup.js), after its reports. A
 * run driven in-process with another CliIo (a test's) is never ended by it.
 */
export function guardProcessExit(io: CliIo, code: number): void {
  if (io.onInterrupt !== processIo().onInterrupt) return;
  if (io.env[LEAVE_HANDLE_ENV] === '1') setInterval(() => undefined, 60_000);
  armExitGuard({ code });
}

/** Child processes of this process, whichever thread started them (a worker's zstd): Linux /proc. */
function childProcesses(): { pid: number; name: string }[] {
  const out: { pid: number; name: string }[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) out.push({ pid: Number(entry), name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) });
    } catch {
      // It ended meanwhile.
    }
  }
  return out;
}

type Handle = { constructor?: { name?: string }; fd?: number; _handle?: { fd?: number }; address?: () => unknown; remoteAddress?: string; remotePort?: number };

/** What keeps the process alive, as short names: child processes, main-thread handles, timers. */
export function openHandles(): string[] {
  const children = childProcesses();
  const out = children.map((c) => `ChildProcess ${c.name} (pid ${c.pid})`);
  const known = new Set(children.map((c) => c.pid));
  const handles = (process as unknown as { _getActiveHandles(): Handle[] })._getActiveHandles();
  for (const h of handles) {
    if (h instanceof ChildProcess) {
      if (h.pid === undefined || !known.has(h.pid)) out.push(`ChildProcess ${h.spawnfile} (pid ${h.pid ?? '?'})`);
      continue;
    }
    const name = h?.constructor?.name ?? typeof h;
    const fd = h?._handle?.fd ?? h?.fd;
    // Our own stdin, stdout and stderr never hold the process.
    if (typeof fd === 'number' && fd >= 0 && fd <= 2) continue;
    if (name === 'Server' && typeof h.address === 'function') out.push(`Server ${JSON.stringify(h.address())}`);
    else if (name === 'Socket' && h.remoteAddress) out.push(`Socket to ${h.remoteAddress}:${h.remotePort ?? '?'}`);
    else out.push(name);
  }
  // Timers are resources, not handles (the guard's own has fired by the time this runs).
  const timers = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  if (timers > 0) out.push(`Timeout ×${timers} (unref'd ones included)`);
  return out;
}
