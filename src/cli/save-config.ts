/**
 * `preview --save-config OUT.cfg`: the resolved scope as a cfg that both vmbackup and the
 * original script read to the same VMs. Every setting is written explicitly, one line per VM,
 * vdi-export lines first (the order 3.1 needed). Excludes are not written: the VMs are already
 * left out, and two matching exclude lines crash VmBackup 3.2-3.22.
 */
import { resolve } from 'node:path';
import {
  type CfgModel,
  type CommandLineOverrides,
  type EffectiveSettings,
  formatConfig,
  legacyNameWarning,
  type SelectionLine,
} from '../config/index.js';
import { VmbackupError } from '../errors.js';
import { legacyNameProblemsOf, type Scope, type ScopeEntry } from '../selection/index.js';
import { legacyTimestamp } from '../report/legacy-console.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import type { CliIo } from '../access/io.js';

export interface ResolvedInput {
  source: string;
  model: CfgModel;
  settings: EffectiveSettings;
  scope: Scope;
  overrides: CommandLineOverrides;
  now: Date;
}

export function resolvedModel(input: ResolvedInput): CfgModel {
  const { settings, scope } = input;
  const line = (action: 'vm-export' | 'vdi-export') => (e: ScopeEntry): SelectionLine =>
    e.maxBackups === undefined ? { action, selector: { kind: 'name', name: e.vm.name } } : { action, selector: { kind: 'name', name: e.vm.name }, maxBackups: e.maxBackups };
  const directives = { ...input.model.directives };
  delete directives.ignoreExtraKeys;
  // The delta= patterns resolved as the selections are: one line per VM backed up as delta.
  delete directives.delta;
  const delta = scope.vmExport.filter((e) => e.delta).map((e) => ({ selector: { kind: 'name' as const, name: e.vm.name } }));
  if (delta.length > 0) directives.delta = delta;
  if (input.overrides.compress !== undefined) directives.compress = input.overrides.compress;
  if (input.overrides.preClean !== undefined) directives.preClean = input.overrides.preClean;
  return {
    settings: {
      poolDbBackup: settings.poolDbBackup,
      maxBackups: settings.maxBackups,
      backupDir: settings.backupDir,
      statusLog: settings.statusLog,
      vdiExportFormat: settings.vdiExportFormat,
    },
    directives,
    selections: [...scope.vdiExport.map(line('vdi-export')), ...scope.vmExport.map(line('vm-export'))],
  };
}

/**
 * Writes OUT.cfg; returns the number of VMs in it. VMs in it that VmBackup.py cannot back up
 * (a ":" or "," in the name, spaces at its ends) are named on stderr: the file is still right
 * for vmbackup, but a user who keeps the original beside it must know.
 */
export async function saveResolvedConfig(io: CliIo, input: ResolvedInput, out: string, force: boolean): Promise<number> {
  const model = resolvedModel(input);
  const text = formatConfig(model, {
    header: [
      `Resolved scope of ${input.source}, written by vmbackup preview at ${legacyTimestamp(input.now)}.`,
      'One line per VM: VMs created later are not picked up by this file.',
    ],
  });
  try {
    await writeFileAtomic(resolve(io.cwd, out), text, { overwrite: force });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new VmbackupError('OUTPUT_EXISTS', `${out} already exists; not overwritten`, 'add --force to replace it, or choose another name');
    }
    throw new VmbackupError('OUTPUT_UNWRITABLE', `cannot write ${out}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 'check the directory and its permissions');
  }
  const scoped = [...input.scope.vdiExport, ...input.scope.vmExport].map((e) => e.vm);
  const warning = legacyNameWarning(legacyNameProblemsOf(model, scoped));
  if (warning.length > 0) io.stderr(`vmbackup: warning: ${out}: ${warning.join('\n')}\n`);
  return model.selections.length;
}
