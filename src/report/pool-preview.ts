/**
 * The preview of a run against the pool, as text and as JSON: the legacy settings block, then
 * each VM with its mode, retention and estimated size, the folders retention would delete, the
 * names that match nothing, the write test and the free space against the estimate.
 */
import type { PoolPreview } from '../backup/preview.js';
import { humanBytes } from '../backup/free-space.js';
import { type ConfigIssue, type EffectiveSettings, formatIssue } from '../config/index.js';
import { extensionSettingsBlock, legacyLine, settingsBlock } from './legacy-console.js';
import { printable } from './printable.js';

export interface PoolPreviewInput {
  preview: PoolPreview;
  settings: EffectiveSettings;
  source: string;
  /** cfg problems (parse) and scope problems together. */
  issues: ConfigIssue[];
  now: Date;
}

export function poolPreviewProblems(input: PoolPreviewInput): { errors: number; warnings: number } {
  const { preview } = input;
  let errors = input.issues.filter((i) => i.severity === 'error').length + (preview.notWritable ? 1 : 0);
  if (preview.plan.vms.length === 0 && errors === 0) errors++;
  const short = preview.free !== null && preview.free < preview.totalEstimate ? 1 : 0;
  return { errors, warnings: input.issues.filter((i) => i.severity === 'warning').length + short };
}

export function poolPreviewText(input: PoolPreviewInput): string {
  const { preview, now } = input;
  const out = [
    legacyLine(now, `VmBackup config loaded from: ${input.source}`),
    ...settingsBlock(input.settings, preview.plan.scope).map((m) => legacyLine(now, m)),
    ...extensionSettingsBlock(input.settings, preview.plan.scope).map((m) => legacyLine(now, m)),
    '',
    `Plan (${preview.vms.length} VM${preview.vms.length === 1 ? '' : 's'}, in backup order):`,
  ];
  preview.vms.forEach((vm, i) => {
    out.push(`  ${String(i + 1).padStart(3)}  ${vm.mode.padEnd(10)}  ${printable(vm.name)}  keep ${vm.maxBackups}  ~${humanBytes(vm.estimate)}`);
    for (const folder of vm.wouldDelete) out.push(`         after its next success, retention deletes ${folder}`);
  });
  out.push('');
  // The message names backup_dir itself ("backup_dir X does not exist...", "cannot write to backup_dir X").
  if (preview.notWritable) out.push(preview.notWritable);
  else {
    out.push(`backup_dir ${preview.backupDir} is writable; ${humanBytes(preview.free ?? 0)} free, ~${humanBytes(preview.totalEstimate)} needed by this run`);
    if ((preview.free ?? 0) < preview.totalEstimate) out.push('warning: not all of this run fits: VMs that do not fit will be refused');
  }
  out.push(...input.issues.map(formatIssue));
  const { errors, warnings } = poolPreviewProblems(input);
  const warned = warnings > 0 ? ' - WARNINGS found (see above)' : '';
  out.push(legacyLine(now, errors === 0 ? `SUCCESS preview of parameters ${warned}` : `ERROR ${errors} problem${errors === 1 ? '' : 's'} found (see above) ${warned}`));
  return out.join('\n') + '\n';
}

export function poolPreviewJson(input: PoolPreviewInput) {
  const { preview } = input;
  const { errors } = poolPreviewProblems(input);
  return {
    source: input.source,
    valid: errors === 0,
    settings: input.settings,
    vms: preview.vms.map((vm) => ({ name: vm.name, uuid: vm.uuid, mode: vm.mode, maxBackups: vm.maxBackups, estimate: vm.estimate, wouldDelete: vm.wouldDelete, warnings: vm.warnings ?? [] })),
    exclude: preview.plan.scope.exclude.map((e) => e.vm.name),
    backupDir: { path: preview.backupDir, writable: preview.notWritable === null, problem: preview.notWritable, free: preview.free, needed: preview.totalEstimate },
    warnings: input.issues.filter((i) => i.severity === 'warning'),
    errors: input.issues.filter((i) => i.severity === 'error'),
  };
}
