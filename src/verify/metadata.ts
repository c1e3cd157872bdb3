/**
 * The small files of a backup, as verify checks them: the success marker, vm.cfg (there, and
 * naming the VM whose folder holds it), vmbackup-sums.json (read, or "no sums recorded" for
 * VmBackup.py's backups and ours from before it), and for a vdi-export each disk's
 * DISK-<key>/vdi.cfg with the virtual size its file must have.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseSumsRecord, SUMS_FILE, type SumsRecord } from '../backup/content-sums.js';
import { vmNameOfFolder } from '../backup/layout.js';
import type { CatalogBackup } from '../catalog/types.js';
import { type DiskCfg, diskOfFile, parseKeyValues } from '../restore/backup-files.js';
import { fileProblem, type FileFinding } from './check-file.js';

/** vm.cfg and vdi.cfg are a few hundred bytes, the sums a few KiB per TiB; far larger is not ours. */
const MAX_SMALL = 4 * 1024 * 1024;

async function readSmall(path: string): Promise<string> {
  const buf = await readFile(path);
  if (buf.length > MAX_SMALL) throw new Error(`larger than ${MAX_SMALL} bytes`);
  return buf.toString('utf8');
}

function readError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'missing' : `cannot be read (${code ?? (err as Error).message})`;
}

/** The marker and vm.cfg. */
export async function checkMarkerAndVmCfg(backup: CatalogBackup): Promise<FileFinding[]> {
  const findings: FileFinding[] = [];
  if (backup.status !== 'success') findings.push(fileProblem('success', 'missing: the run that wrote this backup did not finish (or is still writing it)'));
  const has = new Set(backup.files);
  // VmBackup.py 3.22+ writes vm-metadata.xml instead of vm.cfg.
  if (!has.has('vm.cfg') && has.has('vm-metadata.xml')) return findings;
  let text: string;
  try {
    text = await readSmall(join(backup.path, 'vm.cfg'));
  } catch (err) {
    findings.push(fileProblem('vm.cfg', readError(err)));
    return findings;
  }
  const name = parseKeyValues(text).name_label;
  if (name === undefined) {
    findings.push(fileProblem('vm.cfg', 'has no name_label line'));
    return findings;
  }
  let folderVm: string | null = null;
  try {
    folderVm = vmNameOfFolder(basename(dirname(backup.path)));
  } catch {
    folderVm = null; // not a folder vmbackup names: nothing to compare with
  }
  // metadata.ts writes a line break inside a value as a space.
  if (folderVm !== null && name !== folderVm.replace(/[\r\n]/g, ' ')) {
    findings.push(fileProblem('vm.cfg', `names the VM ${JSON.stringify(name)}, but it is in the folder of ${JSON.stringify(folderVm)}`));
  }
  return findings;
}

/** The sums record: null when there is none (an older backup), or a finding when it is damaged. */
export async function readSums(backup: CatalogBackup): Promise<SumsRecord | null | FileFinding> {
  if (!backup.files.includes(SUMS_FILE)) return null;
  let text: string;
  try {
    text = await readSmall(join(backup.path, SUMS_FILE));
  } catch (err) {
    return fileProblem(SUMS_FILE, readError(err));
  }
  const parsed = parseSumsRecord(text);
  return 'problem' in parsed ? fileProblem(SUMS_FILE, `is damaged: ${parsed.problem}`) : parsed;
}

/** Every DISK-<key>/ of the backup, its vdi.cfg parsed (or why not). */
async function diskFolders(backup: CatalogBackup): Promise<(DiskCfg & { vdiProblem: string | null })[]> {
  const keys = [...new Set(backup.files.filter((f) => f.startsWith('DISK-') && f.includes('/')).map((f) => f.slice('DISK-'.length, f.indexOf('/'))))].sort();
  const out: (DiskCfg & { vdiProblem: string | null })[] = [];
  for (const key of keys) {
    const dir = join(backup.path, `DISK-${key}`);
    let vdi: Record<string, string> = {};
    let vdiProblem: string | null = null;
    try {
      vdi = parseKeyValues(await readSmall(join(dir, 'vdi.cfg')));
    } catch (err) {
      vdiProblem = readError(err);
    }
    let vbd: Record<string, string> = {};
    try {
      vbd = parseKeyValues(await readSmall(join(dir, 'vbd.cfg')));
    } catch {
      // vbd.cfg only helps to find the boot disk.
    }
    out.push({ key, vdi, vbd, vdiProblem });
  }
  return out;
}

/**
 * The virtual size of each raw/vhd file of a vdi-export (by file name), from its disk's vdi.cfg;
 * null with a finding when it cannot be known.
 */
export async function diskSizes(backup: CatalogBackup, files: readonly string[]): Promise<{ sizes: Map<string, number | null>; findings: FileFinding[] }> {
  const disks = await diskFolders(backup);
  const vmFolder = basename(dirname(backup.path));
  const sizes = new Map<string, number | null>();
  const findings: FileFinding[] = [];
  for (const file of files) {
    const format = file.endsWith('.vhd') ? 'vhd' : 'raw';
    const disk = diskOfFile(file, vmFolder, format, disks) as (typeof disks)[number] | undefined;
    if (disk === undefined) {
      findings.push(fileProblem('DISK-*/vdi.cfg', `missing: no DISK-<device>/vdi.cfg says the virtual size of ${file}`));
      sizes.set(file, null);
      continue;
    }
    const cfg = `DISK-${disk.key}/vdi.cfg`;
    if (disk.vdiProblem !== null) {
      findings.push(fileProblem(cfg, `${disk.vdiProblem}: the virtual size of ${file} is unknown`));
      sizes.set(file, null);
      continue;
    }
    const size = Number(disk.vdi.virtual_size);
    if (!Number.isSafeInteger(size) || size <= 0) {
      findings.push(fileProblem(cfg, `has no valid virtual_size (${JSON.stringify(disk.vdi.virtual_size ?? null)})`));
      sizes.set(file, null);
    } else sizes.set(file, size);
  }
  return { sizes, findings };
}
