/** Temporary folders for tests, always removed: leftovers in /tmp pile up over many runs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

/** Removed after the test file; call it at file or describe level. */
export function tempDirForFile(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `vmbackup-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Removed when the current test ends; call it inside a test (or a beforeEach). */
export function tempDirForTest(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `vmbackup-${prefix}-`));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
