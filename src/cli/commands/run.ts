/**
 * `vmbackup --config FILE.cfg`: the headless run for cron and systemd timers. For now it
 * validates the cfg completely and then stops, because no pool connection exists yet.
 */
import { parseArgs } from 'node:util';
import { VmbackupError } from '../../errors.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { loadTarget } from '../load-target.js';
import { noPoolYet } from '../no-pool.js';
import { OVERRIDE_OPTIONS, overridesFrom } from '../override-flags.js';
import { reportIssues } from '../print-issues.js';

const OPTIONS = {
  config: { type: 'string' },
  preview: { type: 'boolean' },
  ...OVERRIDE_OPTIONS,
} as const;

export async function runCommand(args: string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new VmbackupError('USAGE', (err as Error).message, 'see `vmbackup help`');
  }
  if (values.config === undefined) throw new VmbackupError('USAGE', '--config FILE.cfg is required', 'see `vmbackup help`');
  const overrides = overridesFrom(values);
  const target = { kind: 'config', path: values.config } as const;
  const loaded = await loadTarget(target, io, overrides.ignoreExtraKeys);
  if (reportIssues(io, loaded.issues)) return EXIT.INVALID;
  throw noPoolYet(target);
}
