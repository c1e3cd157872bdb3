/**
 * The user's choices as a CfgModel: what the run and preview screens hand the engine and what
 * the save screen writes, so the TUI, a saved cfg and a headless run of it resolve one scope.
 *
 * Two shapes:
 * - names: one line per chosen VM (vdi-export lines first, the order 3.1 needed), `:N` where the
 *   keep was changed, one `exclude=` line per excluded VM;
 * - filter: when the choice is exactly "every VM the filter shows, less the excluded ones", the
 *   filter itself becomes the selector, so VMs created later that match are backed up too. VMs
 *   whose mode or keep differs from the filter line's get a name line after it: vdi-export beats
 *   vm-export, and the last line decides `:N` (the filter line has none, so nothing is replaced).
 *
 * vdi_export_format is one global setting in the legacy format: a choice that mixes VDI raw and
 * VDI vhd cannot be written (nor run as one cfg) and is refused with the VMs named. The same for
 * "boot disk only / every disk" (`#vmbackup: vdi_disks=all`), written when a VDI VM is chosen.
 *
 * A delta VM is a `vm-export=` line like an XVA one, plus a `#vmbackup: delta=` line naming it:
 * the original script reads the delta line as a comment and still exports a full XVA.
 */
import { type CfgModel, ConfigError, type DeltaLine, type Directives, formatConfig, type LegacySettings, type SelectionLine } from '../../config/index.js';
import type { SavedFilter, TuiMode, VmRow } from '../contracts.js';

export type { SavedFilter };
import { isChosen, isVdiMode, type SelectState, type VmChoice } from './selection.js';

/** What the model takes from the session (and settings) rather than from the list. */
export interface ModelBase {
  poolUrl: string;
  user: string;
  backupDir: string;
  statusLog: string;
  /** The global max_backups; written as max_backups= (default 4). */
  maxBackups?: number;
  /** Further directives to keep (compress, fingerprint...); pool and user are set from above. */
  directives?: Directives;
}

export type ModelResult = { ok: true; model: CfgModel; vms: number } | { ok: false; message: string };

interface Chosen {
  row: VmRow;
  choice: VmChoice;
}

const actionOf = (mode: TuiMode) => (isVdiMode(mode) ? 'vdi-export' : 'vm-export');

function chosen(state: SelectState): Chosen[] {
  const out: Chosen[] = [];
  state.choices.forEach((choice, i) => {
    if (isChosen(choice)) out.push({ row: state.rows[i]!, choice });
  });
  return out;
}

function names(list: readonly Chosen[], max = 4): string {
  const shown = list.slice(0, max).map((c) => c.row.name);
  return list.length > max ? `${shown.join(', ')} and ${list.length - max} more` : shown.join(', ');
}

/** Why the choice cannot be one cfg, or null. */
export function mixedFormats(state: SelectState): string | null {
  const picked = chosen(state);
  const raw = picked.filter((c) => c.choice.mode === 'vdi-raw');
  const vhd = picked.filter((c) => c.choice.mode === 'vdi-vhd');
  if (raw.length === 0 || vhd.length === 0) return null;
  return `VDI raw (${names(raw)}) and VDI vhd (${names(vhd)}) cannot be mixed: vdi_export_format is one setting for the whole cfg. Press m on one side to make them the same.`;
}

/**
 * True when the filter can stand for the choice: a regex or an empty filter (not a single exact
 * name), every visible VM chosen or excluded, nothing chosen outside it, at least one chosen.
 */
export function filterStandsForChoice(state: SelectState): boolean {
  if (state.filterError !== null || state.filter.kind === 'name' || state.selectedCount === 0) return false;
  if (!patternWritable(filterPattern(state))) return false;
  const visible = new Set(state.visible);
  for (let i = 0; i < state.choices.length; i++) {
    const c = state.choices[i]!;
    const on = isChosen(c);
    if (visible.has(i) ? !on && !c.excluded : on) return false;
  }
  return true;
}

/** The filter as a selector pattern; an empty filter is written `.*` (a bare `vdi-export=` is ignored by the original). */
function filterPattern(state: SelectState): string {
  return state.filter.selector === '' ? '.*' : state.filter.selector;
}

/** A ":" (the :N separator), "=" or a line break cannot stand in a selector line: the writer refuses them. */
function patternWritable(pattern: string): boolean {
  try {
    formatConfig({ settings: {}, directives: {}, selections: [{ action: 'vm-export', selector: { kind: 'pattern', pattern } }] });
    return true;
  } catch (err) {
    if (err instanceof ConfigError) return false;
    throw err;
  }
}

function nameLine(action: SelectionLine['action'], name: string, keep: number | null): SelectionLine {
  const line: SelectionLine = { action, selector: { kind: 'name', name } };
  if (keep !== null) line.maxBackups = keep;
  return line;
}

function settingsOf(base: ModelBase, picked: readonly Chosen[]): Partial<LegacySettings> {
  return {
    maxBackups: base.maxBackups ?? 4,
    backupDir: base.backupDir,
    statusLog: base.statusLog,
    vdiExportFormat: picked.some((c) => c.choice.mode === 'vdi-vhd') ? 'vhd' : 'raw',
  };
}

function excludeLines(state: SelectState): SelectionLine[] {
  const seen = new Set<string>();
  const out: SelectionLine[] = [];
  state.choices.forEach((c, i) => {
    const name = state.rows[i]!.name;
    // Two matching exclude lines crash VmBackup 3.2-3.22: one line per name.
    if (c.excluded && !seen.has(name)) {
      seen.add(name);
      out.push({ action: 'exclude', selector: { kind: 'name', name } });
    }
  });
  return out;
}

/**
 * The `#vmbackup: delta=` lines: one per delta VM by name; in the filter shape, when every VM
 * the filter line backs up is delta, the filter itself, so VMs created later that match are
 * delta too. VmBackup.py skips these lines and exports the same VMs as full XVA files.
 */
function deltaLines(state: SelectState, picked: readonly Chosen[], shape: 'names' | 'filter'): DeltaLine[] {
  const delta = picked.filter((c) => c.choice.mode === 'delta');
  if (delta.length === 0) return [];
  const vmExport = picked.filter((c) => !isVdiMode(c.choice.mode));
  if (shape === 'filter' && delta.length === vmExport.length) return [{ selector: { kind: 'pattern', pattern: filterPattern(state) } }];
  return delta.map((c) => ({ selector: { kind: 'name', name: c.row.name } }));
}

export function modelFromSelection(state: SelectState, base: ModelBase, shape: 'names' | 'filter' = 'names'): ModelResult {
  const picked = chosen(state);
  if (picked.length === 0) return { ok: false, message: 'No VM is selected: press space on a VM, or a for every VM shown.' };
  const mixed = mixedFormats(state);
  if (mixed !== null) return { ok: false, message: mixed };
  if (shape === 'filter' && !filterStandsForChoice(state)) {
    return { ok: false, message: 'The selection is not exactly the VMs the filter shows; it is saved as names.' };
  }

  let selections: SelectionLine[];
  if (shape === 'names') {
    const vdi = picked.filter((c) => isVdiMode(c.choice.mode));
    const vm = picked.filter((c) => !isVdiMode(c.choice.mode));
    selections = [...vdi, ...vm].map((c) => nameLine(actionOf(c.choice.mode), c.row.name, c.choice.keep));
  } else {
    // vm-export on the filter line unless every VM is vdi-export: a vm-export name line cannot
    // beat a vdi-export filter line, the other way round works.
    const action = picked.every((c) => isVdiMode(c.choice.mode)) ? 'vdi-export' : 'vm-export';
    const filterLine: SelectionLine = { action, selector: { kind: 'pattern', pattern: filterPattern(state) } };
    const overrides = picked.filter((c) => actionOf(c.choice.mode) !== action || c.choice.keep !== null);
    selections = [filterLine, ...overrides.map((c) => nameLine(actionOf(c.choice.mode), c.row.name, c.choice.keep))];
  }
  // vdi_disks and delta= say what the list says, never what the base carried.
  const { vdiDisks: _fromBase, delta: _deltaFromBase, ...kept } = base.directives ?? {};
  const allDisks = state.vdiDisks === 'all' && picked.some((c) => isVdiMode(c.choice.mode));
  const delta = deltaLines(state, picked, shape);
  const directives: Directives = { ...kept, pool: base.poolUrl, user: base.user, ...(allDisks ? { vdiDisks: 'all' as const } : {}), ...(delta.length > 0 ? { delta } : {}) };
  return {
    ok: true,
    model: { settings: settingsOf(base, picked), directives, selections: [...selections, ...excludeLines(state)] },
    vms: picked.length,
  };
}

/** Bytes a VM's backup reads from the pool: every disk for XVA, the boot disk alone for VDI unless vdi_disks=all. */
export function rowEstimate(row: VmRow, mode: TuiMode, vdiDisks: SelectState['vdiDisks']): number {
  // A delta VM may take a full: every disk counts, as for XVA.
  if (!isVdiMode(mode) || vdiDisks === 'all') return row.diskBytes;
  // Rows read without the boot disk's size count every disk: better too much than too little.
  return row.bootDiskBytes ?? row.diskBytes;
}

/** The estimated size of the chosen VMs' backups (virtual sizes: an upper bound for sparse disks). */
export function chosenBytes(state: SelectState): number {
  return chosen(state).reduce((sum, c) => sum + rowEstimate(c.row, c.choice.mode, state.vdiDisks), 0);
}
