/**
 * One dated backup folder read from the disk into a CatalogBackup.
 *
 * Synchronous on purpose: a large backup_dir is ~100,000 small directory entries, and each
 * promise-based fs call costs a threadpool round trip that is several times the syscall
 * itself (measured in bench/list-catalog.mjs). The scan (scan.ts) gives the event loop a turn
 * between VM folders, so the TUI still draws and hears keys while it reads.
 */
import { closeSync, type Dirent, lstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SUCCESS_MARKERS } from '../backup/retention.js';
import { backupFolderDate, exportFormatOf, formatOfExports, orderExports, parseVerifyRecord, parseVmCfg, VERIFY_FILE, vmUuidOfMetadataXml } from './parse.js';
import { DELTA_RECORD_FILE, type DeltaRecord, parseDeltaRecord } from '../chain/record.js';
import type { CatalogBackup, VerificationRecord } from './types.js';

/** vm.cfg and the verify record are a few hundred bytes, vm-metadata.xml tens of KiB; far larger is not ours. */
const MAX_SMALL = 64 * 1024;
const MAX_METADATA_XML = 16 * 1024 * 1024;

const MARKERS: ReadonlySet<string> = new Set(SUCCESS_MARKERS);

interface Walked {
  files: string[];
  bytes: number;
  diskBytes: number;
  /** Size of each file directly in the dated folder, by name. */
  top: Map<string, number>;
  problems: string[];
}

/** Every file below `dir` (relative, `/`-separated), with sizes. Symlinks are listed, not followed. */
function walk(dir: string, rel: string, out: Walked): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    out.problems.push(`${rel === '' ? 'the folder' : rel + '/'} could not be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    return;
  }
  for (const e of entries) {
    const path = dir + '/' + e.name;
    const name = rel === '' ? e.name : rel + '/' + e.name;
    if (e.isDirectory()) {
      walk(path, name, out);
      continue;
    }
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (st === undefined) continue; // removed while we looked (a run's temporary file)
    out.files.push(name);
    out.bytes += st.size;
    out.diskBytes += st.blocks * 512;
    if (rel === '') out.top.set(e.name, st.isFile() ? st.size : -1);
  }
}

/** A small file's text, or null; `size` is what the walk saw (-1: not a regular file). */
function readSmall(path: string, size: number, limit: number): string | null {
  if (size < 0 || size > limit) return null;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buf, got, size - got, null);
      if (n === 0) break;
      got += n;
    }
    return buf.toString('utf8', 0, got);
  } finally {
    closeSync(fd);
  }
}

function errText(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

/**
 * The dated folder at `path` (absolute; its name is a dated folder name, checked by the caller),
 * read synchronously. Never throws for what is inside it: what it cannot read goes to `problems`.
 */
export function readBackupSync(path: string): CatalogBackup {
  const folder = basename(path);
  const date = backupFolderDate(folder) ?? new Date(NaN);
  const walked: Walked = { files: [], bytes: 0, diskBytes: 0, top: new Map(), problems: [] };
  walk(path, '', walked);
  const { top, problems } = walked;

  const delta = readDelta(path, top, problems);
  const exports = delta ? delta.record.disks.map((d) => d.file).filter((f) => top.has(f)) : orderExports([...top.keys()].filter((f) => top.get(f)! >= 0 && exportFormatOf(f) !== null), basename(dirname(path)));
  const { format, mode } = delta ? { format: 'vhd' as const, mode: 'delta' as const } : formatOfExports(exports);
  const status = [...MARKERS].some((m) => top.has(m)) ? 'success' : 'unfinished';
  if (exports.length > 1 && format === 'unknown') problems.push(`export files of more than one format: ${exports.join(', ')}`);
  else if (exports.length === 0 && status === 'success') problems.push('no export file (.xva, .xva.gz, .xva.zst, .raw, .vhd)');

  let origUuid: string | null = null;
  let vmName: string | null = null;
  const cfgSize = top.get('vm.cfg');
  if (cfgSize !== undefined) {
    try {
      const text = readSmall(join(path, 'vm.cfg'), cfgSize, MAX_SMALL);
      if (text === null) problems.push('vm.cfg is not a small regular file');
      else ({ origUuid, vmName } = parseVmCfg(text));
    } catch (err) {
      problems.push(`vm.cfg could not be read (${errText(err)})`);
    }
  }
  const xmlSize = top.get('vm-metadata.xml');
  if (origUuid === null && xmlSize !== undefined) {
    try {
      const xml = readSmall(join(path, 'vm-metadata.xml'), xmlSize, MAX_METADATA_XML);
      if (xml !== null) origUuid = vmUuidOfMetadataXml(xml);
    } catch (err) {
      problems.push(`vm-metadata.xml could not be read (${errText(err)})`);
    }
  }

  let verification: VerificationRecord | null = null;
  const verifySize = top.get(VERIFY_FILE);
  if (verifySize !== undefined) {
    // An unreadable record is shown as "not verified" plus the problem: a verification that
    // cannot be read proves nothing, and a broken file must not hide the rest of the listing.
    try {
      const text = readSmall(join(path, VERIFY_FILE), verifySize, MAX_SMALL);
      const parsed = text === null ? { problem: 'not a small regular file' } : parseVerifyRecord(text);
      if ('problem' in parsed) problems.push(`${VERIFY_FILE} is unreadable: ${parsed.problem}`);
      else verification = parsed;
    } catch (err) {
      problems.push(`${VERIFY_FILE} could not be read (${errText(err)})`);
    }
  }

  const files = walked.files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const backup: CatalogBackup = { folder, path, date, status, mode, format, files, exportFiles: exports, bytes: walked.bytes, diskBytes: walked.diskBytes, origUuid, vmName, verification };
  if (problems.length > 0) backup.problems = problems;
  // The depth needs the siblings' records: the scan fills it in (scan.ts chainDepths).
  if (delta) backup.chain = { parent: delta.record.parent, depth: null, disks: delta.record.disks.map((d) => ({ key: d.key, kind: d.kind })) };
  return backup;
}

/** The chain record of a delta point, or null for other backups (a bad record is a problem, and no chain). */
function readDelta(path: string, top: Map<string, number>, problems: string[]): { record: DeltaRecord } | null {
  const size = top.get(DELTA_RECORD_FILE);
  if (size === undefined) return null;
  try {
    const text = readSmall(join(path, DELTA_RECORD_FILE), size, MAX_SMALL);
    if (text === null) {
      problems.push(`${DELTA_RECORD_FILE} is not a small regular file`);
      return null;
    }
    return { record: parseDeltaRecord(text, join(path, DELTA_RECORD_FILE)) };
  } catch (err) {
    problems.push(`${DELTA_RECORD_FILE} could not be read (${(err as Error).message})`);
    return null;
  }
}
