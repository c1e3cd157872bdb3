/**
 * The engine run behind the run screen, wired as the headless `--config` run wires it (less the
 * mail: the person is watching): the status log (when its folder exists), and a failure before
 * the first VM (lock held, backup_dir missing) summarised as a run with E:1, so the summary
 * screen shows it as the JSON report would.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { ProgressEvent, RunSummary } from '../backup/events.js';
import { runBackup, summarize } from '../backup/run.js';
import { type CfgModel, effectiveSettings } from '../config/index.js';
import { VmbackupError } from '../errors.js';
import { statusLogWriter } from '../report/status-log.js';
import type { Session } from './contracts.js';
import type { StartRun } from './hooks/use-backup-run.js';

/** Named in the engine's messages ("the TUI selection selects no VM of this pool"). */
export const TUI_SOURCE = 'the TUI selection';

export function engineRun(session: Session, model: CfgModel, cwd: string, now: () => Date = () => new Date()): StartRun {
  return async (emit, signal) => {
    const settings = effectiveSettings(model);
    // This machine's short name, as the headless run writes it to the status log.
    const shortHost = hostname().split('.')[0]!;
    const sinks: ((e: ProgressEvent) => void)[] = [emit];
    const statusPath = resolve(cwd, settings.statusLog);
    let status: ReturnType<typeof statusLogWriter> | null = null;
    if (existsSync(dirname(statusPath))) {
      status = statusLogWriter(statusPath, shortHost, now);
      sinks.push(status.onEvent);
    } else {
      emit({ type: 'warning', message: `status_log ${settings.statusLog}: folder ${dirname(statusPath)} does not exist, no status records this run` });
    }
    const all = (e: ProgressEvent) => sinks.forEach((sink) => sink(e));
    const startedAt = now();
    let summary: RunSummary;
    try {
      summary = await runBackup({ conn: session.conn, model, settings, source: TUI_SOURCE, emit: all, signal, now });
    } catch (err) {
      if (!(err instanceof VmbackupError)) throw err;
      summary = summarize(
        {
          startedAt: startedAt.toISOString(),
          host: shortHost,
          pool: { name: session.conn.poolName(), url: session.poolUrl },
          backupDir: resolve(cwd, settings.backupDir),
          vms: [],
          poolDb: null,
          problems: [{ code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) }],
          interrupted: signal.aborted,
        },
        now(),
      );
      all({ type: 'run-done', summary });
    }
    if (status) {
      await status.flush().catch((err: unknown) => emit({ type: 'warning', message: `could not append to status_log ${settings.statusLog}: ${String(err)}` }));
    }
    return summary;
  };
}
