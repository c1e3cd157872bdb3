/**
 * One backup checked at rest: the marker and metadata (metadata.ts), then each export file one
 * after the other, and the sums record's own consistency (a file it names that is gone). A file
 * with its record in vmbackup-sums.json is judged by its sums first (fast-path.ts, P readers on
 * threads); one without, one whose sums differ, and every file under `deep` goes through the
 * structural pass (check-file.ts, on a thread), which names what is wrong. Never writes, never
 * deletes.
 */
import { basename, join } from 'node:path';
import type { SumsRecord } from '../backup/content-sums.js';
import { verifierSpecFor } from '../backup/verify.js';
import { exportFormatOf } from '../catalog/parse.js';
import type { BackupFormat } from '../catalog/types.js';
import { type FileFinding, fileProblem, type FileToCheck } from './check-file.js';
import { fastCheck, fastPathNote } from './fast-path.js';
import { checkMarkerAndVmCfg, diskSizes, readSums } from './metadata.js';
import { structuralPass } from './threads.js';
import type { VerifyTarget } from './types.js';

export interface BackupCheck {
  findings: FileFinding[];
  bytes: number;
  notes: string[];
  /** How each file was judged (fast path or structural pass), one line each. */
  basis: string[];
}

export interface CheckHow {
  /** The structural pass for every file, even one whose sums match. */
  deep?: boolean;
  /** Reader threads per file on the fast path. */
  readers?: number;
}

/** The export files to read: the target's, or every one of the backup. */
export function filesOf(target: VerifyTarget): string[] {
  return target.files ?? target.backup.exportFiles;
}

export async function checkBackup(target: VerifyTarget, signal: AbortSignal, onBytes: (done: number) => void, how: CheckHow = {}): Promise<BackupCheck> {
  const { backup } = target;
  const findings: FileFinding[] = [];
  const notes: string[] = [];
  const basis: string[] = [];
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
    const spec = format === 'raw' && size === null ? null : verifierSpecFor(format, size ?? 0);
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
    const prefix = files.length > 1 ? `${file}: ` : '';
    if (!how.deep && toCheck.sums) {
      const fast = await fastCheck(toCheck, how.readers ?? 1, signal, (done) => onBytes(before + done));
      if (fast !== null) {
        bytes += fast.bytes;
        findings.push(...fast.findings);
        basis.push(prefix + fastPathNote(toCheck, fast.segments));
        continue;
      }
    }
    const checked = await structuralPass(toCheck, signal, (done) => onBytes(before + done));
    bytes += checked.bytes;
    findings.push(...checked.findings);
    basis.push(`${prefix}read through its format's verifier${toCheck.sums ? ' and compared with its XXH64 sums' : ''}`);
  }
  if (target.lone) notes.push('a lone file: its format only (no marker, metadata or sums)');
  return { findings, bytes, notes: [...new Set(notes)], basis };
}
