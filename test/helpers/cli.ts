import { spawnSync } from 'node:child_process';
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
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', input, env: { ...process.env, TZ: 'UTC' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A scratch folder for the current test, removed when it ends. */
export function tempDir(): string {
  return tempDirForTest('test');
}
