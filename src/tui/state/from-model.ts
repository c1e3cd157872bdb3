/**
 * A cfg read back into the list's choices: the inverse of modelFromSelection, for a cfg the
 * TUI opens. The scope is resolved by selection/ exactly as a run would resolve it (excludes win,
 * vdi-export beats vm-export, the last line's :N), so each row shows what a run of the file does:
 * a vm-export that a `#vmbackup: delta=` line marks is a delta row.
 */
import type { CfgModel, ConfigIssue } from '../../config/index.js';
import { resolveScope } from '../../selection/index.js';
import type { VmRow } from '../contracts.js';
import type { VmChoice } from './selection.js';

export interface ChoicesFromModel {
  /** Parallel to the rows. */
  choices: VmChoice[];
  vdiDisks: 'boot' | 'all';
  /** The cfg's max_backups: the keep of rows without :N. */
  defaultKeep: number;
  /** The resolution's warnings and errors (a delta= naming an unselected VM, a selector matching nothing...). */
  issues: ConfigIssue[];
}

export function choicesFromModel(model: CfgModel, rows: readonly VmRow[], file: string): ChoicesFromModel {
  const defaultKeep = model.settings.maxBackups ?? 4;
  const byUuid = new Map(rows.map((r, i) => [r.uuid, i]));
  const scope = resolveScope(model, rows.map((r) => ({ name: r.name, uuid: r.uuid })), { file });
  const choices: VmChoice[] = rows.map(() => ({ selected: false, mode: 'xva', keep: null, excluded: false }));
  const keepOf = (n: number | undefined) => (n === undefined || n === defaultKeep ? null : n);
  const vdiMode = model.settings.vdiExportFormat === 'vhd' ? 'vdi-vhd' : 'vdi-raw';
  for (const e of scope.vdiExport) choices[byUuid.get(e.vm.uuid!)!] = { selected: true, mode: vdiMode, keep: keepOf(e.maxBackups), excluded: false };
  for (const e of scope.vmExport) choices[byUuid.get(e.vm.uuid!)!] = { selected: true, mode: e.delta ? 'delta' : 'xva', keep: keepOf(e.maxBackups), excluded: false };
  for (const e of scope.exclude) choices[byUuid.get(e.vm.uuid!)!] = { selected: false, mode: 'xva', keep: null, excluded: true };
  return { choices, vdiDisks: model.directives.vdiDisks ?? 'boot', defaultKeep, issues: [...scope.errors, ...scope.warnings] };
}
