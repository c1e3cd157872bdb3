/**
 * `vmbackup verify [PATH...] [--backup-dir DIR | --config FILE.cfg] [--vm NAME] [--newest]
 * [--since DATE] [--jobs N] [--deep] [--json]`: backups read back from the disk and checked (verify/),
 * offline. Without PATH, the folder is DIR, else the cfg's backup_dir, else the backup_dir the
 * TUI used last (settings), as `list` finds it. Each verdict is recorded beside its backup
 * (vmbackup-verify.json); nothing is deleted or renamed.
 *
 * Exit codes: 0 every backup checked is whole; 2 one failed or could not be read, nothing was
 * found to check, or a bad command line / missing folder; 130 interrupted (what was checked is
 * reported, and recorded).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from '../../access/io.js';
import { ConfigError, effectiveSettings } from '../../config/index.js';
import { VmbackupError } from '../../errors.js';
import { printable } from '../../report/printable.js';
import { verifyJson } from '../../report/verify-json.js';
import { totalLine, verdictLines } from '../../report/verify-text.js';
import { parseSince, resolveVerifyTargets, verifyBackups } from '../../verify/index.js';
import { EXIT } from '../exit-codes.js';
import { loadTarget } from '../load-target.js';
import { abortOnInterrupt } from '../pool-flags.js';

const SYNOPSIS = 'vmbackup verify [PATH...] [--backup-dir DIR | --config FILE.cfg] [--vm NAME] [--newest] [--since DATE] [--jobs N] [--deep] [--json]';

const OPTIONS = {
  'backup-dir': { type: 'string' },
  config: { type: 'string' },
  vm: { type: 'string' },
  newest: { type: 'boolean' },
  since: { type: 'string' },
  jobs: { type: 'string' },
  json: { type: 'boolean' },
  // The structural pass also for files whose bytes match their recorded sums (verify/fast-path.ts).
  deep: { type: 'boolean' },
} as const;

const MAX_JOBS = 16;

function usageError(message: string): VmbackupError {
  return new VmbackupError('USAGE', message, SYNOPSIS);
}

function parseVerifyArgs(args: string[]) {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true }));
  } catch (err) {
    throw usageError((err as Error).message);
  }
  if (values['backup-dir'] !== undefined && values.config !== undefined) throw usageError('give --backup-dir DIR or --config FILE.cfg, not both');
  if (values['backup-dir'] === '') throw usageError('--backup-dir needs a folder');
  if (positionals.some((p) => p === '')) throw usageError('an empty PATH');
  let since: Date | undefined;
  if (values.since !== undefined) {
    since = parseSince(values.since) ?? undefined;
    if (since === undefined) throw usageError(`--since ${JSON.stringify(values.since)} is not a date: give YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss][+hh:mm]`);
  }
  let jobs = 1;
  if (values.jobs !== undefined) {
    jobs = Number(values.jobs);
    if (!/^\d+$/.test(values.jobs) || jobs < 1 || jobs > MAX_JOBS) throw usageError(`--jobs ${JSON.stringify(values.jobs)}: give a number of backups to read at once, 1-${MAX_JOBS}`);
  }
  return { paths: positionals, backupDir: values['backup-dir'], config: values.config, vm: values.vm, newest: values.newest ?? false, since, jobs, json: values.json ?? false, deep: values.deep ?? false };
}

type VerifyArgs = ReturnType<typeof parseVerifyArgs>;

const DAMAGED_FIX =
  'the failed backups are kept as they are (verify never deletes one): restore from another backup of the VM (vmbackup list --vm NAME), check the disk that holds backup_dir (dmesg, SMART), and make a new backup before deleting the damaged one';

/** The backup_dir: --backup-dir, the cfg's, or (with no PATH) the TUI's last; undefined when PATHs say it all. */
async function backupDirOf(opts: VerifyArgs, io: CliIo): Promise<string | undefined> {
  if (opts.backupDir !== undefined) return resolve(io.cwd, opts.backupDir);
  if (opts.config !== undefined) {
    const loaded = await loadTarget({ kind: 'config', path: opts.config }, io, undefined);
    // A cfg with errors may name the wrong backup_dir: refuse it as a run would.
    if (loaded.issues.some((i) => i.severity === 'error')) throw new ConfigError(loaded.issues);
    return resolve(io.cwd, effectiveSettings(loaded.model).backupDir);
  }
  if (opts.paths.length > 0) return undefined;
  const { SettingsStore } = await import('../../settings/store.js');
  const last = SettingsStore.open(io.env).lastBackupDir;
  if (last === undefined) throw usageError('which backups? Give PATH, --backup-dir DIR or --config FILE.cfg (no backup_dir is remembered from an earlier TUI session)');
  return resolve(io.cwd, last);
}

export async function verifyCommand(args: string[], io: CliIo): Promise<number> {
  const opts = parseVerifyArgs(args);
  const backupDir = await backupDirOf(opts, io);
  const targets = await resolveVerifyTargets(opts.paths, backupDir, { vm: opts.vm, newest: opts.newest, since: opts.since }, io.cwd);
  if (targets.length === 0) {
    const where = opts.paths.length > 0 ? opts.paths.map((p) => printable(p)).join(', ') : printable(backupDir ?? '');
    const narrowed = [opts.vm !== undefined ? `--vm ${JSON.stringify(printable(opts.vm))}` : '', opts.since ? '--since' : ''].filter(Boolean).join(' and ');
    throw new VmbackupError('NOTHING_TO_VERIFY', `no backup to verify in ${where}${narrowed ? ` with ${narrowed}` : ''}.`, 'vmbackup list shows the backups, with their VM names and dates');
  }

  const controller = new AbortController();
  const say = (line: string) => io.stderr(`vmbackup: ${line}\n`);
  const stopListening = abortOnInterrupt(io, controller, say, 'interrupted: stopping the reads (what was checked is reported)', 'still stopping');
  let summary;
  try {
    summary = await verifyBackups(targets, {
      jobs: opts.jobs,
      deep: opts.deep,
      signal: controller.signal,
      backupDir,
      onEvent: (event) => {
        if (event.type === 'backup-done' && !opts.json) io.stdout(verdictLines(event.verdict).join('\n') + '\n');
      },
    });
  } finally {
    stopListening();
  }
  if (opts.json) io.stdout(JSON.stringify(verifyJson(summary), null, 2) + '\n');
  else io.stdout(totalLine(summary) + '\n');
  // What to do about it, once, on stderr as every other command's fix line (a script reading --json has its own).
  if (!opts.json && summary.ok < summary.checked && !summary.cancelled) io.stderr(`vmbackup: fix: ${DAMAGED_FIX}\n`);
  if (summary.cancelled) return EXIT.INTERRUPTED;
  return summary.ok === summary.checked ? EXIT.OK : EXIT.FAILED;
}
