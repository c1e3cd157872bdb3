/**
 * The contract of the verify room (`vmbackup verify`, `verify_after`, the TUI's verify of a
 * selection): which backups to read, the events while they are read, the verdicts. Only types
 * here. A verify reads backups from the disk and writes nothing but its record
 * (`vmbackup-verify.json`, atomically) beside each backup: it never deletes or renames one.
 */
import type { CatalogBackup } from '../catalog/types.js';
import type { VerifyLayer } from '../backup/verify-failure.js';

/** One backup to check; `files` narrows it to some of its export files (a PATH naming a file). */
export interface VerifyTarget {
  /** The VM's name (decoded folder name), for lines and events. */
  vm: string;
  backup: CatalogBackup;
  /** Relative to the dated folder; absent: the whole backup. */
  files?: string[];
  /**
   * The backup_dir it was found in (resolve.ts sets it: a VM folder's parent, a dated folder's
   * grandparent), so that folders are shown as `VM/backup-…` wherever the PATH pointed. Added.
   */
  backupDir?: string;
  /**
   * A lone export file outside any dated folder (`backup` then stands for its folder): only its
   * format is checked; no marker, metadata, sums or record. Added.
   */
  lone?: boolean;
}

/** What is wrong, where: one line of verify's output, one entry of `--json`'s `failed`. */
export interface VerifyFinding {
  /** The dated folder, relative to backup_dir when it is inside it, else absolute. */
  folder: string;
  /** Relative to the dated folder (`success`, `vm.cfg`, `disk.vhd`...). */
  file: string;
  /**
   * The format layer (verify-failure.ts), or 'file' for a missing or unreadable file, or 'chain'
   * (added) for a delta point whose chain holds a bad link: `file` is then the link's
   * `<dated folder>/<file>` (a sibling of the point's folder) and `reason` what is wrong with it.
   */
  layer: VerifyLayer | 'chain';
  member: string | null;
  offset: number | null;
  /** True when `offset` counts bytes of the decompressed tar of a .gz / .zst file. Added. */
  decompressed: boolean;
  reason: string;
  /** A 'chain' finding's link, counted from the full (1) to the point itself (`of`); `of` is null when the chain broke before its full. Added. */
  chainLink?: { index: number; of: number | null };
}

/** What a delta point's verdict says of its chain (chain-check.ts). Added. */
export interface ChainFacts {
  /** Diff links between the point and its fulls (chain/walk.ts chainDepthOf); 0 for a full point. */
  depth: number;
  /** The earlier points the chain holds, newest first (folder names, siblings of the point). */
  links: string[];
  /** How many of those had their files judged in this run (read now, or already read in it). */
  linksChecked: number;
  /** False when any link is bad (it is named in the findings). */
  ok: boolean;
}

export interface BackupVerdict {
  vm: string;
  /** As in VerifyFinding. */
  folder: string;
  /** Absolute path of the dated folder. */
  path: string;
  ok: boolean;
  /** Empty when ok. */
  findings: VerifyFinding[];
  /** Bytes read. */
  bytes: number;
  elapsedMs: number;
  /** Why the record could not be written (the backup is still reported), or null. */
  recordProblem: string | null;
  /**
   * What the OK line adds: "no sums recorded", "raw disk: length only"... Added.
   */
  notes: string[];
  /** True when `vmbackup-verify.json` was written (never for an unfinished folder or a lone file). Added. */
  recorded: boolean;
  /**
   * How each export file was judged, one line each ("identical to the bytes verified while they
   * streamed (XXH64 sums, 65 segments)", or "read through its format's verifier and compared with
   * its XXH64 sums"), prefixed by the file's name when the backup has several. Kept out of `notes`
   * so that the OK line stays as it was. Added.
   */
  basis?: string[];
  /** A delta point's chain (absent for any other backup). Added. */
  chain?: ChainFacts;
}

export type VerifyEvent =
  | { type: 'backup-start'; vm: string; folder: string; totalBytes: number }
  /** Bytes read of this backup so far, a few times a second. */
  | { type: 'bytes'; vm: string; folder: string; done: number; total: number; rate: number }
  | { type: 'backup-done'; verdict: BackupVerdict };

export interface VerifyOptions {
  /** Backups read at once (--jobs); at least 1. */
  jobs: number;
  signal: AbortSignal;
  onEvent(event: VerifyEvent): void;
  /** Write `vmbackup-verify.json` beside each backup (default true). */
  record?: boolean;
  /** For tests and the record's date. */
  now?: () => Date;
  /** backup_dir, to give folders relative to it. */
  backupDir?: string;
  /**
   * Run the structural pass (tar headers, chunk checksums, gzip/zstd, VHD footer/header/BAT, raw
   * length) on every file, also on those whose bytes match their recorded sums (`--deep`). Without
   * it, such a file is judged by its sums alone: they were taken of bytes the stream's verifier
   * had accepted. Added.
   */
  deep?: boolean;
  /** Reader threads per file on the fast path; default: one per core (at most 4). Added. */
  readers?: number;
  /**
   * How a delta point's earlier links are judged: 'read' (default) checks each link's files as
   * its own backup is checked (once per run, shared between the points that need it); 'records'
   * checks only their markers, last verify and VHD identities (verify_after: the links were read
   * when they were written). Added.
   */
  chainLinks?: 'read' | 'records';
}

export interface VerifySummary {
  checked: number;
  ok: number;
  failed: VerifyFinding[];
  bytes: number;
  elapsedMs: number;
  verdicts: BackupVerdict[];
  /** True when the signal stopped it before every target was read. */
  cancelled: boolean;
}
