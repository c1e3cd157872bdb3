/**
 * `vmbackup restore --json`: the shape, `{"vm": {"uuid", "name"} | null, "vdis":
 * [{"uuid", "name", "sr"}], "bytes", "elapsedMs", "verified", "networks", "warnings"}` (those
 * keys are a contract), plus `exitCode`, `error` when it failed, and `plan` (what --dry-run
 * stopped at, or what was carried out). Pool text stays as it is: JSON escapes it.
 */
import type { VmbackupError } from '../errors.js';
import type { RestorePlan, RestoreResult } from '../restore/types.js';

export interface RestoreJsonInput {
  plan: RestorePlan | null;
  result: RestoreResult | null;
  /** Warnings said before the run (the plan's, an unfinished backup agreed to). */
  warnings: string[];
  error: VmbackupError | null;
  dryRun: boolean;
  exitCode: number;
}

function planJson(plan: RestorePlan) {
  return {
    kind: plan.kind,
    backup: plan.backup ? { path: plan.backup.path, folder: plan.backup.folder, status: plan.backup.status, format: plan.backup.format } : null,
    files: plan.files.map((f) => ({ path: f.path, format: f.format, bytes: f.bytes, ...(f.vdi ? { vdi: f.vdi } : {}) })),
    sr: { uuid: plan.sr.uuid, name: plan.sr.name, freeBytes: plan.sr.freeBytes },
    neededBytes: plan.neededBytes,
    name: plan.name,
    preserve: plan.preserve,
    start: plan.start,
    attachTo: plan.attachTo ? { uuid: plan.attachTo.uuid, name: plan.attachTo.name } : null,
    replaces: plan.replaces ? { uuid: plan.replaces.uuid, name: plan.replaces.name } : null,
    willCreate: plan.willCreate,
    confirmations: plan.confirmations,
  };
}

export function restoreJson(input: RestoreJsonInput) {
  const r = input.result;
  return {
    vm: r?.vm ?? null,
    vdis: r?.vdis ?? [],
    bytes: r?.bytes ?? 0,
    elapsedMs: r?.elapsedMs ?? 0,
    verified: r?.verified ?? false,
    networks: r?.networks ?? [],
    warnings: [...input.warnings, ...(r?.warnings ?? [])],
    exitCode: input.exitCode,
    dryRun: input.dryRun,
    error: input.error ? { code: input.error.code, message: input.error.message, ...(input.error.hint ? { hint: input.error.hint } : {}) } : null,
    plan: input.plan ? planJson(input.plan) : null,
  };
}
