/**
 * `vmbackup list [--backup-dir DIR | --config FILE.cfg] [--vm NAME] [--json]`: what backup_dir
 * holds (catalog/), offline. The folder is DIR, else the cfg's backup_dir (its status_log's name
 * reserved as a run reserves it), else the backup_dir the TUI used last (settings).
 *
 * Exit codes, for scripts: 0 the listing was made, whatever it shows (unfinished backups and
 * strays are facts to read in it, not failures of `list`: a run in progress has an unfinished
 * folder); 1 `--vm NAME` matched no VM folder (the listing is empty; "is there a backup of X"
 * in one test); 2 a bad command line, or a backup_dir that is missing or cannot be read.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from '../../access/io.js';
import { NO_OWN_NAMES, type OwnNames, ownNamesIn } from '../../backup/layout.js';
import { catalogJson, scanCatalog } from '../../catalog/index.js';
import { ConfigError, effectiveSettings } from '../../config/index.js';
import { VmbackupError } from '../../errors.js';
import { catalogText } from '../../report/catalog-text.js';
import { printable } from '../../report/printable.js';
import { EXIT } from '../exit-codes.js';
import { loadTarget } from '../load-target.js';

const SYNOPSIS = 'vmbackup list [--backup-dir DIR | --config FILE.cfg] [--vm NAME] [--json]';

const OPTIONS = {
  'backup-dir': { type: 'string' },
  config: { type: 'string' },
  vm: { type: 'string' },
  json: { type: 'boolean' },
} as const;

function usageError(message: string): VmbackupError {
  return new VmbackupError('USAGE', message, SYNOPSIS);
}

function parseListArgs(args: string[]) {
  let values;
  try {
    ({ values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw usageError((err as Error).message);
  }
  if (values['backup-dir'] !== undefined && values.config !== undefined) throw usageError('give --backup-dir DIR or --config FILE.cfg, not both');
  if (values['backup-dir'] === '') throw usageError('--backup-dir needs a folder');
  return { backupDir: values['backup-dir'], config: values.config, vm: values.vm, json: values.json ?? false };
}

/** The folder to list and the names in it that are the run's own (the status log's). */
async function listedFolder(opts: ReturnType<typeof parseListArgs>, io: CliIo): Promise<{ dir: string; own: OwnNames }> {
  if (opts.backupDir !== undefined) return { dir: resolve(io.cwd, opts.backupDir), own: NO_OWN_NAMES };
  if (opts.config !== undefined) {
    const loaded = await loadTarget({ kind: 'config', path: opts.config }, io, undefined);
    // A cfg with errors may name the wrong backup_dir (a mistyped key falls back to the default): refuse it as a run would.
    if (loaded.issues.some((i) => i.severity === 'error')) throw new ConfigError(loaded.issues);
    const settings = effectiveSettings(loaded.model);
    const dir = resolve(io.cwd, settings.backupDir);
    return { dir, own: ownNamesIn(dir, [resolve(io.cwd, settings.statusLog)]) };
  }
  // Loaded only here: conf and its schema validator are a good part of the start-up time.
  const { SettingsStore } = await import('../../settings/store.js');
  const last = SettingsStore.open(io.env).lastBackupDir;
  if (last === undefined) throw usageError('which backup_dir? Give --backup-dir DIR or --config FILE.cfg (no backup_dir is remembered from an earlier TUI session)');
  return { dir: resolve(io.cwd, last), own: NO_OWN_NAMES };
}

export async function listCommand(args: string[], io: CliIo): Promise<number> {
  const opts = parseListArgs(args);
  const { dir, own } = await listedFolder(opts, io);
  const catalog = await scanCatalog(dir, { own, ...(opts.vm === undefined ? {} : { vm: opts.vm }) });
  io.stdout(opts.json ? JSON.stringify(catalogJson(catalog), null, 2) + '\n' : catalogText(catalog));
  if (opts.vm !== undefined && catalog.vms.length === 0) {
    io.stderr(`vmbackup: no folder of a VM named ${JSON.stringify(printable(opts.vm))} in ${printable(dir)}\n`);
    return EXIT.WARNINGS;
  }
  return EXIT.OK;
}
