/**
 * `vmbackup list` on a screen: one block per VM (its decoded name, and its folder when that
 * differs), one line per backup, newest first (local date and time, status, mode, format, size
 * and space on disk, the source VM's uuid, the last verification, the dated folder), then the
 * pool database dumps, then the strays with their reasons. Pure; names from the disk are
 * escaped (`printable`), the JSON output has them as they are.
 */
import { localDateTime } from '../catalog/parse.js';
import type { Catalog, CatalogBackup, ChainInfo, VerificationRecord } from '../catalog/types.js';
import { humanBytes } from '../util/human-bytes.js';
import { printable } from './printable.js';

function verificationText(v: VerificationRecord | null): string {
  if (v === null) return 'not verified';
  const at = Number.isNaN(Date.parse(v.at)) ? v.at : localDateTime(new Date(v.at));
  return v.result === 'ok' ? `verified ok ${at}` : `verify FAILED ${at}${v.detail ? `: ${v.detail}` : ''}`;
}

function sizeText(b: { bytes: number; diskBytes: number }): string {
  return `${humanBytes(b.bytes)} (${humanBytes(b.diskBytes)} on disk)`;
}

/** One line per backup, so `grep unfinished` gives whole backups; the folder last, as restore's PATH names it. */
function backupLine(b: CatalogBackup): string[] {
  const cols = [localDateTime(b.date), b.status.padEnd(10), b.mode.padEnd(10), b.format.padEnd(7), sizeText(b).padEnd(26), `uuid ${(b.origUuid ?? 'unknown').padEnd(36)}`, verificationText(b.verification), printable(b.folder)];
  return [`  ${cols.join('  ')}`, ...(b.chain ? [`      ${chainText(b.chain)}`] : []), ...(b.problems ?? []).map((p) => `      problem: ${printable(p)}`)];
}

/** `chain: depth 2, parent backup-...; xvda diff, xvdb full`: what a restore of this point reads. */
function chainText(c: ChainInfo): string {
  const depth = c.depth === null ? 'depth unknown (a link is missing)' : c.depth === 0 ? 'a full (depth 0)' : `depth ${c.depth}`;
  const parent = c.parent === null ? '' : `, parent ${printable(c.parent)}`;
  return `chain: ${depth}${parent}; ${c.disks.map((d) => `${printable(d.key)} ${d.kind}`).join(', ')}`;
}

function summary(c: Catalog): string {
  const backups = c.vms.flatMap((vm) => vm.backups);
  const ok = backups.filter((b) => b.status === 'success').length;
  const bytes = backups.reduce((n, b) => n + b.bytes, 0);
  const disk = backups.reduce((n, b) => n + b.diskBytes, 0);
  const vms = `${c.vms.length} VM${c.vms.length === 1 ? '' : 's'}`;
  const count = `${backups.length} backup${backups.length === 1 ? '' : 's'} (${ok} successful, ${backups.length - ok} unfinished)`;
  return `${printable(c.backupDir)}: ${vms}, ${count}, ${sizeText({ bytes, diskBytes: disk })}`;
}

export function catalogText(c: Catalog): string {
  const out = [summary(c)];
  for (const vm of c.vms) {
    out.push('', vm.folder === vm.name ? printable(vm.name) : `${printable(vm.name)}  (folder ${printable(vm.folder)})`);
    if (vm.backups.length === 0) out.push('  no backups');
    for (const b of vm.backups) out.push(...backupLine(b));
  }
  if (c.poolDb.length > 0) {
    out.push('', 'Pool database dumps');
    for (const d of c.poolDb) out.push(`  ${localDateTime(d.date)}  ${printable(`${d.folder}/${d.file}`)}  ${humanBytes(d.bytes)}`);
  }
  if (c.strays.length > 0) {
    out.push('', 'Strays (not backups; vmbackup leaves them alone)');
    for (const s of c.strays) out.push(`  ${printable(s.path)}${s.kind === 'folder' ? '/' : ''}  (${s.kind}: ${s.reason})`);
  }
  return out.join('\n') + '\n';
}
