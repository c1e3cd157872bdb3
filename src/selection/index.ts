export { isBackupCandidate, resolveScope, type ExcludedVm, type ResolveOptions, type Scope, type ScopeEntry, type UnmatchedSelector, type VmCandidate } from './resolve.js';
export { parseVmNamesList } from './names-list.js';
export { legacyNameProblemsOf } from './legacy-names.js';
