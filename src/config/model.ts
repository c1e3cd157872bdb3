/**
 * The in-memory form of a legacy VmBackup cfg file plus our `#vmbackup:` directives.
 *
 * The model keeps what the file *says* (settings present, selector lines in file order), not the
 * effective values: defaults are applied by `effectiveSettings`, and selectors are expanded
 * against a pool by selection/. That keeps `parse(format(model))` an exact round trip.
 */

export type ExportMode = 'vm-export' | 'vdi-export';
export type SelectionAction = ExportMode | 'exclude';

/**
 * How a selector picks VMs.
 * - `name`: exactly this VM name. Written as-is when it is a legacy "simple name", otherwise as an
 *   escaped, `$`-terminated regex that the original script reads to the same single VM.
 * - `pattern`: a Python `re.match` regex (front-anchored) as the user wrote it.
 */
export type Selector = { kind: 'name'; name: string } | { kind: 'pattern'; pattern: string };

export interface SelectionLine {
  action: SelectionAction;
  selector: Selector;
  /** The `:N` retention override; only on vm-export / vdi-export lines. */
  maxBackups?: number;
  /** 1-based line in the file it was read from. Not written back; ignored by the round trip. */
  line?: number;
}

/**
 * A `#vmbackup: delta=SELECTOR` line: the vm-export VMs it matches are backed up as delta chains
 * (VHD per disk) instead of XVA files. The original script reads it as a comment, so the same cfg
 * still gives it full XVA exports. Same selector grammar as vm-export=, without :N (retention
 * stays on the vm-export= line).
 */
export interface DeltaLine {
  selector: Selector;
  /** 1-based line in the file it was read from. Not written back; ignored by the round trip. */
  line?: number;
}

export type VdiExportFormat = 'raw' | 'vhd';

/** The five scalar keys the original script knows (spec §2.2), with their cfg spellings. */
export interface LegacySettings {
  poolDbBackup: 0 | 1;
  maxBackups: number;
  backupDir: string;
  statusLog: string;
  vdiExportFormat: VdiExportFormat;
}

export type Compression = 'none' | 'gzip' | 'zstd';

/** How the report mail uses STARTTLS: required refuses clear text; opportunistic uses it when offered. */
export type SmtpStartTls = 'required' | 'opportunistic' | 'off';

/** Dated folder names: legacy `(14:45:18)`, or nas `(14-45-18)` for shares that refuse ":". */
export type FolderNames = 'legacy' | 'nas';

/** When a run mails its report: failure means a WARNING or ERROR run. */
export type MailWhen = 'always' | 'failure' | 'never';

/** Which disks a vdi-export takes: the boot disk (the original's behaviour) or every disk. */
export type VdiDisks = 'boot' | 'all';

/** Settings the original does not know; they live in `#vmbackup: key=value` comment lines. */
export interface Directives {
  pool?: string;
  user?: string;
  /** The pool certificate's SHA-256 fingerprint, normalised ("SHA256:" + 64 hex). */
  fingerprint?: string;
  /** Absolute path of a PEM bundle of CAs to trust for the pool's certificate. */
  caFile?: string;
  compress?: Compression;
  concurrency?: number;
  preClean?: boolean;
  ignoreExtraKeys?: boolean;
  folderNames?: FolderNames;
  /** vdi-export of the boot disk only (default, as the original) or of every disk. */
  vdiDisks?: VdiDisks;
  /** Seconds without a byte from the pool before an export is given up. */
  stallTimeout?: number;
  /** Re-read each new backup from the disk after its success marker (`vmbackup verify`'s checks). */
  verifyAfter?: boolean;
  /** `delta=` lines in file order (repeatable): which vm-export VMs are backed up as delta. */
  delta?: DeltaLine[];
  /** A full every N backups of a delta VM (1: always full). */
  fullEvery?: number;
  mailTo?: string[];
  mailFrom?: string;
  mailWhen?: MailWhen;
  smtpServer?: string;
  smtpStartTls?: SmtpStartTls;
  smtpUser?: string;
  /** Absolute path of a legacy base64 password file. */
  smtpPasswordFile?: string;
  /** Absolute path of a PEM bundle of extra CAs to trust for STARTTLS. */
  smtpCaFile?: string;
}

export interface CfgModel {
  settings: Partial<LegacySettings>;
  directives: Directives;
  selections: SelectionLine[];
}

export function emptyModel(): CfgModel {
  return { settings: {}, directives: {}, selections: [] };
}
