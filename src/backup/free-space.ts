/**
 * Free space in backup_dir and the size an export will need. The old script never looked
 * (nau-spec §10.1) and filled disks; we check before each export and skip the VM with NO_SPACE
 * rather than leave a truncated file and a full disk for the next VM.
 */
import { statfs } from 'node:fs/promises';
import type { VdiExportFormat } from '../config/index.js';
import { VmbackupError } from '../errors.js';
import { estimateXvaSize, vhdStreamLength, VHD_BLOCK_SIZE } from '../formats/index.js';
import { humanBytes } from '../util/human-bytes.js';

/** Bytes an unprivileged process may still write in the file system holding `dir` (what `df` shows as available). */
export async function freeBytes(dir: string): Promise<number> {
  const st = await statfs(dir);
  return st.bavail * st.bsize;
}

/** Upper bound of an XVA export (xapi-notes §3.0): 1 MiB + Σ ceil(vs / 1 MiB) × (1 MiB + 1536). */
export function estimateXvaBytes(virtualSizes: readonly number[]): number {
  return estimateXvaSize(virtualSizes);
}

/**
 * Upper bound of a vdi-export file. raw: the whole virtual size (holes only appear as we
 * write, and the file system may not support them, e.g. some SMB shares). vhd: every 2 MiB
 * block allocated, each with its 512-byte bitmap, plus footer, header, BAT and footer copy.
 */
export function estimateVdiBytes(virtualSize: number, format: VdiExportFormat): number {
  if (format === 'raw') return virtualSize;
  return vhdStreamLength(virtualSize, Math.ceil(virtualSize / VHD_BLOCK_SIZE));
}

// Re-exported: the TUI, the reports and restore/ import it from here.
export { humanBytes };

/** null when `needed` fits into `free`; otherwise the NO_SPACE error to report for `what` (e.g. `the export of VM "web"`). */
export function checkRoom(free: number, needed: number, what: string): VmbackupError | null {
  if (needed <= free) return null;
  return new VmbackupError(
    'NO_SPACE',
    `Not enough space for ${what}: it may need up to ${humanBytes(needed)} (${needed} bytes), ` +
      `but only ${humanBytes(free)} (${free} bytes) are free in the backup directory.`,
    'Free space in backup_dir (lower max_backups, or set pre_clean=true to delete old backups before a new one is written), ' +
      'or move backup_dir to a larger disk. The estimate is an upper bound: sparse disks usually need less.',
  );
}
