/**
 * What the engine tells its faces. The engine never prints: the headless console log, the
 * status log, the JSON report, the mail and the TUI all consume these events. Byte progress is
 * throttled at the source (a few events per second per VM, never one per chunk).
 */
import type { VdiExportFormat } from '../config/index.js';
import type { Scope } from '../selection/index.js';

/** delta: a vm-export VM that a `#vmbackup: delta=` selector picks, backed up as VHD chains (chain/). */
export type BackupMode = 'vm-export' | 'vdi-export' | 'delta';

export type Phase = 'sweep' | 'snapshot' | 'export' | 'verify' | 'metadata' | 'cleanup' | 'retention';

/** success: backup written and verified; warning: written, but something needs a look (e.g. a snapshot left behind); failed: no new backup; cancelled: interrupted; skipped: not attempted (e.g. no room). */
export type VmStatus = 'success' | 'warning' | 'failed' | 'cancelled' | 'skipped';

export interface VmError {
  /** A XAPI code (SR_FULL, VDI_IO_ERROR...) or one of ours (NO_SPACE, VERIFY_FAILED, ...). */
  code: string;
  message: string;
  /** Where it failed: the status log's legacy codes (SNAPSHOT-FAIL, VM-EXPORT-FAIL...) follow from it. */
  phase?: Phase;
  /** What usually fixes it, when known. */
  hint?: string;
}

export interface VmResult {
  name: string;
  uuid: string;
  mode: BackupMode;
  /** raw/vhd for vdi-export; for vm-export the compression of the .xva. */
  format: VdiExportFormat | 'xva' | 'xva.gz' | 'xva.zst';
  status: VmStatus;
  /** The dated backup folder, relative to backup_dir; null when none was kept. */
  folder: string | null;
  /** Files written, relative to backup_dir. */
  files: string[];
  /** Bytes received from the pool for the export (before sparse holes). */
  bytes: number;
  elapsedMs: number;
  /** bytes / elapsed, in MB/s (10^6 bytes). */
  rateMBps: number;
  error?: VmError;
  warnings: string[];
  /** Folders retention deleted, relative to backup_dir. */
  deleted: string[];
}

export interface PoolDbResult {
  status: 'success' | 'failed' | 'skipped';
  /** Relative to backup_dir. */
  file?: string;
  error?: VmError;
  deleted: string[];
}

export type RunStatus = 'SUCCESS' | 'WARNING' | 'ERROR';

export interface RunSummary {
  startedAt: string;
  finishedAt: string;
  /** Short host name of the machine that ran the backup (the status log's <host>). */
  host: string;
  /** The pool master's name and URL. */
  pool: { name: string; url: string };
  backupDir: string;
  vms: VmResult[];
  poolDb: PoolDbResult | null;
  /** Errors that belong to no single VM's backup (e.g. two VMs with one name). */
  problems: VmError[];
  /** Warnings that belong to no single VM (e.g. NO_MATCH: a vm-export or vdi-export selector that matched no VM, so a renamed VM is no longer backed up). */
  warnings: VmError[];
  /** S/W/E as the original counts them: one per VM, plus one E for a failed pool DB dump and per problem, one W per run warning. */
  counts: { success: number; warning: number; error: number };
  status: RunStatus;
  interrupted: boolean;
}

export interface PlannedVm {
  name: string;
  uuid: string;
  mode: BackupMode;
  maxBackups: number;
  /** Estimated bytes of the export files (xapi-notes §3.0). */
  estimate: number;
  /** What the plan found that the VM's backup will lack (e.g. the disks a vdi-export leaves out): each becomes a warning of the VM. */
  warnings?: string[];
}

export type ProgressEvent =
  | { type: 'run-start'; at: Date; vms: PlannedVm[]; scope: Scope; poolDb: boolean }
  | { type: 'vm-start'; vm: PlannedVm; index: number }
  | { type: 'phase'; vm: string; phase: Phase }
  | { type: 'bytes'; vm: string; done: number; estimate: number; rate: number }
  | { type: 'task-progress'; vm: string; progress: number }
  /** A line for the log: what the old script logged at this point (snapshot uuid, files...). */
  | { type: 'log'; vm?: string; message: string }
  | { type: 'warning'; vm?: string; message: string }
  | { type: 'vm-done'; result: VmResult }
  | { type: 'pool-db'; result: PoolDbResult }
  | { type: 'run-done'; summary: RunSummary };

export type EventSink = (event: ProgressEvent) => void;
