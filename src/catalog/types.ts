/**
 * The catalog of a backup_dir: what `vmbackup list`, the TUI's Backups screen and restore's
 * PATH resolution read. Only types here; scan.ts builds a Catalog from the disk.
 */

/** success: the dated folder has its `success` marker; unfinished: it has none (a run died, or still runs). */
export type BackupStatus = 'success' | 'unfinished';

/** Told from the files (never from the cfg): `unknown` when a dated folder holds no export file we know. */
export type BackupFormat = 'xva' | 'xva.gz' | 'xva.zst' | 'raw' | 'vhd' | 'unknown';

/** delta: a point of a delta chain (vmbackup-delta.json): VHD files, full or differencing. */
export type CatalogMode = 'vm-export' | 'vdi-export' | 'delta' | 'unknown';

/** Where a delta point sits in its chain (from the records of its VM folder). */
export interface ChainInfo {
  /** The previous point's folder; null for a point whose disks are all full. */
  parent: string | null;
  /** Delta links down to the fulls (0 for a full); null when a link is missing or unreadable. */
  depth: number | null;
  /** Per disk: its device and whether its file is a full or a difference. */
  disks: { key: string; kind: 'full' | 'diff' }[];
}

/** The last `vmbackup verify` of a backup (issue 12 writes it; absent until then). */
export interface VerificationRecord {
  /** ISO 8601 with offset. */
  at: string;
  result: 'ok' | 'failed';
  /** For a failure: what was wrong, as `verify` printed it. */
  detail?: string;
}

export interface CatalogBackup {
  /** The dated folder's name (`backup-2026-12-07-(14:45:18)` or the nas spelling). */
  folder: string;
  /** Absolute path of the dated folder. */
  path: string;
  /** From the folder name, local time. */
  date: Date;
  status: BackupStatus;
  mode: CatalogMode;
  format: BackupFormat;
  /** Every file below the dated folder, relative to it, sorted. */
  files: string[];
  /** The export files (xva / raw / vhd), relative to the dated folder: what a restore sends. */
  exportFiles: string[];
  /** Apparent size of all files (st_size). */
  bytes: number;
  /** Space used on disk (st_blocks × 512): less than bytes for sparse raw disks. */
  diskBytes: number;
  /** vm.cfg's orig_uuid (or the VM uuid of vm-metadata.xml); null when neither says. */
  origUuid: string | null;
  /** vm.cfg's name_label, when there is a vm.cfg. */
  vmName: string | null;
  verification: VerificationRecord | null;
  /**
   * What the scan could not read in this folder, one sentence each (an unreadable or malformed
   * vmbackup-verify.json, vm.cfg...). Absent or empty when everything read. Added in issue 11.
   */
  problems?: string[];
  /** A delta point's place in its chain (issue 13); absent for other backups. */
  chain?: ChainInfo;
}

export interface CatalogVm {
  /** The VM name, decoded from the folder name (`%win%2F2019` → `win/2019`). */
  name: string;
  /** The folder's name under backup_dir. */
  folder: string;
  path: string;
  /** Newest first. */
  backups: CatalogBackup[];
}

export interface PoolDbDump {
  /** `METADATA_<host>` folder name. */
  folder: string;
  /** `pool_db_YYYYMMDD-hhmmss.dump`. */
  file: string;
  path: string;
  date: Date;
  bytes: number;
}

/** Something under backup_dir that is none of the above: listed, never guessed at. */
export interface StrayEntry {
  /** Relative to backup_dir. */
  path: string;
  kind: 'file' | 'folder' | 'other';
  /** Why it is not a backup: "not a VM folder name", "not a dated backup folder"... */
  reason: string;
}

export interface Catalog {
  /** Absolute. */
  backupDir: string;
  /** Sorted by name. */
  vms: CatalogVm[];
  /** Newest first. */
  poolDb: PoolDbDump[];
  strays: StrayEntry[];
}

/**
 * What a restore PATH names (catalog/resolve.ts): a dated backup folder (backup set, file null),
 * one export file inside one (both set), or a lone export file elsewhere (backup null).
 */
export interface ResolvedPath {
  backup: CatalogBackup | null;
  /** Absolute, when one file was named. */
  file: string | null;
  /** The backup's format, or the named file's (from its name). */
  format: BackupFormat;
}
