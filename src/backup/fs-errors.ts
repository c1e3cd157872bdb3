/**
 * Failures of the backup file system as vmbackup errors. Without this, ENOSPC while writing an
 * export would read like a pool problem ("check that the pool is reachable").
 */
import { VmbackupError } from '../errors.js';

/** A Node file-system error (it names the path it failed on), as ours; anything else: null. */
export function fileSystemError(err: unknown, doing: string): VmbackupError | null {
  const e = err as NodeJS.ErrnoException | undefined;
  if (typeof e?.code !== 'string' || typeof e.path !== 'string') return null;
  switch (e.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new VmbackupError('NO_SPACE', `${doing}: backup_dir filled up (${e.code}) writing ${e.path}`, 'free space on the backup file system (or lower max_backups); the unfinished files were removed');
    case 'EROFS':
    case 'EACCES':
    case 'EPERM':
      return new VmbackupError('BACKUP_DIR_NOT_WRITABLE', `${doing}: cannot write ${e.path} (${e.code})`, 'check the mount (read-only after an error?) and its permissions');
    default:
      return new VmbackupError(e.code, `${doing}: ${e.code} on ${e.path}`, 'check the backup file system (dmesg, mount options)');
  }
}
