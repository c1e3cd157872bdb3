/**
 * The report mail: subject and plain-text body of one run.
 *
 * VmBackup.py mailed the whole status log, which it only emptied after a successful send, so the
 * mail grew with every failed send and every run when the truncate lines were left commented out
 * (NAU #98). Ours describes this run only, from its RunSummary. The subject keeps the old shape
 * (status, full host name, program) so existing mail filters need only the program name changed.
 */
import type { EffectiveSettings } from '../config/index.js';
import type { PoolDbResult, RunSummary, VmResult, VmStatus } from '../backup/events.js';
import { printable } from './printable.js';

export interface MailContent {
  subject: string;
  text: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Control characters (a newline in a VM name or an XAPI message) are escaped for each line at
 * the end (`body`); names are escaped earlier only where their width lines up a column.
 */
const shown = printable;

/** The sink: every line of the body on one line, whatever the text in it. */
const body = (lines: string[]) => lines.map(printable).join('\n') + '\n';

/** Host names come from the OS; keep them to one printable line all the same. */
const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();

function countBy(vms: VmResult[], status: VmStatus): number {
  return vms.filter((v) => v.status === status).length;
}

/** The part after "vmbackup:": what someone scanning an inbox needs to know. */
function subjectTail(s: RunSummary): string {
  const ok = countBy(s.vms, 'success');
  const warned = countBy(s.vms, 'warning');
  let parts: string[];
  if (s.status === 'SUCCESS') {
    parts = [plural(s.vms.length, 'VM')];
  } else if (s.status === 'WARNING') {
    parts = [`${ok} ok`, plural(warned + s.warnings.length, 'warning')];
  } else {
    const notDone: [string, number][] = [
      ['failed', countBy(s.vms, 'failed')],
      ['cancelled', countBy(s.vms, 'cancelled')],
      ['skipped', countBy(s.vms, 'skipped')],
    ];
    parts = notDone.filter(([, n]) => n > 0).map(([word, n]) => `${n} ${word}`);
    if (s.poolDb?.status === 'failed') parts.push('pool DB failed');
    if (s.problems.length > 0) parts.push(plural(s.problems.length, 'problem'));
    if (parts.length === 0) parts = [plural(s.counts.error, 'error')];
  }
  if (s.interrupted) parts.push('interrupted');
  return parts.join(', ');
}

export function mailSubject(summary: RunSummary, hostname: string): string {
  return `${summary.status} ${oneLine(hostname)} vmbackup: ${subjectTail(summary)}`;
}

/** Decimal units, like the MB/s column (10^6 bytes). */
export function humanBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '-';
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 'B';
  for (const u of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = u;
  }
  return `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)} ${unit}`;
}

export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}h ${two(m)}m ${two(sec)}s` : `${m}m ${two(sec)}s`;
}

/** Non-success statuses in capitals, so they stand out in a column of "success". */
function statusWord(status: VmStatus): string {
  return status === 'success' ? 'success' : status.toUpperCase();
}

function vmLine(vm: VmResult, nameWidth: number): string {
  const size = vm.bytes > 0 ? humanBytes(vm.bytes) : '-';
  const rate = vm.rateMBps > 0 && Number.isFinite(vm.rateMBps) ? vm.rateMBps.toFixed(1) : '-';
  const notes = [
    ...(vm.error ? [`${vm.error.code}: ${vm.error.message}`] : []),
    ...vm.warnings.map((w) => `warning: ${w}`),
  ];
  const cells = [
    statusWord(vm.status).padEnd(9),
    vm.mode.padEnd(10),
    size.padStart(9),
    humanDuration(vm.elapsedMs).padStart(11),
    rate.padStart(7),
    ' ' + (notes.length ? shown(vm.name).padEnd(nameWidth) : shown(vm.name)),
  ];
  return `  ${cells.join(' ')}${notes.length ? '  ' + notes.join('; ') : ''}`.trimEnd();
}

function poolDbLine(db: PoolDbResult | null): string {
  if (db === null) return 'pool DB:     not requested (pool_db_backup=0)';
  const what = db.error ? `  ${db.error.code}: ${db.error.message}` : db.file ? `  ${db.file}` : '';
  return `pool DB:     ${statusWord(db.status)}${what}`;
}

function runTime(s: RunSummary): string {
  const ms = Date.parse(s.finishedAt) - Date.parse(s.startedAt);
  return Number.isFinite(ms) ? `  (${humanDuration(ms)})` : '';
}

export function mailContent(summary: RunSummary, opts: { hostname: string }): MailContent {
  const s = summary;
  const names = s.vms.map((v) => shown(v.name));
  const nameWidth = Math.min(40, Math.max(4, ...names.map((n) => n.length)));
  const header = `  ${'status'.padEnd(9)} ${'mode'.padEnd(10)} ${'size'.padStart(9)} ${'time'.padStart(11)} ${'MB/s'.padStart(7)}  name`;
  const lines = [
    `vmbackup report: ${s.status} on ${oneLine(opts.hostname)}`,
    '',
    `pool:        ${s.pool.name}  ${s.pool.url}`,
    `backup_dir:  ${s.backupDir}`,
    `started:     ${s.startedAt}`,
    `finished:    ${s.finishedAt}${runTime(s)}`,
    `interrupted: ${s.interrupted ? 'YES - the run was stopped before every VM was done' : 'no'}`,
    `totals:      ${s.counts.success} success, ${s.counts.warning} warning, ${s.counts.error} error (S/W/E ${s.counts.success}/${s.counts.warning}/${s.counts.error})`,
    '',
    `VMs (${s.vms.length}):`,
    ...(s.vms.length === 0 ? ['  (none)'] : [header, ...s.vms.map((vm) => vmLine(vm, nameWidth))]),
    '',
    poolDbLine(s.poolDb),
    ...(s.problems.length === 0 ? [] : ['', `problems (${s.problems.length}, not tied to one VM):`, ...s.problems.map((p) => `  ${p.code}: ${p.message}`)]),
    ...(s.warnings.length === 0 ? [] : ['', `warnings (${s.warnings.length}, not tied to one VM):`, ...s.warnings.flatMap((w) => [`  ${w.code}: ${w.message}`, ...(w.hint ? [`    fix: ${w.hint}`] : [])])]),
    '',
    '-- ',
    `vmbackup on ${oneLine(opts.hostname)} (${s.host}). This mail covers this run only.`,
  ];
  return { subject: mailSubject(s, opts.hostname), text: body(lines) };
}

export interface TestMailInput {
  hostname: string;
  /** The cfg file the settings came from. */
  source: string;
  settings: Pick<EffectiveSettings, 'smtpServer' | 'smtpStartTls' | 'smtpUser' | 'mailWhen'>;
  now: Date;
}

/** What `vmbackup test-email` sends: proof that reports from this cfg reach their readers. */
export function testMailContent(input: TestMailInput): MailContent {
  const { settings } = input;
  const text = [
    `This is a test message from \`vmbackup test-email\` on ${oneLine(input.hostname)}, sent ${input.now.toISOString()}.`,
    '',
    `cfg:            ${input.source}`,
    `smtp_server:    ${settings.smtpServer ?? 'localhost'}`,
    `smtp_starttls:  ${settings.smtpStartTls}`,
    `smtp_user:      ${settings.smtpUser === null ? '(no login)' : settings.smtpUser}`,
    `mail_when:      ${settings.mailWhen}`,
    '',
    'If you can read this, backup reports from this cfg will reach you.',
  ];
  return { subject: `TEST ${oneLine(input.hostname)} vmbackup: test message`, text: body(text) };
}
