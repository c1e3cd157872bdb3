/** What every step of a run shares: the pool, the settings, where to write, how to report. */
import type { EffectiveSettings } from '../config/index.js';
import type { PoolConnection } from '../xapi/connection.js';
import type { EventSink } from './events.js';
import type { BackupFolderStyle, OwnNames } from './layout.js';
import type { RetryPolicy } from './snapshots.js';

/**
 * verify_after: reads a backup just written back from the disk and checks it as `vmbackup
 * verify` does. The face hands it in: the verify room sits beside backup/, which never imports it.
 */
export type CheckWritten = (folder: string, vmName: string, signal: AbortSignal) => Promise<{ ok: true; bytes: number } | { ok: false; detail: string }>;

export interface RunContext {
  conn: PoolConnection;
  settings: EffectiveSettings;
  /** Absolute path of backup_dir. */
  backupDir: string;
  folderStyle: BackupFolderStyle;
  /** Our own names in backup_dir that depend on the settings (the status log's), which no VM folder may take. */
  ownNames: OwnNames;
  /** Tags our snapshots: a later run recognises leftovers by it. */
  runId: string;
  emit: EventSink;
  retry: RetryPolicy;
  /** Aborted by SIGINT/SIGTERM: streams stop, tasks are cancelled, cleanup still runs. */
  signal: AbortSignal;
  now(): Date;
  /** Set when the cfg says verify_after=true. */
  checkWritten?: CheckWritten;
}
