/**
 * Step (a) of a point drop: whether the oldest point P of a VM folder may be merged into its
 * child C, and which files. Reads only; a refusal (MERGE_REFUSED, or CHAIN_BROKEN from the VHD
 * files themselves) leaves the folder exactly as it was. A failed or unfinished link is never
 * merged into good data: C must have its `success` marker and no failed verification.
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VmbackupError } from '../errors.js';
import { checkMergeable } from './merge.js';
import type { MergeStateDisk } from './merge-state.js';
import { DELTA_RECORD_FILE, parseDeltaRecord, type DeltaRecord } from './record.js';

/** The marker a finished vmbackup backup folder carries (backup/retention.ts SUCCESS_MARKERS[0]). */
export const SUCCESS_MARKER = 'success';
/** verify/record.ts writes it (catalog/parse.ts VERIFY_FILE): {"at", "result": "ok"|"failed", "detail"?}. */
export const VERIFY_RECORD_FILE = 'vmbackup-verify.json';

export interface DropPlan {
  parentRecord: DeltaRecord;
  childRecord: DeltaRecord;
  disks: MergeStateDisk[];
}

function refused(parent: string, child: string, why: string, fix: string): VmbackupError {
  return new VmbackupError('MERGE_REFUSED', `Backup ${parent} was not merged into ${child}: ${why}.`, fix);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

export async function readRecord(folderPath: string): Promise<DeltaRecord> {
  const path = join(folderPath, DELTA_RECORD_FILE);
  return parseDeltaRecord(await readFile(path, 'utf8'), path);
}

/** 'failed' when C's last verification failed or its record cannot be read; else 'ok'/'none'. */
async function verifyVerdict(folderPath: string): Promise<'ok' | 'failed' | 'none' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(join(folderPath, VERIFY_RECORD_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    return 'unreadable';
  }
  try {
    const result = (JSON.parse(text) as { result?: unknown }).result;
    return result === 'ok' ? 'ok' : result === 'failed' ? 'failed' : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

export async function planDrop(vmDir: string, parent: string, child: string): Promise<DropPlan> {
  const parentPath = join(vmDir, parent);
  const childPath = join(vmDir, child);
  const no = (why: string, fix: string): never => {
    throw refused(parent, child, why, fix);
  };
  if (!(await exists(join(childPath, SUCCESS_MARKER)))) no(`${child} has no success marker (an unfinished backup)`, 'the older backup is kept until a finished backup follows it; nothing to do');
  const verdict = await verifyVerdict(childPath);
  if (verdict === 'failed') no(`${child} failed its last verification`, `run \`vmbackup verify\` on ${child}; a failed link is never merged into good data, and the next run takes a full`);
  if (verdict === 'unreadable') no(`${child}'s ${VERIFY_RECORD_FILE} cannot be read`, `run \`vmbackup verify\` on ${child} to write it again`);
  if (!(await exists(join(parentPath, SUCCESS_MARKER)))) no(`${parent} has no success marker`, `check ${parent} with \`vmbackup verify\``);
  const childRecord = await readRecord(childPath);
  const parentRecord = await readRecord(parentPath);
  if (childRecord.parent !== parent) no(`${child}'s parent is ${JSON.stringify(childRecord.parent)}, not ${parent}`, 'this is a bug in the retention plan; please report it');
  const disks: MergeStateDisk[] = [];
  for (const d of childRecord.disks) {
    if (d.kind !== 'diff') continue;
    const p = parentRecord.disks.find((x) => x.vdi === d.vdi);
    if (!p) no(`${child}'s disk ${d.key} is a difference against a disk ${parent} does not hold`, `check both backups with \`vmbackup verify\``);
    if (p!.kind !== 'full') no(`${parent}'s disk ${p!.key} is itself a difference`, 'only a point whose disks are all full is merged; drop its parent first');
    if (p!.snapshotVdi !== d.parentSnapshotVdi) no(`${child}'s disk ${d.key} is a difference against ${d.parentSnapshotVdi}, but ${parent} holds ${p!.snapshotVdi}`, `check both backups with \`vmbackup verify\``);
    const ids = await checkMergeable(join(parentPath, p!.file), join(childPath, d.file));
    if (ids.childUuid !== d.snapshotVdi) no(`${d.file} says it is ${ids.childUuid}, its record says ${d.snapshotVdi}`, `check ${child} with \`vmbackup verify\``);
    disks.push({ vdi: d.vdi, parentFile: p!.file, childFile: d.file, childSnapshotVdi: d.snapshotVdi });
  }
  return { parentRecord, childRecord, disks };
}

/** C's record once its merged disks are fulls: parent null when no diff is left. Idempotent. */
export function mergedRecord(record: DeltaRecord, merged: readonly MergeStateDisk[]): DeltaRecord {
  const disks = record.disks.map((d) => (merged.some((m) => m.vdi === d.vdi) ? { ...d, kind: 'full' as const, parentSnapshotVdi: null } : d));
  return { ...record, disks, parent: disks.some((d) => d.kind === 'diff') ? record.parent : null };
}
