/**
 * `vmbackup preview`: check a cfg (or a selector) against a list of VM names, offline. Prints the
 * legacy settings block, the scope in backup order and every problem with file:line; exits 0
 * when the cfg is valid, 2 when not. `--save-config` writes the resolved scope as a new cfg.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type ConfigIssue, effectiveSettings, IssueList } from '../../config/index.js';
import { VmbackupError } from '../../errors.js';
import { previewIsValid, previewJson, previewText } from '../../report/preview.js';
import { parseVmNamesList, resolveScope } from '../../selection/index.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../../access/io.js';
import { loadTarget, type Target } from '../load-target.js';
import { readInputFile } from '../read-input.js';
import { OVERRIDE_OPTIONS, overridesFrom } from '../override-flags.js';
import { saveResolvedConfig } from '../save-config.js';

/** 10,000 names of 100 bytes are 1 MB; a names file many times that is the wrong file. */
const MAX_NAMES_BYTES = 16 * 1024 * 1024;

const OPTIONS = {
  config: { type: 'string' },
  selector: { type: 'string' },
  'vm-names': { type: 'string' },
  json: { type: 'boolean' },
  'save-config': { type: 'string' },
  force: { type: 'boolean' },
  ...OVERRIDE_OPTIONS,
} as const;

function usageError(message: string): VmbackupError {
  return new VmbackupError('USAGE', message, 'vmbackup preview --config FILE.cfg --vm-names NAMES.txt [--json] [--save-config OUT.cfg]');
}

function parsePreviewArgs(args: string[]) {
  let values;
  try {
    ({ values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw usageError((err as Error).message);
  }
  if ((values.config === undefined) === (values.selector === undefined)) throw usageError('give either --config FILE or --selector SEL');
  if (values['vm-names'] === undefined) throw usageError('--vm-names NAMES.txt is required: without a pool, the names come from a file');
  const target: Target = values.config !== undefined ? { kind: 'config', path: values.config } : { kind: 'selector', text: values.selector! };
  const overrides = overridesFrom(values);
  return { target, namesFile: values['vm-names'], json: values.json ?? false, saveTo: values['save-config'], force: values.force ?? false, overrides };
}

export async function previewCommand(args: string[], io: CliIo): Promise<number> {
  const opts = parsePreviewArgs(args);
  const loaded = await loadTarget(opts.target, io, opts.overrides.ignoreExtraKeys);
  const names = parseVmNamesList(await readInputFile(io.cwd, opts.namesFile, 'VM names file', MAX_NAMES_BYTES), opts.namesFile);
  const settings = effectiveSettings(loaded.model, opts.overrides);
  const scope = resolveScope(loaded.model, names.vms, { file: loaded.source });

  const extra = new IssueList(loaded.source);
  if (!existsSync(resolve(io.cwd, settings.backupDir))) {
    extra.warning(null, `backup_dir ${settings.backupDir} does not exist on this machine; a run here would refuse to start`, 'create it, or mount the backup share, before the first run');
  }
  // The cfg's problems in line order (parse and scope together), then the names file's, then
  // those that belong to no line.
  const byLine = (a: ConfigIssue, b: ConfigIssue) => (a.line ?? Infinity) - (b.line ?? Infinity);
  const issues: ConfigIssue[] = [
    ...[...loaded.issues, ...scope.errors, ...scope.warnings].filter((i) => i.line !== null).sort(byLine),
    ...names.issues,
    ...[...loaded.issues, ...scope.errors, ...scope.warnings, ...extra.items].filter((i) => i.line === null),
  ];
  // A names list says nothing of disks: which vdi-export VMs have disks left out, only the pool knows.
  const notes =
    scope.vdiExport.length > 0 && loaded.model.directives.vdiDisks === undefined
      ? ['vdi-export takes the boot disk of each VM only, as VmBackup.py; other disks are not backed up. `--preview` against the pool names them; #vmbackup: vdi_disks=all takes every disk (vdi_disks=boot: the boot disk alone is meant)']
      : [];
  const input = { source: loaded.source, settings, scope, issues, notes, now: io.now() };
  const valid = previewIsValid(input);

  io.stdout(opts.json ? JSON.stringify(previewJson(input), null, 2) + '\n' : previewText(input));

  if (opts.saveTo !== undefined) {
    if (!valid) {
      io.stderr(`vmbackup: not saving ${opts.saveTo}: the configuration has errors (see above)\n`);
      return EXIT.INVALID;
    }
    const count = await saveResolvedConfig(io, { ...input, model: loaded.model, overrides: opts.overrides }, opts.saveTo, opts.force);
    io.stderr(`vmbackup: wrote ${opts.saveTo} (${count} VM${count === 1 ? '' : 's'}, one line each)\n`);
  }
  return valid ? EXIT.OK : EXIT.INVALID;
}
