/**
 * The chain record of a delta backup: `vmbackup-delta.json` in its dated folder, written whole
 * before the `success` marker. It names the point's parent folder and, per disk, which snapshot
 * VDI the file holds and which one it is a difference against. The VHD files say the same in
 * their own fields (footer uuid, header parentUuid); readers check that both agree, so a file
 * swapped, renamed or damaged breaks the chain loudly instead of restoring wrong bytes.
 */
import { VmbackupError } from '../errors.js';

export const DELTA_RECORD_FILE = 'vmbackup-delta.json';

export interface DeltaDisk {
  /** Device, e.g. 'xvda' (vdi-disks.ts VmDisk.key). */
  key: string;
  userdevice: string;
  /** The live VDI's uuid: a chain never crosses disks. */
  vdi: string;
  /** The live VDI's SR at backup time: a disk moved to another SR starts a new chain. */
  sr: string;
  /** The snapshot VDI this file was exported from: the file's VHD footer uuid. */
  snapshotVdi: string;
  /** The file's name inside the dated folder. */
  file: string;
  kind: 'full' | 'diff';
  /** The header parentUuid of a diff: the parent point's snapshotVdi for the same `vdi`. */
  parentSnapshotVdi: string | null;
  virtualSize: number;
}

export interface DeltaRecord {
  format: 'vmbackup-delta';
  version: 1;
  vm: { uuid: string; name: string };
  /** The pool snapshot VM this point was exported from (kept on the pool as the next base). */
  snapshot: { uuid: string };
  /** Sibling folder (same VM folder) of the previous point; null when every disk is a full. */
  parent: string | null;
  disks: DeltaDisk[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function bad(path: string, why: string): VmbackupError {
  return new VmbackupError('CHAIN_RECORD_INVALID', `${path}: ${why}`, 'this file is written by vmbackup; if it was edited, restore it from a copy, or remove the backup folder and let the next run take a full');
}

/** Parses and checks a record's text; every problem names the file. */
export function parseDeltaRecord(text: string, path: string): DeltaRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw bad(path, `not JSON (${(err as Error).message})`);
  }
  const r = value as Partial<DeltaRecord> | null;
  if (!r || typeof r !== 'object' || r.format !== 'vmbackup-delta') throw bad(path, 'not a vmbackup delta record');
  if (r.version !== 1) throw bad(path, `version ${String(r.version)} is not one this vmbackup reads`);
  if (!r.vm || typeof r.vm.uuid !== 'string' || typeof r.vm.name !== 'string') throw bad(path, 'no vm');
  if (!r.snapshot || typeof r.snapshot.uuid !== 'string') throw bad(path, 'no snapshot');
  if (r.parent !== null && typeof r.parent !== 'string') throw bad(path, 'parent is neither a folder name nor null');
  // A sibling's name, never a path: readers join it to the VM folder.
  if (typeof r.parent === 'string' && (r.parent === '' || r.parent === '.' || r.parent === '..' || r.parent.includes('/') || r.parent.includes('\0'))) throw bad(path, `parent ${JSON.stringify(r.parent)} is not a folder name`);
  if (!Array.isArray(r.disks) || r.disks.length === 0) throw bad(path, 'no disks');
  for (const [i, d] of r.disks.entries()) {
    const at = `disk ${i + 1}`;
    if (!d || typeof d !== 'object') throw bad(path, `${at} is not an object`);
    for (const k of ['key', 'userdevice', 'vdi', 'sr', 'snapshotVdi', 'file'] as const) if (typeof d[k] !== 'string' || d[k] === '') throw bad(path, `${at} has no ${k}`);
    if (!UUID.test(d.snapshotVdi)) throw bad(path, `${at}: snapshotVdi is not a uuid`);
    if (d.file.includes('/') || d.file.startsWith('.')) throw bad(path, `${at}: file ${JSON.stringify(d.file)} is not a plain file name`);
    if (d.kind !== 'full' && d.kind !== 'diff') throw bad(path, `${at}: kind must be full or diff`);
    if (d.kind === 'diff' && (typeof d.parentSnapshotVdi !== 'string' || !UUID.test(d.parentSnapshotVdi))) throw bad(path, `${at}: a diff needs parentSnapshotVdi`);
    if (d.kind === 'full' && d.parentSnapshotVdi !== null) throw bad(path, `${at}: a full has no parentSnapshotVdi`);
    if (!Number.isSafeInteger(d.virtualSize) || d.virtualSize <= 0) throw bad(path, `${at}: virtualSize`);
  }
  if (r.parent === null && r.disks.some((d) => d.kind === 'diff')) throw bad(path, 'a diff disk but no parent folder');
  return r as DeltaRecord;
}

export function formatDeltaRecord(record: DeltaRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}
