/**
 * The Backups screen's lines as fixed-width text, pure: a VM's line (name, backups, source
 * uuid) and a backup's (date in local time, kind, size, on disk, status, verification). An
 * unfinished backup says so in capitals and in colour; "not verified" until `vmbackup verify`
 * recorded a result, then `ok <date>` or `FAILED <date>` (a word and red: never colour alone).
 */
import { humanBytes } from '../../backup/free-space.js';
import type { CatalogBackup, CatalogVm } from '../../catalog/types.js';
import { fit } from './text-fit.js';

const W = { indent: 3, date: 21, kind: 9, size: 9, disk: 9, status: 11 } as const;

const pad = (n: number) => String(n).padStart(2, '0');

/** `2026-12-07 14:45:18`, local time, as the dated folders are named. */
export function localDate(d: Date): string {
  if (Number.isNaN(d.getTime())) return '?';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/**
 * XVA, XVA gz, XVA zst (vm-export), VDI raw, VDI vhd (vdi-export), delta +N (a chain's point N
 * deltas above its full; +0 is the full), or ? when no file was found.
 */
export function kindText(b: Pick<CatalogBackup, 'format' | 'mode'> & { chain?: CatalogBackup['chain'] }): string {
  if (b.mode === 'delta') {
    const depth = b.chain?.depth;
    return depth === undefined || depth === null ? 'delta ?' : `delta +${depth}`;
  }
  switch (b.format) {
    case 'xva':
      return 'XVA';
    case 'xva.gz':
      return 'XVA gz';
    case 'xva.zst':
      return 'XVA zst';
    case 'raw':
      return 'VDI raw';
    case 'vhd':
      return 'VDI vhd';
    default:
      return b.mode === 'unknown' ? '?' : b.mode;
  }
}

export function statusText(b: Pick<CatalogBackup, 'status'>): { text: string; color?: string } {
  return b.status === 'success' ? { text: 'complete', color: 'green' } : { text: 'UNFINISHED', color: 'red' };
}

export function verificationText(b: Pick<CatalogBackup, 'verification'>): { text: string; color?: string } {
  const v = b.verification;
  if (v === null) return { text: 'not verified' };
  const at = new Date(v.at);
  const when = Number.isNaN(at.getTime()) ? v.at : localDate(at).slice(0, 10);
  // Under the VERIFIED header: `ok 2026-05-03` or `FAILED 2026-05-03`.
  return v.result === 'ok' ? { text: `ok ${when}`, color: 'green' } : { text: `FAILED ${when}`, color: 'red' };
}

export function backupHeader(columns: number, ascii = false): string {
  return fit(
    ' '.repeat(W.indent) + fit('DATE', W.date) + fit('KIND', W.kind) + 'SIZE'.padStart(W.size - 1) + ' ' + 'ON DISK'.padStart(W.disk - 1) + ' ' + fit('STATUS', W.status) + 'VERIFIED',
    columns - 1,
    ascii,
  );
}

/** A backup's line in parts: the status and verification cells are coloured on their own. */
/** The indent: a mark (`*`: marked with space, to verify) and the cursor. */
function lead(cursor: boolean, marked: boolean, ascii: boolean): string {
  return (marked ? '*' : ' ') + (cursor ? (ascii ? '>' : '❯') : ' ');
}

export function backupParts(b: CatalogBackup, columns: number, cursor: boolean, ascii = false, marked = false): { left: string; status: { text: string; color?: string }; verify: { text: string; color?: string } } {
  const left = fit(lead(cursor, marked, ascii), W.indent) + fit(localDate(b.date), W.date) + fit(kindText(b), W.kind) + humanBytes(b.bytes).padStart(W.size - 1) + ' ' + humanBytes(b.diskBytes).padStart(W.disk - 1) + ' ';
  const status = statusText(b);
  const rest = Math.max(0, columns - 1 - W.indent - W.date - W.kind - W.size - W.disk - W.status);
  const verify = verificationText(b);
  return { left, status: { ...status, text: fit(status.text, W.status) }, verify: { ...verify, text: fit(verify.text, rest, ascii).trimEnd() } };
}

export function backupLine(b: CatalogBackup, columns: number, cursor: boolean, ascii = false, marked = false): string {
  const p = backupParts(b, columns, cursor, ascii, marked);
  return p.left + p.status.text + p.verify.text;
}

/** `web-01  3 backups  (uuid 1f0c…)`; a VM without a dated backup says so. */
export function vmLine(vm: CatalogVm, columns: number, ascii = false): string {
  const count = vm.backups.length === 0 ? 'no dated backups' : `${vm.backups.length} backup${vm.backups.length === 1 ? '' : 's'}`;
  const uuid = vm.backups.find((b) => b.origUuid)?.origUuid;
  const tail = `  ${count}${uuid ? `  uuid ${uuid}` : ''}`;
  const name = fit(vm.name, Math.max(10, Math.min(columns - 1 - tail.length, 48)), ascii).trimEnd();
  return fit(name + tail, columns - 1, ascii).trimEnd();
}
