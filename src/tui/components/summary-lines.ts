/**
 * The summary screen's body as lines, from the object `--json` prints: one row per VM (status,
 * name, kind, size, time, MB/s), then under it, in full and wrapped, its error with the fix and
 * its warnings; the pool database and the run's problems likewise; the files this run wrote.
 * Nothing a sysadmin needs to act on is cut: only the row's name column is cut to fit (`fit`).
 */
import type { jsonReport } from '../../report/json-report.js';
import { printable } from '../../report/printable.js';
import type { RunFiles } from '../run-files.js';
import { bytesText, durationText, fit, formatLabel, localTime, rateText } from './run-format.js';
import { type ScreenLine, plain } from './screen-lines.js';
import { wrapLines } from './wrap-lines.js';

type Report = ReturnType<typeof jsonReport>;

const STATUS_COLOR: Record<string, string> = { success: 'green', warning: 'yellow', failed: 'red', cancelled: 'yellow', skipped: 'yellow' };

/** status 9, name, kind 7, size 9, time 7, rate 10, with the spaces between. */
const STATUS = 9;
const KIND = 7;
const TIME = 7;
const FIXED = STATUS + 1 + 1 + KIND + 9 + 1 + TIME + 10;
/** Messages sit under the name, clear of the status column. */
const INDENT = ' '.repeat(STATUS + 1);

export function nameColumn(width: number): number {
  return Math.max(10, Math.min(40, width - 1 - FIXED));
}

/** `label text`, wrapped under its first line, in one style. */
function block(text: string, width: number, indent: string, style: { color?: string; dim?: boolean } = {}): ScreenLine[] {
  return wrapLines(text, width, indent).map((line) => plain(line, style));
}

export function summaryLines(report: Report, opts: { width: number; ascii: boolean; files?: RunFiles | undefined }): ScreenLine[] {
  // One column spare: a line that fills the last column makes some terminals wrap.
  const w = Math.max(20, opts.width - 1);
  const name = nameColumn(opts.width);
  const out: ScreenLine[] = [];
  out.push(...block(`pool ${report.pool.name} (${report.pool.url}) -> ${report.backupDir}`, w, '  '));
  out.push(...block(`started ${localTime(report.startedAt)}, ended ${localTime(report.finishedAt)} on ${report.host}`, w, '  ', { dim: true }));
  if (opts.files?.log) out.push(...block(`log:    ${opts.files.log}`, w, '        '));
  if (opts.files?.json) out.push(...block(`report: ${opts.files.json}`, w, '        '));
  for (const warning of opts.files?.warnings ?? []) out.push(...block(`WARNING ${warning}`, w, '  ', { color: 'yellow' }));

  if (report.vms.length > 0) {
    out.push(plain(''));
    out.push(plain(fit(`${fit('STATUS', STATUS)} ${fit('NAME', name)} ${fit('KIND', KIND)}${'SIZE'.padStart(9)} ${fit('TIME', TIME)}${'MB/s'.padStart(10)}`, w, opts.ascii).trimEnd(), { dim: true }));
  }
  for (const vm of report.vms) {
    const tail = `${fit(printable(vm.name), name, opts.ascii)} ${fit(formatLabel(vm.mode, vm.format), KIND)}${bytesText(vm.bytes)} ${fit(durationText(vm.durationMs / 1000), TIME)}${rateText(vm.rateMBps * 1e6)}`;
    out.push([
      { text: fit(vm.status, STATUS), color: STATUS_COLOR[vm.status] ?? 'white' },
      { text: ' ' + fit(tail, w - STATUS - 1, opts.ascii).trimEnd() },
    ]);
    if (vm.error) {
      // "not started" on every VM of a cancelled run is expected, not alarming.
      const quiet = vm.status === 'cancelled';
      out.push(...block(`${INDENT}${vm.error.code}: ${vm.error.message}`, w, INDENT + '  ', quiet ? { dim: true } : { color: 'red' }));
      if (vm.error.hint) out.push(...block(`${INDENT}fix: ${vm.error.hint}`, w, INDENT + '     '));
    }
    for (const warning of vm.warnings) out.push(...block(`${INDENT}warning: ${warning}`, w, INDENT + '  ', { color: 'yellow' }));
  }

  if (report.poolDb) {
    const db = report.poolDb;
    out.push(plain(''));
    out.push(...block(`pool database: ${db.status}${db.file ? ` ${db.file}` : ''}`, w, '  ', db.status === 'failed' ? { color: 'red' } : {}));
    if (db.error) {
      out.push(...block(`${INDENT}${db.error.code}: ${db.error.message}`, w, INDENT + '  ', { color: 'red' }));
      if (db.error.hint) out.push(...block(`${INDENT}fix: ${db.error.hint}`, w, INDENT + '     '));
    }
  }
  if (report.problems.length > 0) out.push(plain(''));
  for (const p of report.problems) {
    out.push(...block(`${p.code}: ${p.message}`, w, '  ', { color: 'red' }));
    if (p.hint) out.push(...block(`  fix: ${p.hint}`, w, '       '));
  }
  // Run warnings (a selector that matched no VM): each counted in W, so each shown with its fix.
  if (report.warnings.length > 0) out.push(plain(''));
  for (const warning of report.warnings) {
    out.push(...block(`${warning.code}: ${warning.message}`, w, '  ', { color: 'yellow' }));
    if (warning.hint) out.push(...block(`  fix: ${warning.hint}`, w, '       '));
  }
  return out;
}
