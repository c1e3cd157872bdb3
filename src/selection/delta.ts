/**
 * `#vmbackup: delta=` lines against the resolved scope: which vm-export VMs are backed up as
 * delta chains. A delta= line never selects a VM by itself (VmBackup.py reads it as a comment,
 * so the file's scope must not depend on it); it only changes how a vm-export VM is taken.
 *
 * Warnings, each naming the line and the fix:
 * - a line that matches no VM of the pool (the words of the selection lines' warning);
 * - an exact name whose VM is excluded, a vdi-export, or selected by no vm-export= line;
 * - a pattern that matches VMs, none of them a vm-export.
 * A pattern that also matches VMs outside the vm-export scope is no warning: `delta=.*` means
 * "every vm-export VM", and the excludes it meets are meant. resolve.ts has the same rule for
 * overlaps: only exact names on both sides are worth a warning.
 */
import { type DeltaLine, excerpt, type IssueList } from '../config/index.js';
import { RegexSyntaxError } from '../pyre/index.js';
import { matcherFor } from './matcher.js';

interface Candidate {
  name: string;
}

export interface DeltaContext<V extends Candidate> {
  candidates: readonly V[];
  /** The final vm-export picks (after vdi-export, excludes and duplicate names). */
  vmExport: ReadonlyMap<V, { line: number | null }>;
  vdiExport: ReadonlyMap<V, { line: number | null }>;
  excluded: ReadonlyMap<V, { line: number | null }>;
  /** VM names refused because two VMs share them (already an error). */
  refusedNames: ReadonlySet<string>;
}

const at = (line: number | null) => (line === null ? '' : ` on line ${line}`);

function listed(items: readonly string[], max = 4): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

/** The VMs to back up as delta; problems go into `issues`. */
export function deltaVms<V extends Candidate>(lines: readonly DeltaLine[], ctx: DeltaContext<V>, issues: IssueList): Set<V> {
  const delta = new Set<V>();
  for (const entry of lines) {
    const line = entry.line ?? null;
    const exact = entry.selector.kind === 'name';
    const text = `#vmbackup: delta=${excerpt(entry.selector.kind === 'name' ? entry.selector.name : entry.selector.pattern)}`;
    let matches: (name: string) => boolean;
    try {
      matches = matcherFor(entry.selector);
    } catch (err) {
      if (!(err instanceof RegexSyntaxError)) throw err;
      issues.error(line, `invalid regex in ${text}: ${err.reason} (column ${err.column} of the pattern)`, 'fix the pattern');
      continue;
    }
    const all = ctx.candidates.filter((vm) => matches(vm.name));
    if (all.length === 0) {
      issues.warning(line, `${text} matches no VM`, exact ? 'check the spelling: names are case-sensitive' : 'the pattern must match from the first character of the name (re.match)');
      continue;
    }
    // A name two VMs share is already an error that names them.
    const matched = all.filter((vm) => !ctx.refusedNames.has(vm.name));
    if (matched.length === 0) continue;
    const outside: string[] = [];
    let inScope = 0;
    for (const vm of matched) {
      if (ctx.vmExport.has(vm)) {
        delta.add(vm);
        inScope++;
        continue;
      }
      if (!exact) continue;
      const ex = ctx.excluded.get(vm);
      const vdi = ctx.vdiExport.get(vm);
      if (ex) outside.push(`${vm.name} (excluded${at(ex.line)})`);
      else if (vdi) outside.push(`${vm.name} (a vdi-export${at(vdi.line)})`);
      else outside.push(`${vm.name} (no vm-export= line selects it)`);
    }
    if (outside.length > 0) {
      const fix = ctx.excluded.has(matched[0]!) ? 'remove the exclude= line, or this delta= line' : `add a vm-export= line for ${excerpt(matched[0]!.name)}, or remove this delta= line`;
      issues.warning(line, `${text} matches ${listed(outside)}, which vm-export= does not back up: only vm-export VMs are backed up as delta`, fix);
    } else if (inScope === 0) {
      issues.warning(line, `${text} matches ${listed(matched.map((vm) => vm.name))}, none of them a vm-export VM: it backs up nothing as delta`, 'select them with vm-export=, or fix the pattern');
    }
  }
  return delta;
}
