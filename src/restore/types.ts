/**
 * What a restore is asked, what it plans and what it reports: the contract between the restore
 * engine (this folder) and its two faces (`vmbackup restore`, the TUI's Backups screen).
 */
import type { BackupFormat, CatalogBackup } from '../catalog/types.js';
import type { DeltaPlan } from './delta-plan.js';

export interface RestoreRequest {
  /** A dated backup folder, a VM folder (its newest successful backup) or one export file. */
  path: string;
  /** An SR name_label or uuid; the pool's default SR when absent. */
  sr?: string;
  /** The new VM's name (XVA) or the VDI's name (raw/vhd). */
  name?: string;
  /** XVA only: restore=true, keeping the VM uuid and MACs (disaster recovery). */
  preserve: boolean;
  /** XVA only: start the VM after the import. */
  start: boolean;
  /** raw/vhd only: plug the new VDI into this VM (name or uuid) as its next free device. */
  attachTo?: string;
  /** Agreed in advance: an unfinished backup, replacing a halted VM under --preserve. */
  yes: boolean;
}

/** One file to send, in order. */
export interface RestoreFile {
  /** Absolute path. */
  path: string;
  format: BackupFormat;
  /** Bytes on the wire (the file's size). */
  bytes: number;
  /**
   * Added (delta): the disk's chain, VHD files newest first (`path` is the first); what is sent
   * is their synthetic full VHD, `bytes` long.
   */
  chain?: string[];
  /** raw/vhd: the VDI to create (from DISK-<key>/vdi.cfg, else from the file). */
  vdi?: { name: string; description: string; virtualSize: number; userdevice?: string };
}

export interface SrChoice {
  ref: string;
  uuid: string;
  name: string;
  /** physical_size − physical_utilisation. */
  freeBytes: number;
}

/** A question the engine needs answered before it sends anything (asked by the face, or --yes). */
export interface RestoreConfirmation {
  code: 'UNFINISHED_BACKUP' | 'REPLACE_HALTED_VM';
  message: string;
}

export interface RestorePlan {
  kind: 'vm' | 'vdi';
  /** The catalog entry of the dated folder, null for a lone file outside any backup folder. */
  backup: CatalogBackup | null;
  files: RestoreFile[];
  sr: SrChoice;
  /** The VM (vm) or the VDI (vdi, one disk) name the restore will give. */
  name: string;
  preserve: boolean;
  start: boolean;
  /** raw/vhd with --attach-to: the VM's ref, uuid and name. */
  attachTo: { ref: string; uuid: string; name: string } | null;
  /** --preserve and a VM of that uuid exists (halted): it will be replaced. */
  replaces: { ref: string; uuid: string; name: string } | null;
  /** Human lines, one thing each, for a confirm screen and --dry-run: what will be created. */
  willCreate: string[];
  /** What needs a yes before sending (empty when none). */
  confirmations: RestoreConfirmation[];
  warnings: string[];
  /** Added: bytes the SR must have free (the disks' virtual sizes; checked before sending). */
  neededBytes: number;
  /**
   * Added: the backed-up VM as the backup describes it (vm.cfg, else ova.xml); null when nothing
   * says. `archiveUuid`: the VM uuid inside the XVA, which --preserve gives the restored VM: for
   * a vmbackup or VmBackup.py backup that is the backup snapshot's uuid, not `uuid`.
   */
  source: { name: string; uuid: string | null; archiveUuid?: string | null } | null;
  /** Added: when the backup was taken (the dated folder), null for a lone file outside any backup. */
  backupDate: Date | null;
  /** Added (delta): a delta point's chains and VM metadata (delta-plan.ts); absent for other backups. */
  delta?: DeltaPlan;
}

export interface NetworkLanding {
  /** The VIF's device number. */
  device: string;
  mac: string;
  network: { uuid: string; name: string };
  /** The import created this network: no network of the archived name or bridge existed. */
  created: boolean;
}

export interface RestoreResult {
  vm: { uuid: string; name: string } | null;
  vdis: { uuid: string; name: string; sr: string }[];
  /** Bytes sent. */
  bytes: number;
  elapsedMs: number;
  /** Every byte sent was checked by the verifier. */
  verified: boolean;
  networks: NetworkLanding[];
  warnings: string[];
}

export type RestorePhase = 'check' | 'create-vdi' | 'import' | 'attach' | 'start' | 'cleanup';

/**
 * Progress, in the shapes of the backup's own events (backup/events.ts) so one progress bar
 * serves both: `vm` is the name the restore gives.
 */
export type RestoreEvent =
  | { type: 'phase'; vm: string; phase: RestorePhase }
  | { type: 'bytes'; vm: string; done: number; estimate: number; rate: number }
  | { type: 'task-progress'; vm: string; progress: number }
  | { type: 'log'; vm?: string; message: string }
  | { type: 'warning'; vm?: string; message: string }
  | { type: 'restore-done'; result: RestoreResult };

export type RestoreEventSink = (event: RestoreEvent) => void;
