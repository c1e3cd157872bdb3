/**
 * The machine-readable report of a run (`--json` / `--json=FILE`): one object, with one entry
 * per VM (status, mode, files, bytes, duration, MB/s, error code), the pool DB result, the S/W/E
 * counts and the exit code the run ended with. Monitoring reads this instead of parsing logs.
 */
import type { RunSummary } from '../backup/events.js';

/** How the report mail went: not configured, not wanted (mail_when), sent, or failed with why. */
export type MailReport = { sent: true; to: string[]; relay: string } | { sent: false; reason: string; error?: string };

export function jsonReport(summary: RunSummary, exitCode: number, mail: MailReport | null = null) {
  return {
    version: 1,
    status: summary.status,
    exitCode,
    interrupted: summary.interrupted,
    startedAt: summary.startedAt,
    finishedAt: summary.finishedAt,
    host: summary.host,
    pool: summary.pool,
    backupDir: summary.backupDir,
    counts: summary.counts,
    vms: summary.vms.map((vm) => ({
      name: vm.name,
      uuid: vm.uuid,
      mode: vm.mode,
      format: vm.format,
      status: vm.status,
      folder: vm.folder,
      files: vm.files,
      bytes: vm.bytes,
      durationMs: vm.elapsedMs,
      rateMBps: Math.round(vm.rateMBps * 10) / 10,
      error: vm.error ?? null,
      warnings: vm.warnings,
      deleted: vm.deleted,
    })),
    poolDb: summary.poolDb,
    problems: summary.problems,
    /** Warnings of the run that belong to no VM (NO_MATCH: a selector that matched no VM); counted in counts.warning. */
    warnings: summary.warnings,
    mail,
  };
}
