/**
 * Everything a running simulator holds, passed to RPC methods and HTTP handlers. The pieces
 * are plain objects with one job each; `startSimulator` wires them together.
 */
import type { CallLog } from './calls.js';
import type { DiskStore } from './disks/store.js';
import type { Faults } from './faults.js';
import type { Store } from './db/store.js';
import type { Sessions } from './api/sessions.js';
import type { Tasks } from './api/tasks.js';

export interface SimOptions {
  user: string;
  password: string;
  /** Real XAPI waits 5 s before answering a failed login. */
  loginFailureDelayMs: number;
  /** XAPI updates export progress at most every 10 s. */
  progressIntervalMs: number;
  /** XVA checksum members: "xxhash" (current XAPI) or "sha1" (legacy .checksum). */
  xvaChecksum: 'xxhash' | 'sha1';
}

export interface SimState {
  store: Store;
  sessions: Sessions;
  tasks: Tasks;
  disks: DiskStore;
  faults: Faults;
  calls: CallLog;
  /** host ref → PEM of the certificate it serves (host.get_server_certificate); empty over HTTP. */
  hostCertificates: Map<string, string>;
  options: SimOptions;
}
