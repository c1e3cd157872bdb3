/**
 * The headless preview's backup_dir line: the engine's message already names backup_dir, so the
 * line is that message, once ("backup_dir: backup_dir /x does not exist" was printed).
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { checkBackupDir } from '../../src/backup/run.js';
import { effectiveSettings, emptyModel } from '../../src/config/index.js';
import { poolPreviewText } from '../../src/report/pool-preview.js';
import { resolveScope } from '../../src/selection/index.js';
import { tempDir } from '../helpers/cli.js';

it('a missing backup_dir is named once, as the engine words it', async () => {
  const missing = join(tempDir(), 'not-there');
  const notWritable = await checkBackupDir(missing).then(
    () => null,
    (err: Error) => err.message,
  );
  expect(notWritable).toMatch(/^backup_dir /);
  const model = emptyModel();
  const text = poolPreviewText({
    preview: { plan: { vms: [], scope: resolveScope(model, [], { file: 'p.cfg' }), issues: [] }, vms: [], backupDir: missing, notWritable, free: null, totalEstimate: 0 },
    settings: effectiveSettings(model),
    source: 'p.cfg',
    issues: [],
    now: new Date(2026, 5, 1),
  });
  expect(text).toContain(`\nbackup_dir ${missing} does not exist or is not a directory\n`);
  expect(text).not.toMatch(/backup_dir: backup_dir/);
});
