/**
 * What a backup holds, as a restore needs it, read from the files before anything is sent:
 * vm.cfg (the VM's name and uuid), DISK-<key>/vdi.cfg (each disk's name and virtual size, for
 * VDI.create and the SR's room), ova.xml at the head of an XVA. A lone file outside any backup
 * folder has none of the .cfg files: its sizes come from the file itself.
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { BackupFormat, CatalogBackup } from '../catalog/types.js';
import { VmbackupError } from '../errors.js';
import { parseVhdFooter, VHD_FOOTER_SIZE } from '../formats/index.js';
import { readOvaXml, summariseOva } from './ova-xml.js';
import type { RestoreFile, RestorePlan } from './types.js';

/** The 3.1 metadata format: `key=value` per line (backup/metadata.ts writes it). Pure. */
export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1).replace(/\r$/, '');
  }
  return out;
}

async function readKeyValues(path: string): Promise<Record<string, string> | null> {
  try {
    return parseKeyValues(await readFile(path, 'utf8'));
  } catch {
    return null;
  }
}

export interface DiskCfg {
  key: string;
  vdi: Record<string, string>;
  vbd: Record<string, string>;
}

/** Every DISK-<key>/ folder of a dated backup folder with its vdi.cfg and vbd.cfg. */
export async function diskCfgs(folder: string): Promise<DiskCfg[]> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return [];
  }
  const out: DiskCfg[] = [];
  for (const name of names.filter((n) => n.startsWith('DISK-')).sort()) {
    const vdi = await readKeyValues(join(folder, name, 'vdi.cfg'));
    if (vdi) out.push({ key: name.slice('DISK-'.length), vdi, vbd: (await readKeyValues(join(folder, name, 'vbd.cfg'))) ?? {} });
  }
  return out;
}

/**
 * Which DISK-<key> a vdi-export file belongs to: `<vmfolder>.<key>.<fmt>` names its key; the
 * legacy `<vmfolder>.<fmt>` is the boot disk (xvda, else the bootable userdevice 0, as
 * backup/vdi-disks.ts chose it). Pure.
 */
export function diskOfFile(file: string, vmFolder: string, format: 'raw' | 'vhd', disks: readonly DiskCfg[]): DiskCfg | undefined {
  const name = basename(file);
  const keyed = disks.find((d) => name === `${vmFolder}.${d.key}.${format}`);
  if (keyed) return keyed;
  if (name !== `${vmFolder}.${format}`) return disks.length === 1 ? disks[0] : undefined;
  if (disks.length === 1) return disks[0];
  return disks.find((d) => d.key === 'xvda') ?? disks.find((d) => d.vbd.userdevice === '0' && d.vbd.bootable === 'True') ?? disks.find((d) => d.vbd.userdevice === '0');
}

/** A VHD file's disk size: the footer copy at its start (stream-ordered, as XAPI writes it). */
async function vhdVirtualSize(path: string): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(VHD_FOOTER_SIZE);
    const { bytesRead } = await handle.read(buf, 0, VHD_FOOTER_SIZE, 0);
    if (bytesRead < VHD_FOOTER_SIZE) throw new Error('shorter than a VHD footer');
    return parseVhdFooter(buf, 0).currentSize;
  } catch (err) {
    throw new VmbackupError('VERIFY_FAILED', `${path}: not a readable VHD (${(err as Error).message})`, 'restore another backup of this VM; this file is damaged');
  } finally {
    await handle.close();
  }
}

export interface BackupContent {
  kind: 'vm' | 'vdi';
  files: RestoreFile[];
  source: RestorePlan['source'];
  /** The disks' virtual sizes, summed: what the SR must hold. */
  neededBytes: number;
  warnings: string[];
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    throw new VmbackupError('NOT_FOUND', `${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, 'give a backup folder or an export file that exists (vmbackup list shows them)');
  }
}

/**
 * The files to send and what they hold. `backup` is the dated folder (null for a lone file),
 * `only` one file of it (a file PATH), `format` what the catalog told from the names.
 */
export async function readBackupContent(backup: CatalogBackup | null, only: string | null, format: BackupFormat): Promise<BackupContent> {
  if (format === 'unknown') throw new VmbackupError('NOT_A_BACKUP', `${only ?? backup?.path ?? ''}: holds no export file vmbackup can restore (.xva, .xva.gz, .xva.zst, .raw, .vhd)`, 'give a dated backup folder, a VM folder or one export file');
  const paths = only ? [only] : (backup?.exportFiles ?? []).map((f) => join(backup!.path, f));
  if (paths.length === 0) throw new VmbackupError('NOT_A_BACKUP', `${backup?.path ?? ''}: no export file in it`, 'the backup may have failed before its export; pick another one (vmbackup list)');
  const cfg = backup ? await readKeyValues(join(backup.path, 'vm.cfg')) : null;
  const warnings: string[] = [];

  if (format === 'xva' || format === 'xva.gz' || format === 'xva.zst') {
    if (paths.length > 1) warnings.push(`the backup holds ${paths.length} XVA files; restoring the first, ${basename(paths[0]!)}`);
    const path = paths[0]!;
    const bytes = await fileSize(path);
    const ova = summariseOva(await readOvaXml(path));
    // The XVA holds the backup's snapshot: its name is RESTORE_<vm> (the legacy snapshot name)
    // and its uuid the snapshot's. vm.cfg names the VM itself.
    const archivedName = (ova.vm?.name ?? '').replace(/^RESTORE_/, '');
    const name = cfg?.name_label || backup?.vmName || archivedName || basename(path).replace(/\.xva(\.gz|\.zst)?$/, '');
    const uuid = cfg?.orig_uuid || backup?.origUuid || ova.vm?.uuid || null;
    return {
      kind: 'vm',
      files: [{ path, format, bytes }],
      source: { name, uuid, archiveUuid: ova.vm?.uuid || null },
      neededBytes: ova.disks.reduce((sum, d) => sum + d.virtualSize, 0),
      warnings,
    };
  }

  const disks = backup ? await diskCfgs(backup.path) : [];
  const vmFolder = backup ? basename(dirname(backup.path)) : '';
  const files: RestoreFile[] = [];
  for (const path of paths) {
    const bytes = await fileSize(path);
    const disk = backup ? diskOfFile(path, vmFolder, format, disks) : undefined;
    const fromFile = format === 'raw' ? bytes : await vhdVirtualSize(path);
    const cfgSize = Number(disk?.vdi.virtual_size);
    const virtualSize = Number.isFinite(cfgSize) && cfgSize > 0 ? cfgSize : fromFile;
    if (format === 'raw' && bytes !== virtualSize) warnings.push(`${basename(path)} holds ${bytes} bytes but its vdi.cfg says the disk has ${virtualSize}`);
    const nameLabel = disk?.vdi.name_label || basename(path).replace(/\.(raw|vhd)$/, '');
    files.push({
      path,
      format,
      bytes,
      vdi: {
        name: nameLabel,
        description: disk?.vdi.name_description ?? '',
        virtualSize,
        ...(disk?.vbd.userdevice ? { userdevice: disk.vbd.userdevice } : {}),
      },
    });
  }
  return {
    kind: 'vdi',
    files,
    source: cfg || backup ? { name: cfg?.name_label || backup?.vmName || vmFolder, uuid: cfg?.orig_uuid || backup?.origUuid || null } : null,
    neededBytes: files.reduce((sum, f) => sum + (f.vdi?.virtualSize ?? 0), 0),
    warnings,
  };
}
