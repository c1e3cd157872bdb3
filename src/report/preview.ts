/**
 * The report of `vmbackup preview`: the legacy settings block, the resolved scope in backup
 * order, every warning and error with file:line, and a result line like the original's. The
 * JSON form carries the same facts for scripts.
 */
import { type ConfigIssue, type EffectiveSettings, formatIssue } from '../config/index.js';
import type { Scope, ScopeEntry } from '../selection/index.js';
import { extensionSettingsBlock, legacyLine, settingsBlock } from './legacy-console.js';
import { printable } from './printable.js';

export interface PreviewInput {
  /** The cfg file (or selector) the scope came from, as the user named it. */
  source: string;
  settings: EffectiveSettings;
  scope: Scope;
  /** Every problem found: cfg, VM-names file and scope, in that order. */
  issues: ConfigIssue[];
  /** What a names list cannot check but the reader should know (printed as `note:` lines). */
  notes?: string[];
  now: Date;
}

export function previewIsValid(input: Pick<PreviewInput, 'issues'>): boolean {
  return !input.issues.some((i) => i.severity === 'error');
}

function orderLines(input: PreviewInput): string[] {
  const rows = [
    ...input.scope.vdiExport.map((e) => ['vdi-export', e] as const),
    // A vm-export that a delta= line marks is taken as a delta chain (VmBackup.py: a full XVA).
    ...input.scope.vmExport.map((e) => [e.delta ? 'delta' : 'vm-export', e] as const),
  ];
  const where = (line: number | null) => (line === null ? '' : `  ${input.source}:${line}`);
  const names = [...rows.map(([, e]) => e.vm.name), ...input.scope.exclude.map((e) => e.vm.name)].map(printable);
  const width = Math.min(40, Math.max(0, ...names.map((n) => n.length)));
  const lines =
    rows.length === 0
      ? ['Backup order: (nothing selected)']
      : [`Backup order (${rows.length} VM${rows.length === 1 ? '' : 's'}; vdi-export runs first, as in the original):`];
  rows.forEach(([mode, e], i) => {
    const keep = `keep ${e.maxBackups ?? input.settings.maxBackups}`;
    lines.push(`  ${String(i + 1).padStart(3)}  ${mode.padEnd(10)}  ${printable(e.vm.name).padEnd(width)}  ${keep.padEnd(7)}${where(e.line)}`);
  });
  for (const ex of input.scope.exclude) {
    lines.push(`  ${'-'.padStart(3)}  ${'excluded'.padEnd(10)}  ${printable(ex.vm.name).padEnd(width)}  ${''.padEnd(7)}${where(ex.line)}`);
  }
  return lines;
}

export function previewText(input: PreviewInput): string {
  const { now } = input;
  const out = [
    legacyLine(now, `VmBackup config loaded from: ${input.source}`),
    ...settingsBlock(input.settings, input.scope).map((m) => legacyLine(now, m)),
    ...extensionSettingsBlock(input.settings, input.scope).map((m) => legacyLine(now, m)),
    '',
    ...orderLines(input),
    '',
    ...input.issues.map(formatIssue),
    ...(input.notes ?? []).map((n) => `note: ${n}`),
  ];
  const warned = input.issues.some((i) => i.severity === 'warning') ? ' - WARNINGS found (see above)' : '';
  const errors = input.issues.filter((i) => i.severity === 'error').length;
  out.push(
    legacyLine(now, errors === 0 ? `SUCCESS preview of parameters ${warned}` : `ERROR ${errors} configuration error${errors === 1 ? '' : 's'} found (see above) ${warned}`),
  );
  return out.join('\n') + '\n';
}

function entryJson(e: ScopeEntry, settings: EffectiveSettings) {
  return { name: e.vm.name, maxBackups: e.maxBackups ?? settings.maxBackups, line: e.line, ...(e.delta ? { delta: true } : {}) };
}

function issueJson(i: ConfigIssue) {
  return { file: i.file, line: i.line, ...(i.column === undefined ? {} : { column: i.column }), message: i.message, ...(i.hint ? { hint: i.hint } : {}) };
}

export function previewJson(input: PreviewInput) {
  return {
    source: input.source,
    valid: previewIsValid(input),
    settings: input.settings,
    vdiExport: input.scope.vdiExport.map((e) => entryJson(e, input.settings)),
    vmExport: input.scope.vmExport.map((e) => entryJson(e, input.settings)),
    exclude: input.scope.exclude.map((e) => e.vm.name),
    warnings: input.issues.filter((i) => i.severity === 'warning').map(issueJson),
    errors: input.issues.filter((i) => i.severity === 'error').map(issueJson),
    notes: input.notes ?? [],
  };
}
