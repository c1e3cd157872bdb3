/**
 * Before a VM's backup: remove the snapshots an earlier run of ours left behind (killed, or
 * cleanup failed), found by our other_config tag and by what they are snapshots of. Things that
 * only look like ours (RESTORE_<vm>, SNAP_<vm>_... without the tag) are left alone, with a
 * warning: they may be someone's real VM or disk (NAU #96).
 *
 * A leftover that cannot be removed now (VDI_IN_USE: a stuck tapdisk, an export still holding
 * it) is a warning with its uuid, and the new backup runs anyway: the sweep is housekeeping, and
 * one stuck disk must not stop every later backup of its VM. It is tried once per run, without
 * the backoff our own fresh snapshot gets: a leftover still in use is not about to be freed.
 */
import { hostname } from 'node:os';
import type { PoolConnection } from '../xapi/connection.js';
import { poolError } from '../xapi/errors.js';
import { str, vdiInfo, type VmInfo } from '../xapi/records.js';
import { BASE_TAG, deltaBasesOf, removeOtherBases } from './delta-snapshots.js';
import { destroyVdi, destroyVmSnapshot, DisksLeftError, type RetryPolicy, RUN_TAG } from './snapshots.js';

export interface SweepResult {
  removed: string[];
  /** Ours, but another live run's: left alone, and said so in the log. */
  inUse: string[];
  warnings: string[];
}

/**
 * Whether the run that tagged something is still alive. The tag value is
 * `<uuid>@<host>:<pid>` (run.ts); a run on this host whose process still exists is another
 * vmbackup working on the same VM (a second cfg with its own backup_dir), not a leftover. Runs
 * on other hosts cannot be checked and count as leftovers.
 */
export function ownerAlive(tag: string): boolean {
  const m = /@([^@:]+):(\d+)$/.exec(tag);
  if (!m || m[1] !== hostname() || Number(m[2]) === process.pid || Number(m[2]) < 1) return false;
  try {
    process.kill(Number(m[2]), 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * `keepDeltaBase`: this VM is backed up as delta, so its newest base snapshot stays (the next
 * delta's parent); any older one goes. Otherwise every base goes: a VM moved from delta to
 * vm-export must not keep a snapshot on its SR for good.
 */
export async function sweepLeftovers(conn: PoolConnection, vm: VmInfo, retry: RetryPolicy, log?: (message: string) => void, keepDeltaBase = false): Promise<SweepResult> {
  const removed: string[] = [];
  const inUse: string[] = [];
  const warnings: string[] = [];
  const once: RetryPolicy = { ...retry, attempts: 1 };
  /** Disks already tried (and left) in this sweep: tried and reported once. */
  const left = new Set<string>();
  const cannotRemove = (what: string, err: unknown) => {
    // A pool that is gone fails the VM: nothing else could work either.
    if ((err as { code?: unknown }).code === 'CONNECTION_LOST') throw err;
    // Already gone: the cache still listed it because its deletion had not come through the
    // event feed yet (a second run on the same connection, as in a TUI session, right after one).
    if (poolError(err, 'removing it').code === 'HANDLE_INVALID') return;
    if (err instanceof DisksLeftError) for (const d of err.disks) left.add(d.ref);
    warnings.push(`could not remove ${what}, left by an earlier run: ${poolError(err, 'removing it').message}; the backup goes on, and the next run tries again`);
  };
  // A run killed between tagging the source and the snapshot call leaves the tag on the source
  // (it is only there so the snapshot is born tagged).
  const busy = (tag: string, what: string) => {
    if (!ownerAlive(tag)) return false;
    inUse.push(`left alone: ${what} belongs to a vmbackup run still running on this host (${tag})`);
    return true;
  };
  if (vm.otherConfig[RUN_TAG] !== undefined && !busy(vm.otherConfig[RUN_TAG], `the tag on ${vm.name}`)) {
    await conn.call(`untagging ${vm.name}`, 'VM.remove_from_other_config', vm.ref, RUN_TAG);
    removed.push(`the tag ${RUN_TAG} on ${vm.name} itself`);
  }
  for (const vbd of vm.vbds) {
    const tag = vbd.vdi?.otherConfig[RUN_TAG];
    if (vbd.vdi && tag !== undefined && !vbd.vdi.isSnapshot && !busy(tag, `the tag on disk ${vbd.vdi.nameLabel}`)) {
      await conn.call(`untagging disk ${vbd.vdi.nameLabel}`, 'VDI.remove_from_other_config', vbd.vdi.ref, RUN_TAG);
      removed.push(`the tag ${RUN_TAG} on disk ${vbd.vdi.nameLabel}`);
    }
  }
  const vms = conn.vms();
  for (const snap of vms.filter((v) => v.isSnapshot && v.snapshotOf === vm.ref)) {
    // Bases are handled below, by age: a kill while one was being marked leaves it both tags.
    if (snap.otherConfig[BASE_TAG] !== undefined) continue;
    if (snap.otherConfig[RUN_TAG] === undefined || busy(snap.otherConfig[RUN_TAG], `snapshot ${snap.name} (${snap.uuid})`)) continue;
    try {
      await destroyVmSnapshot(conn, snap.ref, once, log);
      removed.push(`snapshot ${snap.name} (${snap.uuid}) from run ${snap.otherConfig[RUN_TAG]}`);
    } catch (err) {
      cannotRemove(`snapshot ${snap.name} (${snap.uuid})`, err);
    }
  }
  const keep = keepDeltaBase ? (deltaBasesOf(conn, vm)[0]?.ref ?? null) : null;
  const bases = await removeOtherBases(conn, vm, keep, once, log ?? (() => undefined));
  removed.push(...bases.removed);
  warnings.push(...bases.failed);
  if (removed.length > 0) await conn.settle();
  for (const other of vms.filter((v) => v.name === `RESTORE_${vm.name}` && v.otherConfig[RUN_TAG] === undefined && v.otherConfig[BASE_TAG] === undefined)) {
    warnings.push(`left alone: ${other.isSnapshot ? 'snapshot' : 'VM'} "${other.name}" (${other.uuid}) is not tagged as ours`);
  }

  const disks = new Set(vm.vbds.map((b) => b.vdi?.ref).filter((r): r is string => r !== undefined));
  const vdiRecords = Object.values(conn.xapi.objects.indexes.type.VDI ?? {}) as Record<string, unknown>[];
  for (const record of vdiRecords) {
    const vdi = vdiInfo(str(record.$ref), conn.lookup);
    if (!vdi || !vdi.isSnapshot || !disks.has(str(record.snapshot_of))) continue;
    if (vdi.otherConfig[BASE_TAG] !== undefined) continue; // a base's disk: goes with its snapshot VM
    if (vdi.otherConfig[RUN_TAG] !== undefined) {
      if (busy(vdi.otherConfig[RUN_TAG], `disk snapshot ${vdi.nameLabel} (${vdi.uuid})`)) continue;
      // A vdi-export leftover, or a disk whose VM snapshot was destroyed without it.
      if (!conn.lookup(vdi.ref) || left.has(vdi.ref)) continue;
      try {
        await destroyVdi(conn, vdi.ref, once, log);
        removed.push(`disk snapshot ${vdi.nameLabel} (${vdi.uuid}) from run ${vdi.otherConfig[RUN_TAG]}`);
      } catch (err) {
        cannotRemove(`disk snapshot ${vdi.nameLabel} (${vdi.uuid})`, err);
      }
    } else if (vdi.nameLabel.startsWith(`SNAP_${vm.name.replace(/ /g, '-')}_`)) {
      warnings.push(`left alone: disk "${vdi.nameLabel}" (${vdi.uuid}) is not tagged as ours`);
    }
  }
  return { removed, inUse, warnings };
}
