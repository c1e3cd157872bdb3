/**
 * One backup checked at rest: the marker and metadata (metadata.ts), then each export file
 * (check-file.ts) one after the other, and the sums record's own consistency (a file it names
 * that is gone). Never writes, never deletes.
 */
import { basename, join } from 'node:path';
import type { SumsRecord } from '../backup/content-sums.js';
import type { VerifierSpec } from '../backup/verify.js';
import { exportFormatOf } from '../catalog/parse.js';
import type { BackupFormat } from '../catalog/types.js';
import { checkFile, type FileFinding, fileProblem, type FileToCheck } from './check-file.js';
import { checkMarkerAndVmCfg, diskSizes, readSums } from './metadata.js';
import type { VerifyTarget } from './types.js';

export interface BackupCheck {
  findings: FileFinding[];
  bytes: number;
  notes: string[];
}

function specOf(format: Exclude<BackupFormat, 'unknown'>, size: number | null): VerifierSpec | null {
  switch (format) {
    case 'xva':
      return { kind: 'xva' };
    case 'xva.gz':
      return { kind: 'compressed-xva', compression: 'gzip' };
    case 'xva.zst':
      return { kind: 'compressed-xva', compression: 'zstd' };
    case 'vhd':
      return { kind: 'vhd' };
    case 'raw':
      return size === null ? null : { kind: 'raw', size };
  }
}

/** The export files to read: the target's, or every one of the backup. */
export function filesOf(target: VerifyTarget): string[] {
  return target.files ?? target.backup.exportFiles;
}

export async function checkBackup(target: VerifyTarget, signal: AbortSignal, onBytes: (done: number) => void): Promise<BackupCheck> {
  const { backup } = target;
  const findings: FileFinding[] = [];
  const notes: string[] = [];
  const files = filesOf(target);

  let sums: SumsRecord | null = null;
  let sizes = new Map<string, number | null>();
  if (!target.lone) {
    findings.push(...(await checkMarkerAndVmCfg(backup)));
    const read = await readSums(backup);
    if (read === null) notes.push('no sums recorded');
    else if ('reason' in read) findings.push(read);
    else sums = read;
    const disks = files.filter((f) => exportFormatOf(basename(f)) === 'raw' || exportFormatOf(basename(f)) === 'vhd');
    if (disks.length > 0) {
      const known = await diskSizes(backup, disks);
      sizes = known.sizes;
      findings.push(...known.findings);
    }
    if (files.length === 0) findings.push(fileProblem('', 'no export file (.xva, .xva.gz, .xva.zst, .raw, .vhd) in the backup'));
    if (sums && target.files === undefined) {
      for (const name of Object.keys(sums.files)) if (!files.includes(name)) findings.push(fileProblem(name, 'missing (vmbackup-sums.json records it)'));
    }
  }

  let bytes = 0;
  for (const file of files) {
    const format = exportFormatOf(basename(file));
    if (format === null) {
      findings.push(fileProblem(file, 'is no export file (.xva, .xva.gz, .xva.zst, .raw, .vhd)'));
      continue;
    }
    const size = sizes.get(file) ?? null;
    const entry = sums?.files[file];
    if (sums && entry === undefined) findings.push(fileProblem(file, 'has no entry in vmbackup-sums.json'));
    const spec = specOf(format, size);
    if (spec === null) {
      // A raw disk of unknown size (its vdi.cfg is gone, or a lone file): only the sums can say anything.
      if (target.lone) notes.push(`${file}: raw disk, no checksum inside and no vdi.cfg: nothing to check`);
      if (!entry) continue;
    }
    const toCheck: FileToCheck = {
      file,
      path: join(backup.path, file),
      spec: spec ?? { kind: 'raw', size: entry!.bytes },
      virtualSize: format === 'vhd' ? size : null,
      sums: entry ? { entry, segmentBytes: sums!.segmentBytes } : null,
    };
    if (format === 'raw' && !entry && spec !== null) notes.push(`${files.length > 1 ? `${file}: ` : ''}raw disk: only its length was checked (it carries no checksum, and no sums were recorded)`);
    const before = bytes;
    const checked = await checkFile(toCheck, signal, (done) => onBytes(before + done));
    bytes += checked.bytes;
    findings.push(...checked.findings);
  }
  if (target.lone) notes.push('a lone file: its format only (no marker, metadata or sums)');
  return { findings, bytes, notes: [...new Set(notes)] };
}
