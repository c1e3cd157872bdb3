/**
 * The catalog of a backup_dir (`vmbackup list`, the TUI's Backups screen) and what a restore
 * PATH names. Types in types.ts; scan.ts reads a backup_dir, read-backup.ts one dated folder,
 * resolve.ts a restore PATH, json.ts the `--json` shape, parse.ts the pure readers.
 */
export type * from './types.js';
export { scanCatalog, type ScanOptions } from './scan.js';
export { readBackup, resolveBackupPath } from './resolve.js';
export { backupJson, catalogJson } from './json.js';
export { exportFormatOf, isoLocal, localDateTime, VERIFY_FILE } from './parse.js';
