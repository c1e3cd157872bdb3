/**
 * VM names that VmBackup.py cannot back up, however the cfg writes them. Our writer escapes
 * every byte correctly (name-escape.ts), and vmbackup reads such a cfg to the right VM; the
 * original loses the name before or after matching (spec §2.4, §3.1, §3.6):
 *
 * - `:` — every selected entry is split at ":" to find its `:N` (get_vm_name,
 *   get_vm_max_backups): "WinSvr:2019" becomes VM "WinSvr" with max_backups 2019, and the
 *   existence check then stops the run with "vm(s) List does not exist: WinSvr";
 * - `,` — its VM list is the output of `xe vm-list ... --minimal` split at ",": "a,b" is seen as
 *   the two names "a" and "b";
 * - a line break — only the last line of that output is read;
 * - whitespace at either end — config values are stripped, and so is the names' list, so such a
 *   name is never the one it compares.
 *
 * Pure: used by both faces when they save a cfg (the TUI's save screen, `--save-config`).
 */
import { pyStrip } from './python-text.js';

export type LegacyNameTrap = 'colon' | 'comma' | 'line-break' | 'edge-space';

export interface LegacyNameProblem {
  name: string;
  traps: LegacyNameTrap[];
}

/** Why VmBackup.py cannot back up a VM of this name; empty when it can. */
export function legacyNameTraps(name: string): LegacyNameTrap[] {
  const traps: LegacyNameTrap[] = [];
  if (name.includes(':')) traps.push('colon');
  if (name.includes(',')) traps.push('comma');
  if (/[\n\r]/.test(name)) traps.push('line-break');
  if (pyStrip(name) !== name) traps.push('edge-space');
  return traps;
}

/** The names VmBackup.py cannot back up, each once, in the order given. */
export function legacyNameProblems(names: Iterable<string>): LegacyNameProblem[] {
  const seen = new Set<string>();
  const out: LegacyNameProblem[] = [];
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const traps = legacyNameTraps(name);
    if (traps.length > 0) out.push({ name, traps });
  }
  return out;
}

/** A name as it is shown: quoted, with control characters and edge spaces visible. */
const shown = (name: string) => JSON.stringify(name);

function explain(name: string, trap: LegacyNameTrap): string {
  switch (trap) {
    case 'colon': {
      const [vm, keep] = name.split(':');
      return `it splits names at ":" and looks for VM ${shown(vm!)} with max_backups ${shown(keep!)}`;
    }
    case 'comma':
      return `its VM list (xe vm-list --minimal) splits names at ",": it sees ${name.split(',').map(shown).join(' and ')}`;
    case 'line-break':
      return 'its VM list (xe vm-list --minimal) is read by its last line: a line break cuts the name';
    case 'edge-space':
      return `it strips the spaces at the ends of names: it sees ${shown(pyStrip(name))}`;
  }
}

/** One line for one VM: its name and every reason. */
export function describeLegacyNameProblem(problem: LegacyNameProblem): string {
  return `${shown(problem.name)}: ${problem.traps.map((t) => explain(problem.name, t)).join('; ')}`;
}

/**
 * The warning, as lines: a heading, one line per VM (at most `max`, then how many more), and
 * what to do. Empty when every name is fine.
 */
export function legacyNameWarning(problems: readonly LegacyNameProblem[], max = Infinity): string[] {
  if (problems.length === 0) return [];
  const n = problems.length;
  const lines = [`VmBackup.py cannot back up ${n === 1 ? '1 VM' : `${n} VMs`} this cfg selects (vmbackup can):`];
  for (const p of problems.slice(0, max)) lines.push(`  ${describeLegacyNameProblem(p)}`);
  if (n > max) lines.push(`  and ${n - max} more`);
  const stops = problems.some((p) => p.traps.includes('colon'));
  lines.push(`Rename ${n === 1 ? 'it' : 'them'} if the cfg must also run with VmBackup.py${stops ? ' (a ":" stops its whole run)' : ''}.`);
  return lines;
}
