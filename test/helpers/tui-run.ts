/**
 * A TUI run against a fresh simulator, wired as the app wires one (engineRun): a connection, a
 * backup folder, the cfg lines, and the start function a RunScreen takes. Close `conns` and
 * stop the simulators after each test.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { engineRun } from '../../src/tui/start-run.js';
import { PoolConnection } from '../../src/xapi/connection.js';
import { tempDir } from './cli.js';
import { E2E_POOL } from './e2e.js';
import { testSimulator } from './sim.js';
import { trustSim } from './trust.js';

export async function tuiRunSetup(conns: PoolConnection[], lines: string[], statusLog: (dir: string) => string = (d) => join(d, 'status.log')) {
  const sim = await testSimulator({ pool: E2E_POOL });
  const conn = await PoolConnection.open({ target: { url: sim.url, user: sim.user }, credentials: async (t) => ({ user: t.user, password: sim.password }), tls: trustSim(sim), callTimeoutMs: 10_000 });
  conns.push(conn);
  const dir = tempDir();
  const backupDir = join(dir, 'backups');
  mkdirSync(backupDir);
  const parsed = parseConfig([`backup_dir=${backupDir}`, `status_log=${statusLog(dir)}`, ...lines, ''].join('\n'), { file: 'tui.cfg' });
  expect(parsed.errors).toEqual([]);
  const session = { conn, poolUrl: sim.url, user: sim.user, backupDir, statusLog: statusLog(dir) };
  return { sim, dir, backupDir, model: parsed.model, start: engineRun(session, parsed.model, dir) };
}
