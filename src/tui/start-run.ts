/**
 * The engine run behind the run screen, wired as the headless `--config` run wires it (less the
 * mail: the person is watching): the status log (when its folder exists), and a failure before
 * the first VM (lock held, backup_dir missing) summarised as a run with E:1, so the summary
 * screen shows it as the JSON report would.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { ProgressEvent, RunSummary } from '../backup/events.js';
import { failedBeforeStart, runBackup } from '../backup/run.js';
import { type CfgModel, effectiveSettings } from '../config/index.js';
import { VmbackupError } from '../errors.js';
import { openStatusLog } from '../report/status-log.js';
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
    const { writer: status, warning } = openStatusLog(settings.statusLog, resolve(cwd, settings.statusLog), shortHost, now);
    if (status) sinks.push(status.onEvent);
    if (warning) emit({ type: 'warning', message: warning });
    const all = (e: ProgressEvent) => sinks.forEach((sink) => sink(e));
    const startedAt = now();
    let summary: RunSummary;
    try {
      summary = await runBackup({ conn: session.conn, model, settings, source: TUI_SOURCE, emit: all, signal, now });
    } catch (err) {
      if (!(err instanceof VmbackupError)) throw err;
      const base = { startedAt: startedAt.toISOString(), host: shortHost, pool: { name: session.conn.poolName(), url: session.poolUrl }, backupDir: resolve(cwd, settings.backupDir), interrupted: signal.aborted };
      summary = failedBeforeStart(base, err, now());
      all({ type: 'run-done', summary });
    }
    if (status) {
      await status.flush().catch((err: unknown) => emit({ type: 'warning', message: `could not append to status_log ${settings.statusLog}: ${String(err)}` }));
    }
    return summary;
  };
}
