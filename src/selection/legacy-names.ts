/**
 * Which VMs a cfg selects that VmBackup.py cannot back up (config/legacy-name-traps.ts says
 * why). A name line counts its name; a pattern line counts every VM of the pool it matches, so
 * this needs the pool's VMs. Exclude lines do not count: the original reads them unsplit. Every
 * VM a pattern matches counts, even one excluded later: in 3.2-3.22 an exclude placed after the
 * selection does not take it out again.
 */
import { type CfgModel, type LegacyNameProblem, legacyNameProblems } from '../config/index.js';
import { compilePythonRegex, RegexSyntaxError } from '../pyre/index.js';
import { isBackupCandidate, type VmCandidate } from './resolve.js';

export function legacyNameProblemsOf(model: CfgModel, vms: readonly VmCandidate[]): LegacyNameProblem[] {
  const candidates = vms.filter(isBackupCandidate);
  const names: string[] = [];
  for (const line of model.selections) {
    if (line.action === 'exclude') continue;
    if (line.selector.kind === 'name') {
      names.push(line.selector.name);
      continue;
    }
    let matches: (name: string) => boolean;
    try {
      matches = compilePythonRegex(line.selector.pattern).matches;
    } catch (err) {
      // An invalid pattern selects nothing; the parser and the scope report it.
      if (err instanceof RegexSyntaxError) continue;
      throw err;
    }
    for (const vm of candidates) if (matches(vm.name)) names.push(vm.name);
  }
  return legacyNameProblems(names);
}
