/**
 * The files a TUI run writes beside the status log: names that never collide between runs, the
 * log's lines in order, the JSON written whole and never over another run's, and a folder that
 * is missing or is not a folder costing a warning, never an exception.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRunLog, runFileStem, writeRunReport } from '../../src/tui/run-files.js';
import { tempDir } from '../helpers/cli.js';

const at = new Date(2026, 0, 31, 14, 25, 1);

async function opened(folder: string, when = at) {
  const log = await openRunLog(folder, when);
  if ('warning' in log) throw new Error(log.warning);
  return log;
}

describe('run files', () => {
  it('are named by the local start time', () => {
    expect(runFileStem(at)).toBe('vmbackup-2026-01-31-142501');
  });

  it('two runs in the same second get two names; a name whose report exists is not reused', async () => {
    const dir = tempDir();
    const first = await opened(dir);
    const second = await opened(dir);
    expect(first.path).toBe(join(dir, 'vmbackup-2026-01-31-142501.log'));
    expect(second.path).toBe(join(dir, 'vmbackup-2026-01-31-142501-2.log'));
    writeFileSync(join(dir, 'vmbackup-2026-01-31-142501-3.json'), '{}');
    const third = await opened(dir);
    expect(third.path).toBe(join(dir, 'vmbackup-2026-01-31-142501-4.log'));
    await Promise.all([first.close(), second.close(), third.close()]);
  });

  it('the log gets its lines in order; the report is written whole beside it, never over another', async () => {
    const dir = tempDir();
    const log = await opened(dir);
    for (let i = 0; i < 500; i++) log.line(`line ${i}`);
    await log.close();
    expect(readFileSync(log.path, 'utf8')).toBe(Array.from({ length: 500 }, (_, i) => `line ${i}\n`).join(''));

    const report = { version: 1, status: 'SUCCESS', vms: [{ name: 'web 01' }] };
    const written = await writeRunReport(log.base, report);
    expect(written).toEqual({ path: `${log.base}.json` });
    expect(JSON.parse(readFileSync(`${log.base}.json`, 'utf8'))).toEqual(report);
    // A second report for the same name is refused, and the first stays.
    const again = await writeRunReport(log.base, { other: true });
    expect('warning' in again && again.warning).toMatch(/not written: .*\.json: EEXIST/);
    expect(JSON.parse(readFileSync(`${log.base}.json`, 'utf8'))).toEqual(report);
    // No temporary file is left behind.
    expect(readdirSync(dir).sort()).toEqual(['vmbackup-2026-01-31-142501.json', 'vmbackup-2026-01-31-142501.log']);
  });

  it('a missing folder, or a file where the folder should be, gives a warning and no file', async () => {
    const dir = tempDir();
    const missing = await openRunLog(join(dir, 'nope'), at);
    expect(missing).toEqual({ warning: expect.stringMatching(/not written: folder .*nope does not exist \(fix: create it, or change status_log=\)/) });
    expect(existsSync(join(dir, 'nope'))).toBe(false);

    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const notDir = await openRunLog(file, at);
    expect(notDir).toEqual({ warning: expect.stringMatching(/cannot create .*a-file\/vmbackup-2026-01-31-142501\.log: ENOTDIR/) });
    mkdirSync(join(dir, 'ok'));
    const ok = await opened(join(dir, 'ok'));
    expect(existsSync(ok.path)).toBe(true);
    await ok.close();
  });
});
