/**
 * Expands the selector lines of a cfg against the pool's VMs: which VMs get a vm-export, which a
 * vdi-export, with which retention. Pure: VM records in, Scope out.
 *
 * Semantics are those of VmBackup 3.24/3.25, which made the result independent of line order:
 * - excludes always win;
 * - vdi-export beats vm-export for the same VM;
 * - when several lines select a VM, the last one decides its :N (or its lack of one), and the
 *   VM keeps the position where it was first selected;
 * - one entry per VM;
 * - templates, snapshots and control domains are never candidates;
 * - `vm-export=` (empty) selects every VM;
 * - `#vmbackup: delta=` lines only mark vm-export entries `delta` (selection/delta.ts).
 * Where 3.24 has bugs (a VM left in both lists after adjacent duplicates; a crash on a second
 * matching exclude in 3.2-3.22), we do what its README says it does.
 */
import { type CfgModel, type ConfigIssue, excerpt, IssueList, type SelectionAction, type SelectionLine } from '../config/index.js';
import { RegexSyntaxError } from '../pyre/index.js';
import { deltaVms } from './delta.js';
import { matcherFor } from './matcher.js';

export interface VmCandidate {
  name: string;
  uuid?: string;
  /** Where the record came from, for messages when there is no uuid (e.g. "names.txt:4"). */
  origin?: string;
  isTemplate?: boolean;
  isSnapshot?: boolean;
  isControlDomain?: boolean;
}

export interface ScopeEntry {
  vm: VmCandidate;
  /** The :N of the deciding line; undefined means the global max_backups. */
  maxBackups?: number;
  /** Line of the selector that decided this entry. */
  line: number | null;
  /** A vm-export backed up as a delta chain: a `#vmbackup: delta=` line matches it (never on vdi-export). */
  delta?: true;
}

export interface ExcludedVm {
  vm: VmCandidate;
  line: number | null;
}

/** A selector line that matched no VM: a renamed VM is no longer backed up. */
export interface UnmatchedSelector {
  action: SelectionAction;
  /** The line as `action=selector`, for messages. */
  text: string;
  /** An exact name, not a regex. */
  exact: boolean;
  line: number | null;
  /** Its warning in `warnings`. */
  issue: ConfigIssue;
}

export interface Scope {
  /** In backup order: all vdi-exports run before all vm-exports, as in the original. */
  vdiExport: ScopeEntry[];
  vmExport: ScopeEntry[];
  exclude: ExcludedVm[];
  warnings: ConfigIssue[];
  errors: ConfigIssue[];
  /** Every selector line that matched no VM (its warning is in `warnings` too). */
  unmatched: UnmatchedSelector[];
}

export interface ResolveOptions {
  /** File name for messages. */
  file: string;
}

interface Pick extends ScopeEntry {
  /** Selected by an exact name, not a pattern: overlaps are then worth a warning. */
  exact: boolean;
}

function label(entry: SelectionLine): string {
  const s = entry.selector;
  return `${entry.action}=${excerpt(s.kind === 'name' ? s.name : s.pattern)}`;
}

/** A VM a selector can pick: not a template, a snapshot or a control domain (the TUI lists the same). */
export function isBackupCandidate(vm: { isTemplate?: boolean; isSnapshot?: boolean; isControlDomain?: boolean }): boolean {
  return !vm.isTemplate && !vm.isSnapshot && !vm.isControlDomain;
}

function describe(vm: VmCandidate): string {
  return vm.uuid ?? vm.origin ?? '(unknown)';
}

export function resolveScope(model: CfgModel, vms: VmCandidate[], options: ResolveOptions): Scope {
  const issues = new IssueList(options.file);
  const candidates = vms.filter(isBackupCandidate);
  const excluded = new Map<VmCandidate, ExcludedVm>();
  const lists = { 'vm-export': new Map<VmCandidate, Pick>(), 'vdi-export': new Map<VmCandidate, Pick>() };
  const unmatched: UnmatchedSelector[] = [];

  for (const entry of model.selections) {
    const line = entry.line ?? null;
    let matches: (name: string) => boolean;
    try {
      matches = matcherFor(entry.selector);
    } catch (err) {
      if (!(err instanceof RegexSyntaxError)) throw err;
      issues.error(line, `invalid regex in ${label(entry)}: ${err.reason} (column ${err.column} of the pattern)`, 'fix the pattern');
      continue;
    }
    const matched = candidates.filter((vm) => matches(vm.name));
    if (matched.length === 0) {
      const hint = entry.selector.kind === 'name' ? 'check the spelling: names are case-sensitive' : 'the pattern must match from the first character of the name (re.match)';
      issues.warning(line, `${label(entry)} matches no VM`, hint);
      unmatched.push({ action: entry.action, text: label(entry), exact: entry.selector.kind === 'name', line, issue: issues.items.at(-1)! });
    }
    if (entry.action === 'exclude') {
      for (const vm of matched) if (!excluded.has(vm)) excluded.set(vm, { vm, line });
      continue;
    }
    const list = lists[entry.action];
    for (const vm of matched) {
      const earlier = list.get(vm);
      if (earlier?.maxBackups !== undefined && earlier.maxBackups !== entry.maxBackups) {
        const now = entry.maxBackups === undefined ? 'the global max_backups' : `:${entry.maxBackups}`;
        issues.warning(
          line,
          `${label(entry)} sets ${now} for ${vm.name}, replacing :${earlier.maxBackups} from line ${earlier.line} (the last line wins)`,
          `move line ${earlier.line} below line ${line} if :${earlier.maxBackups} is meant`,
        );
      }
      const pick: Pick = { vm, line, exact: entry.selector.kind === 'name' };
      if (entry.maxBackups !== undefined) pick.maxBackups = entry.maxBackups;
      list.set(vm, pick);
    }
  }

  for (const [vm, vdi] of lists['vdi-export']) {
    const vmPick = lists['vm-export'].get(vm);
    if (!vmPick) continue;
    lists['vm-export'].delete(vm);
    if (vmPick.exact && vdi.exact) {
      issues.warning(vmPick.line, `${vm.name} is selected for both vdi-export (line ${vdi.line}) and vm-export (line ${vmPick.line}); vdi-export wins`, 'remove one of the two lines');
    }
  }
  for (const list of Object.values(lists)) {
    for (const [vm, pick] of list) {
      const ex = excluded.get(vm);
      if (!ex) continue;
      list.delete(vm);
      if (pick.exact) issues.warning(pick.line, `${vm.name} is selected on line ${pick.line} but excluded on line ${ex.line}; excludes always win`, 'remove one of the two lines');
    }
  }

  // Backups are stored under <backup_dir>/<vm name>/: two VMs with one name would share (and
  // prune) one folder. Refuse those VMs; the rest of the scope stays usable.
  const all = [...lists['vdi-export'].values(), ...lists['vm-export'].values()];
  const byName = new Map<string, VmCandidate[]>();
  for (const vm of candidates) byName.set(vm.name, [...(byName.get(vm.name) ?? []), vm]);
  const reported = new Set<string>();
  for (const pick of all) {
    const same = byName.get(pick.vm.name)!;
    if (same.length < 2) continue;
    for (const list of Object.values(lists)) list.delete(pick.vm);
    if (reported.has(pick.vm.name)) continue;
    reported.add(pick.vm.name);
    issues.error(
      pick.line,
      `${same.length} VMs are named "${pick.vm.name}" (${same.map(describe).join(', ')}); backups are stored by name, so they would share one folder`,
      'give each VM its own name (xe vm-param-set uuid=UUID name-label=NEW), or exclude the name',
    );
  }

  const delta = deltaVms(model.directives.delta ?? [], { candidates, vmExport: lists['vm-export'], vdiExport: lists['vdi-export'], excluded, refusedNames: reported }, issues);
  const toEntry = ({ vm, maxBackups, line }: Pick): ScopeEntry => ({ vm, ...(maxBackups === undefined ? {} : { maxBackups }), line, ...(delta.has(vm) ? { delta: true as const } : {}) });
  const scope: Scope = {
    vdiExport: [...lists['vdi-export'].values()].map(toEntry),
    vmExport: [...lists['vm-export'].values()].map(toEntry),
    exclude: [...excluded.values()],
    warnings: [],
    errors: [],
    unmatched,
  };
  if (scope.vdiExport.length + scope.vmExport.length === 0 && reported.size === 0) {
    issues.error(null, 'no VMs selected: every selector matched nothing, or only excluded VMs', 'check the names with `vmbackup preview`; add a vm-export= or vdi-export= line');
  }
  scope.warnings = issues.warnings;
  scope.errors = issues.errors;
  return scope;
}
