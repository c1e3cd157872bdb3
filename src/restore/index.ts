/**
 * The restore engine's API, for both faces (`vmbackup restore`, the TUI's Backups screen):
 * plan (read-only: what would be created, which questions need a yes), then run.
 */
export { planRestore } from './plan-build.js';
export { runRestore } from './run.js';
export { listTargetSrs } from './target-sr.js';
export type * from './types.js';
