/**
 * The engine run behind the run screen, wired as the headless `--config` run wires it (less the
 * mail: the person is watching): the status log (when its folder exists), the console log and the
 * JSON report in the status log's folder (run-files.ts: what the screen showed stays readable
 * after the TUI closes), and a failure before the first VM (lock held, backup_dir missing)
 * summarised as a run with E:1, so the summary screen shows it as the JSON report would.
 */
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { CheckWritten } from '../backup/context.js';
import type { ProgressEvent, RunSummary } from '../backup/events.js';
import { failedBeforeStart, runBackup } from '../backup/run.js';
import { type CfgModel, effectiveSettings } from '../config/index.js';
import { VmbackupError } from '../errors.js';
import { consoleLogger } from '../report/console-log.js';
import { jsonReport } from '../report/json-report.js';
import { runExitCode } from '../report/run-exit-code.js';
import { openStatusLog } from '../report/status-log.js';
import type { Session } from './contracts.js';
import type { RunOutcome, StartRun } from './hooks/use-backup-run.js';
import { openRunLog, type RunFiles, type RunLogFile, writeRunReport } from './run-files.js';

/** verify_after's re-read, loaded only when a run uses it. */
const checkWritten: CheckWritten = async (folder, vmName, signal) => (await import('../verify/index.js')).checkWrittenBackup(folder, vmName, signal);

/** Named in the engine's messages ("the TUI selection selects no VM of this pool"). */
export const TUI_SOURCE = 'the TUI selection';

export function engineRun(session: Session, model: CfgModel, cwd: string, now: () => Date = () => new Date()): StartRun {
  return async (emit, signal): Promise<RunOutcome> => {
    const settings = effectiveSettings(model);
    // This machine's short name, as the headless run writes it to the status log.
    const shortHost = hostname().split('.')[0]!;
    const startedAt = now();
    const statusPath = resolve(cwd, settings.statusLog);
    const sinks: ((e: ProgressEvent) => void)[] = [emit];
    const all = (e: ProgressEvent) => sinks.forEach((sink) => sink(e));
    // Warnings outside the VMs: on the screen, in the log file, and in the exit code (exit 1),
    // as the headless run counts a status log it could not write.
    const files: RunFiles = { log: null, json: null, warnings: [] };
    const warn = (message: string) => {
      files.warnings.push(message);
      all({ type: 'warning', message });
    };

    const { writer: status, warning: statusWarning } = openStatusLog(settings.statusLog, statusPath, shortHost, now);
    if (status) sinks.push(status.onEvent);
    const opened = await openRunLog(dirname(statusPath), startedAt);
    let log: RunLogFile | null = null;
    if ('warning' in opened) {
      warn(opened.warning);
    } else {
      log = opened;
      files.log = log.path;
      sinks.push(consoleLogger((line) => log!.line(line), now, settings));
      // For the screen only: the headless log has no such line.
      emit({ type: 'log', message: `this run's log: ${log.path} (the JSON report follows at the end)` });
    }
    if (statusWarning) warn(statusWarning);

    let summary: RunSummary;
    try {
      try {
        summary = await runBackup({ conn: session.conn, model, settings, source: TUI_SOURCE, emit: all, signal, now, checkWritten });
      } catch (err) {
        if (!(err instanceof VmbackupError)) throw err;
        const base = { startedAt: startedAt.toISOString(), host: shortHost, pool: { name: session.conn.poolName(), url: session.poolUrl }, backupDir: resolve(cwd, settings.backupDir), interrupted: signal.aborted };
        summary = failedBeforeStart(base, err, now());
        all({ type: 'run-done', summary });
      }
      if (status) {
        await status.flush().catch((err: unknown) => warn(`could not append to status_log ${settings.statusLog}: ${String(err)}`));
      }
    } finally {
      // A bug thrown above still closes the file; its lines so far are kept.
      await log?.close().then(
        () => undefined,
        (err: unknown) => {
          files.log = null;
          files.warnings.push(`could not write this run's log ${log!.path}: ${String(err)}`);
        },
      );
    }

    let exitCode = runExitCode(summary, files.warnings.length > 0);
    if (log) {
      const written = await writeRunReport(log.base, jsonReport(summary, exitCode, null));
      if ('path' in written) {
        files.json = written.path;
      } else {
        files.warnings.push(written.warning);
        exitCode = runExitCode(summary, true);
      }
    }
    return { summary, exitCode, files };
  };
}
