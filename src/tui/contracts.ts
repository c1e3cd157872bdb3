/**
 * What the TUI's parts hand each other. The select screen turns the user's choices into a
 * CfgModel (the same model the cfg parser produces and the writer saves), so a backup started
 * in the TUI, a saved cfg and a headless run of that cfg all resolve the same VM scope. The run
 * and preview screens take that model and call the engine (backup/run.ts, backup/preview.ts).
 */
import type { CfgModel } from '../config/index.js';
import type { PoolConnection } from '../xapi/connection.js';

/**
 * Per-VM mode in the list: vm-export, vdi-export of the boot disk in a file format, or a
 * vm-export taken as a delta chain (`vm-export=` plus `#vmbackup: delta=`).
 */
export type TuiMode = 'xva' | 'vdi-raw' | 'vdi-vhd' | 'delta';

/** One row of the select screen (templates, snapshots and dom0 are never rows). */
export interface VmRow {
  uuid: string;
  name: string;
  powerState: string;
  diskCount: number;
  /** Sum of the virtual sizes of its disks, bytes. */
  diskBytes: number;
  /** Virtual size of the disk a vdi-export of the boot disk takes; absent when none was found. */
  bootDiskBytes?: number;
  /** The newest successful backup folder's time in backup_dir, or null ("never"). */
  lastBackup: Date | null;
  /** That backup's delta chain depth (0: a full delta point); null or absent: no delta point. */
  chainDepth?: number | null;
}

/**
 * The filter as a cfg selector, offered by the save screen when the choice is exactly the VMs
 * the filter shows (less the excluded): `model` then holds the filter line instead of names.
 */
export interface SavedFilter {
  pattern: string;
  model: CfgModel;
}

/** Where the app is; the shell (app.tsx) switches screens on these. */
export type Screen =
  | { name: 'connect' }
  | { name: 'select' }
  | { name: 'preview'; model: CfgModel }
  | { name: 'save'; model: CfgModel; filter?: SavedFilter }
  | { name: 'run'; model: CfgModel }
  /** The catalog of backup_dir and restore; `pick`: a backup's folder whose options open at once. */
  | { name: 'backups'; pick?: string | undefined }
  | { name: 'quit' };

/** What every screen after "connect" may use. */
export interface Session {
  conn: PoolConnection;
  /** https://host[:port] of the master and the user, for directives and commands shown. */
  poolUrl: string;
  user: string;
  /** Where backups go (from settings, the demo, or the user); written as backup_dir=. */
  backupDir: string;
  /** Where the status log goes; written as status_log=. */
  statusLog: string;
}

/**
 * In the demo (`vmbackup tui --demo`): a cfg saved there names the demo simulator's port and
 * trusts its certificate. `vmbackup sim --demo` serves the same pool with the same certificate
 * and password (both kept in the simulator's state folder), so the save screen can show a
 * command that runs the saved cfg after the demo has ended.
 */
export interface DemoFacts {
  /** The port of the demo's simulator: the one the saved cfg names. */
  port: number;
  /** The simulator's state folder; null when it is the default one (no --state needed). */
  stateDir: string | null;
  /** The legacy password file in the state folder, holding the demo's password. */
  passwordFile: string;
}
