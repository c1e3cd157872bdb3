import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tempDirForTest } from './temp.js';

export const BIN = fileURLToPath(new URL('../../bin/vmbackup.js', import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real executable (built dist/) in `cwd`, as a user would. */
export function vmbackup(args: string[], cwd: string, input?: string): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', input, env: { ...process.env, TZ: 'UTC', VMBACKUP_SETTINGS_DIR: tempDirForTest('settings') } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A scratch folder for the current test, removed when it ends. */
export function tempDir(): string {
  return tempDirForTest('test');
}

export interface RunningCli {
  child: import('node:child_process').ChildProcess;
  /** stdout and stderr so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves once stdout matches `pattern` (or rejects when the process ends first). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  done: Promise<CliResult & { signal: NodeJS.Signals | null }>;
}

/**
 * Starts the real executable without blocking this process, so an in-process simulator can
 * answer it, and a test can signal it mid-run.
 */
export function startVmbackup(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): RunningCli {
  // Settings (pins, known pools) go to a scratch folder unless the test gives one: never the user's.
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, TZ: 'UTC', VMBACKUP_SETTINGS_DIR: tempDirForTest('settings'), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    waiters.forEach((w) => w());
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (status, signal) => {
      waiters.forEach((w) => w());
      resolve({ status, signal, stdout, stderr });
    });
  });
  return {
    child,
    output: () => ({ stdout, stderr }),
    done,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${pattern} in the output within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
        }, timeoutMs);
        const check = () => {
          if (pattern.test(stdout)) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`the process ended without ${pattern}:\n${stdout}\n${stderr}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** Runs the real executable to the end, asynchronously. */
export function vmbackupAsync(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult & { signal: NodeJS.Signals | null }> {
  return startVmbackup(args, cwd, env).done;
}
