/**
 * The headless backup run: console log lines (stdout, or stderr when the JSON report takes
 * stdout), the legacy status log (cfg files only, as the old script), then the mail and the JSON
 * report. A failure before the first VM (no connection, backup_dir missing, another run holding
 * the lock) still ends as a report with E:1, so cron mail, the status log and monitoring all see
 * it; the old script only printed a traceback.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CheckWritten } from '../backup/context.js';
import type { ProgressEvent, RunSummary } from '../backup/events.js';
import { failedBeforeStart, runBackup } from '../backup/run.js';
import { VmbackupError } from '../errors.js';
import { consoleLogger } from '../report/console-log.js';
import { jsonReport, type MailReport } from '../report/json-report.js';
import { legacyLine } from '../report/legacy-console.js';
import { runExitCode } from '../report/run-exit-code.js';
import { openStatusLog, type StatusLogWriter } from '../report/status-log.js';
import type { PoolConnection } from '../xapi/connection.js';
import { connect, type EngineContext } from './engine-run.js';
import { guardProcessExit } from './exit-guard.js';
import { abortOnInterrupt } from './pool-flags.js';

/** verify_after's re-read (the verify room), loaded only when a run uses it. */
const checkWritten: CheckWritten = async (folder, vmName, signal) => (await import('../verify/index.js')).checkWrittenBackup(folder, vmName, signal);

export async function backupAgainstPool(ctx: EngineContext): Promise<number> {
  const { io, inv, loaded, settings } = ctx;
  const shortHost = ctx.host.split('.')[0]!;
  const out = inv.json?.to === 'stdout' ? io.stderr : io.stdout;
  const line = (message: string) => out(legacyLine(io.now(), message) + '\n');
  let sideWarnings = false;
  const warnLine = (message: string) => {
    sideWarnings = true;
    line(`WARNING ${message}`);
  };

  const sinks: ((e: ProgressEvent) => void)[] = [consoleLogger((l) => out(l + '\n'), () => io.now(), settings)];
  // Selector runs write no status log, as in the old script (nau-spec §1.1).
  let status: StatusLogWriter | null = null;
  if (inv.target.kind === 'config') {
    const opened = openStatusLog(settings.statusLog, resolve(io.cwd, settings.statusLog), shortHost, () => io.now());
    status = opened.writer;
    if (status) sinks.push(status.onEvent);
    if (opened.warning) warnLine(opened.warning);
  }
  const emit = (e: ProgressEvent) => sinks.forEach((sink) => sink(e));

  // Mail problems found now, not after a three-hour backup.
  let smtpPassword: string | undefined;
  let mailSetupError: VmbackupError | null = null;
  if (settings.mailTo.length > 0 && settings.mailWhen !== 'never') {
    try {
      // The mail stack (nodemailer) is loaded only by runs that mail.
      const { smtpPasswordFor } = await import('../report/mail-send.js');
      smtpPassword = await smtpPasswordFor(settings, io.env);
    } catch (err) {
      if (!(err instanceof VmbackupError)) throw err;
      mailSetupError = err;
      warnLine(`${err.message}: the report mail will not be sent (fix: ${err.hint ?? ''})`);
    }
  }

  const controller = new AbortController();
  const stopListening = abortOnInterrupt(
    io,
    controller,
    line,
    'interrupted: stopping transfers, removing our snapshots and unfinished files (this takes a few seconds)',
    'still cleaning up; if killed now, the next run removes what is left (snapshots are tagged)',
  );

  let summary: RunSummary;
  let conn: PoolConnection | null = null;
  const startedAt = io.now();
  try {
    conn = await connect(io, ctx.target, inv, ctx.settings);
    summary = await runBackup({ conn, model: loaded.model, settings, source: loaded.source, emit, signal: controller.signal, now: () => io.now(), checkWritten });
  } catch (err) {
    if (!(err instanceof VmbackupError)) throw err;
    const base = { startedAt: startedAt.toISOString(), host: shortHost, pool: { name: conn?.poolName() ?? '', url: ctx.target.url }, backupDir: resolve(io.cwd, settings.backupDir), interrupted: controller.signal.aborted };
    summary = failedBeforeStart(base, err, io.now());
    emit({ type: 'run-done', summary });
  } finally {
    await conn?.close();
    stopListening();
  }

  if (status) {
    await status.flush().catch((err: unknown) => warnLine(`could not append to status_log ${settings.statusLog}: ${String(err)}`));
  }
  const mail = await mailReport(summary, ctx, smtpPassword, mailSetupError, line);
  if (mail && !mail.sent && mail.error) sideWarnings = true;

  const code = runExitCode(summary, sideWarnings);
  if (inv.json) {
    const text = JSON.stringify(jsonReport(summary, code, mail), null, 2) + '\n';
    if (inv.json.to === 'stdout') io.stdout(text);
    else await writeFile(resolve(io.cwd, inv.json.path), text);
  }
  // The reports are out: the process must now end, whatever a bug left open (exit-guard.ts).
  guardProcessExit(io, code);
  return code;
}

async function mailReport(summary: RunSummary, ctx: EngineContext, smtpPassword: string | undefined, setupError: VmbackupError | null, line: (m: string) => void): Promise<MailReport | null> {
  const { settings } = ctx;
  if (settings.mailTo.length === 0) return null;
  if (setupError) return { sent: false, reason: 'mail settings are incomplete', error: setupError.message };
  try {
    const { sendReport } = await import('../report/mail-send.js');
    const outcome = await sendReport(summary, settings, { hostname: ctx.host, ...(smtpPassword === undefined ? {} : { smtpPassword }) });
    if (!outcome.sent) return { sent: false, reason: outcome.reason };
    line(`report mailed to ${outcome.accepted.join(', ')} via ${outcome.relay}`);
    return { sent: true, to: outcome.accepted, relay: outcome.relay };
  } catch (err) {
    if (!(err instanceof VmbackupError)) throw err;
    line(`ERROR ${err.message}`);
    if (err.hint) line(`  fix: ${err.hint}`);
    return { sent: false, reason: 'sending failed', error: err.message };
  }
}
