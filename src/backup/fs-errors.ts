/**
 * Failures of the backup file system as vmbackup errors. Without this, ENOSPC while writing an
 * export would read like a pool problem ("check that the pool is reachable").
 */
import { VmbackupError } from '../errors.js';

/**
 * A Node file-system error as ours; anything else: null. FileHandle writes do not name their
 * path, so the codes only a file system gives are recognised without one.
 */
export function fileSystemError(err: unknown, doing: string): VmbackupError | null {
  const e = err as NodeJS.ErrnoException | undefined;
  if (typeof e?.code !== 'string') return null;
  const where = typeof e.path === 'string' ? ` writing ${e.path}` : '';
  switch (e.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new VmbackupError('NO_SPACE', `${doing}: backup_dir filled up (${e.code})${where}`, 'free space on the backup file system (or lower max_backups); the unfinished files were removed');
    case 'EROFS':
      return new VmbackupError('BACKUP_DIR_NOT_WRITABLE', `${doing}: the backup file system is read-only (EROFS)${where}`, 'check the mount: file systems turn read-only after errors (dmesg)');
    default:
      if (typeof e.path !== 'string') return null;
      if (e.code === 'EACCES' || e.code === 'EPERM') {
        return new VmbackupError('BACKUP_DIR_NOT_WRITABLE', `${doing}: cannot write ${e.path} (${e.code})`, 'check the permissions of backup_dir');
      }
      return new VmbackupError(e.code, `${doing}: ${e.code} on ${e.path}`, 'check the backup file system (dmesg, mount options)');
  }
}
