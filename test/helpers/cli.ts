import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/vmbackup.js', import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real executable (built dist/) in `cwd`, as a user would. */
export function vmbackup(args: string[], cwd: string, input?: string): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', input, env: { ...process.env, TZ: 'UTC' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One folder per test process for every temp dir, removed when the process ends. */
const ROOT = join(tmpdir(), `vmbackup-test-${process.pid}`);
let cleanupRegistered = false;

export function tempDir(): string {
  if (!cleanupRegistered) {
    cleanupRegistered = true;
    mkdirSync(ROOT, { recursive: true });
    process.on('exit', () => rmSync(ROOT, { recursive: true, force: true }));
  }
  return mkdtempSync(join(ROOT, 'case-'));
}
