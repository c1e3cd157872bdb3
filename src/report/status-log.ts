/**
 * The status log (spec §7.1): one comma-separated record per run begin/end and VM begin/end,
 * appended, in the old script's exact format, so NRPE checks and greps that read it keep
 * working:
 *   2016/11/30 14:45:18,vmbackup.py,xen1,begin
 *   2016/11/30 14:45:18,vm-export,xen1,begin,web01
 *   2016/11/30 14:47:02,vm-export,xen1,end,SUCCESS web01,elapse:1 size:3G
 *   2016/11/30 14:47:02,vmbackup.py,xen1,end,SUCCESS,S:1 W:0 E:0
 * Failure codes keep the old names where the old script had one (SNAPSHOT-FAIL, VM-EXPORT-FAIL,
 * VDI-SNAPSHOT-FAIL, VDI-EXPORT-FAIL); other failures are "ERROR <code> <vm>".
 */
import { appendFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ProgressEvent, VmResult } from '../backup/events.js';
import { printable } from './printable.js';

const pad = (n: number) => String(n).padStart(2, '0');

export function statusTimestamp(d: Date): string {
  return `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/**
 * Fields are not quoted in the old format: a comma in a name would add a field, so it becomes a
 * space. Control characters are escaped for the whole record, in statusRecords.
 */
function field(text: string): string {
  return text.replace(/,/g, ' ');
}

function endMessage(r: VmResult): string {
  const name = field(r.name);
  const tail = `${name},elapse:${Math.floor(r.elapsedMs / 60_000)} size:${Math.floor(r.bytes / 2 ** 30)}G`;
  if (r.status === 'success') return `SUCCESS ${tail}`;
  if (r.status === 'warning') return `WARNING ${tail}`;
  // The old script could not be interrupted; an interrupted VM is neither of its failure codes.
  if (r.status === 'cancelled') return `CANCELLED ${name}`;
  const phase = r.error?.phase;
  const vdi = r.mode === 'vdi-export';
  if (phase === 'snapshot') return `${vdi ? 'VDI-SNAPSHOT-FAIL' : 'SNAPSHOT-FAIL'} ${name}`;
  // Damaged bytes are not a pool or network failure: VERIFY_FAILED is named in a field of its
  // own (a comma cannot be in the name, see field()), after the old script's code.
  const damaged = r.error?.code === 'VERIFY_FAILED' ? ',VERIFY_FAILED' : '';
  if (phase === 'export' || phase === 'verify') return `${vdi ? 'VDI-EXPORT-FAIL' : 'VM-EXPORT-FAIL'} ${name}${damaged}`;
  return `ERROR ${r.error?.code ?? 'FAILED'} ${name}`;
}

/** The records for one event, or none; each one line (a NUL or newline in a name escaped). */
export function statusRecords(event: ProgressEvent, host: string, at: Date): string[] {
  return recordsOf(event, host, at).map(printable);
}

function recordsOf(event: ProgressEvent, host: string, at: Date): string[] {
  const ts = statusTimestamp(at);
  switch (event.type) {
    case 'run-start':
      return [`${ts},vmbackup.py,${host},begin`];
    case 'vm-start':
      return [`${ts},${event.vm.mode},${host},begin,${field(event.vm.name)}`];
    case 'vm-done':
      return [`${ts},${event.result.mode},${host},end,${endMessage(event.result)}`];
    case 'run-done': {
      const c = event.summary.counts;
      return [`${ts},vmbackup.py,${host},end,${event.summary.status},S:${c.success} W:${c.warning} E:${c.error}`];
    }
    default:
      return [];
  }
}

/**
 * Appends records as events arrive, one write per record (the old script wrote unbuffered, so a
 * crash loses nothing). Writes are chained so records stay in order; `flush` waits for them.
 */
export function statusLogWriter(path: string, host: string, now: () => Date = () => new Date()) {
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;
  return {
    onEvent(event: ProgressEvent): void {
      for (const record of statusRecords(event, host, now())) {
        chain = chain.then(() => appendFile(path, record + '\n')).catch((err: unknown) => {
          failure ??= err;
        });
      }
    },
    async flush(): Promise<void> {
      await chain;
      if (failure) throw failure;
    },
  };
}

export type StatusLogWriter = ReturnType<typeof statusLogWriter>;

/**
 * The status log of a run, if its folder exists; else the warning to show. The old script crashed
 * at its first status write; losing the status log is better than losing the backup.
 */
export function openStatusLog(configured: string, path: string, host: string, now: () => Date): { writer: StatusLogWriter | null; warning: string | null } {
  if (existsSync(dirname(path))) return { writer: statusLogWriter(path, host, now), warning: null };
  return { writer: null, warning: `status_log ${configured}: folder ${dirname(path)} does not exist, no status records this run (fix: create it or change status_log=)` };
}
