/**
 * The pool database dump (pool_db_backup=1): GET /pool/xmldbdump into
 * METADATA_<master short name>/pool_db_%Y%m%d-%H%M%S.dump, checked as XML, and only the newest
 * max_backups dumps kept (the old script never pruned them). We always talk to the master (the
 * client follows HOST_IS_SLAVE), so the old hostname comparison that silently skipped the dump
 * is gone.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { poolError } from '../xapi/errors.js';
import type { RunContext } from './context.js';
import { downloadToFile } from './download.js';
import type { PoolDbResult } from './events.js';
import { insideBackupDir, poolDbFileName, poolDbFolderName } from './layout.js';
import { poolDbToRemove, removePoolDump } from './retention.js';

export async function backupPoolDb(ctx: RunContext): Promise<PoolDbResult> {
  const short = ctx.conn.masterName().split('.')[0]!;
  const dir = insideBackupDir(ctx.backupDir, poolDbFolderName(short));
  const result: PoolDbResult = { status: 'failed', deleted: [] };
  try {
    await mkdir(dir, { recursive: true });
    const name = poolDbFileName(ctx.now());
    const target = insideBackupDir(ctx.backupDir, poolDbFolderName(short), name);
    ctx.emit({ type: 'log', message: `*** begin backup_pool_metadata *** ${target}` });
    const ticket = await ctx.conn.transfer('pool database dump', '/pool/xmldbdump', {}, ctx.signal);
    await downloadToFile({
      ticket,
      finalPath: target,
      verifier: { kind: 'xml-dump' },
      sparse: false,
      signal: ctx.signal,
      onProgress: () => undefined,
      stallTimeoutS: ctx.settings.stallTimeoutS,
      onQuiet: (seconds) => ctx.emit({ type: 'log', message: `pool database dump: no data from the pool for ${seconds} s` }),
    });
    result.status = 'success';
    result.file = join(poolDbFolderName(short), name);
    for (const old of poolDbToRemove(await readdir(dir), ctx.settings.maxBackups)) {
      await removePoolDump(ctx.backupDir, join(dir, old));
      result.deleted.push(join(poolDbFolderName(short), old));
      ctx.emit({ type: 'log', message: `Deleting oldest pool dump ${join(dir, old)}` });
    }
  } catch (err) {
    const e = poolError(err, 'pool database dump');
    result.error = { code: e.code, message: e.message };
  }
  ctx.emit({ type: 'pool-db', result });
  return result;
}
