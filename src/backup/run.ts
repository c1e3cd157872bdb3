/**
 * A whole run: lock backup_dir (one run at a time), check it is writable, plan, dump the pool
 * database, back up the VMs (`concurrency` at a time, in backup order), and summarise. SIGINT or
 * SIGTERM aborts `signal`: streams stop, tasks are cancelled, snapshots and partial folders are
 * removed, VMs not started are reported as cancelled.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { CfgModel, EffectiveSettings } from '../config/index.js';
import { VmbackupError } from '../errors.js';
import type { Scope } from '../selection/index.js';
import type { PoolConnection } from '../xapi/connection.js';
import type { CheckWritten, RunContext } from './context.js';
import type { EventSink, PlannedVm, PoolDbResult, RunSummary, VmError, VmResult } from './events.js';
import { plannedFormat } from './exports.js';
import { type OwnNames, ownNamesIn } from './layout.js';
import { acquireLock } from './lock.js';
import { planBackup } from './plan.js';
import { backupPoolDb } from './pool-db.js';
import { DEFAULT_RETRY, type RetryPolicy } from './snapshots.js';
import { backupVm } from './vm-job.js';

export interface RunOptions {
  conn: PoolConnection;
  model: CfgModel;
  settings: EffectiveSettings;
  /** The cfg file name, for messages. */
  source: string;
  emit: EventSink;
  signal: AbortSignal;
  retry?: RetryPolicy;
  now?: () => Date;
  /** verify_after's re-read (used only when the settings ask for it). */
  checkWritten?: CheckWritten;
}

/** backup_dir must exist and take a file, as the old script checked with a touch. */
export async function checkBackupDir(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw new VmbackupError('BACKUP_DIR_MISSING', `backup_dir ${dir} does not exist or is not a directory`, 'create it or mount the backup share');
  const probe = resolve(dir, '00VMbackupWriteTest');
  try {
    await writeFile(probe, '');
    await unlink(probe);
  } catch (err) {
    throw new VmbackupError('BACKUP_DIR_NOT_WRITABLE', `cannot write to backup_dir ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 'check the mount and its permissions');
  }
}

/** A VM the run never started: reported in the mode and format it was planned with. */
function cancelled(vm: PlannedVm, settings: EffectiveSettings): VmResult {
  return { name: vm.name, uuid: vm.uuid, mode: vm.mode, format: plannedFormat(vm.mode, settings), status: 'cancelled', folder: null, files: [], bytes: 0, elapsedMs: 0, rateMBps: 0, warnings: [], deleted: [], error: { code: 'INTERRUPTED', message: 'not started: the run was interrupted' } };
}

/** A status log inside backup_dir takes a name no VM folder may take (a VM named status.log). */
export function runOwnNames(backupDir: string, settings: EffectiveSettings): OwnNames {
  return ownNamesIn(backupDir, [resolve(settings.statusLog)]);
}

/**
 * A run that failed before its first VM (lock held, no pool, backup_dir missing): summarised as
 * a run with this one problem, so every report shows it as E:1.
 */
export function failedBeforeStart(base: Pick<RunSummary, 'startedAt' | 'host' | 'pool' | 'backupDir' | 'interrupted'>, err: VmbackupError, finishedAt: Date): RunSummary {
  return summarize({ ...base, vms: [], poolDb: null, problems: [{ code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) }] }, finishedAt);
}

export function summarize(input: Omit<RunSummary, 'counts' | 'status' | 'finishedAt' | 'warnings'> & { warnings?: VmError[] }, finishedAt: Date): RunSummary {
  const base = { ...input, warnings: input.warnings ?? [] };
  const counts = { success: 0, warning: 0, error: 0 };
  for (const vm of base.vms) {
    if (vm.status === 'success') counts.success++;
    else if (vm.status === 'warning') counts.warning++;
    else counts.error++;
  }
  if (base.poolDb?.status === 'failed') counts.error++;
  counts.error += base.problems.length;
  counts.warning += base.warnings.length;
  const status = counts.error > 0 ? 'ERROR' : counts.warning > 0 ? 'WARNING' : 'SUCCESS';
  return { ...base, counts, status, finishedAt: finishedAt.toISOString() };
}

/**
 * A vm-export or vdi-export selector that matches no VM is a warning of the run: when a VM is
 * renamed, its backups stop, and only a warning in the exit code and the report says so. An
 * exclude that matches nothing loses no backup and stays a logged warning.
 */
export function runWarnings(scope: Scope, source: string): VmError[] {
  return scope.unmatched
    .filter((u) => u.action !== 'exclude')
    .map((u) => ({
      code: 'NO_MATCH',
      message: `${source}${u.line === null ? '' : `:${u.line}`}: ${u.text} matches no VM${u.exact ? '' : ' (a regex)'}: no VM is backed up by this line`,
      hint: u.exact ? 'a renamed VM? check the name (names are case-sensitive), or remove the line' : 'check the pattern (re.match: it must match from the first character of the name), or remove the line',
    }));
}

export async function runBackup(opts: RunOptions): Promise<RunSummary> {
  const now = opts.now ?? (() => new Date());
  // Each VM in flight listens for the abort a few times over (task, transfer, file): with
  // concurrency up to 16 that passes Node's default warning threshold of 10.
  setMaxListeners(100, opts.signal);
  const backupDir = resolve(opts.settings.backupDir);
  await checkBackupDir(backupDir);
  if (opts.settings.verifyAfter && !opts.checkWritten) throw new VmbackupError('VERIFY_AFTER_UNAVAILABLE', 'verify_after=true, but this face cannot re-read backups', 'a bug: report it; meanwhile run `vmbackup verify` after the run');
  const lock = await acquireLock(backupDir);
  const stopNotices = opts.conn.onNotice((message) => opts.emit({ type: 'log', message }));
  try {
    if (lock.tookOverFrom) {
      opts.emit({ type: 'warning', message: `took over a stale lock of PID ${lock.tookOverFrom.pid} (${lock.tookOverFrom.host}, started ${lock.tookOverFrom.started})` });
    }
    const ctx: RunContext = {
      conn: opts.conn,
      settings: opts.settings,
      backupDir,
      folderStyle: opts.settings.folderNames,
      ownNames: runOwnNames(backupDir, opts.settings),
      // Who made a snapshot: the sweep of another run leaves it alone while this process lives.
      runId: `${randomUUID()}@${hostname()}:${process.pid}`,
      emit: opts.emit,
      retry: opts.retry ?? DEFAULT_RETRY,
      signal: opts.signal,
      now,
      ...(opts.settings.verifyAfter && opts.checkWritten ? { checkWritten: opts.checkWritten } : {}),
    };
    const startedAt = now();
    const plan = planBackup(opts.model, opts.settings, opts.conn.vms(), opts.source);
    const problems: VmError[] = plan.scope.errors.map((e) => ({ code: 'SCOPE', message: e.message }));
    const warnings = runWarnings(plan.scope, opts.source);
    const counted = new Set(plan.scope.unmatched.filter((u) => u.action !== 'exclude').map((u) => u.issue));
    // The counted ones are reported with the run's result, like the problems.
    for (const w of plan.scope.warnings) if (!counted.has(w)) opts.emit({ type: 'warning', message: `${opts.source}${w.line ? `:${w.line}` : ''}: ${w.message}` });
    if (plan.vms.length === 0 && problems.length === 0) {
      problems.push({ code: 'NO_VMS', message: `no VMs loaded: ${opts.source} selects no VM of this pool`, hint: 'check the names with --preview; the names are case-sensitive' });
    }
    opts.emit({ type: 'run-start', at: startedAt, vms: plan.vms, scope: plan.scope, poolDb: opts.settings.poolDbBackup === 1 });

    let poolDb: PoolDbResult | null = null;
    if (opts.settings.poolDbBackup === 1 && !opts.signal.aborted) poolDb = await backupPoolDb(ctx);

    const results: VmResult[] = new Array(plan.vms.length);
    let next = 0;
    const worker = async () => {
      while (next < plan.vms.length) {
        const index = next++;
        const vm = plan.vms[index]!;
        if (opts.signal.aborted) {
          results[index] = cancelled(vm, opts.settings);
          continue;
        }
        opts.emit({ type: 'vm-start', vm, index });
        results[index] = await backupVm(ctx, vm);
        opts.emit({ type: 'vm-done', result: results[index]! });
      }
    };
    const workers = Math.max(1, Math.min(opts.settings.concurrency, plan.vms.length || 1));
    await Promise.all(Array.from({ length: workers }, worker));

    const summary = summarize(
      {
        startedAt: startedAt.toISOString(),
        host: hostname().split('.')[0]!,
        pool: { name: opts.conn.poolName(), url: opts.conn.url },
        backupDir,
        vms: results,
        poolDb,
        problems,
        warnings,
        interrupted: opts.signal.aborted,
      },
      now(),
    );
    opts.emit({ type: 'run-done', summary });
    return summary;
  } finally {
    stopNotices();
    await lock.release();
  }
}
