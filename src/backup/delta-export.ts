/**
 * A delta backup of a VM (delta-restore.md §A.2–A.5, §E.1): one VM snapshot (every disk at one
 * instant), then per disk `GET /export_raw_vdi?format=vhd&vdi=<its copy>[&base=<the base's
 * copy>]` into a VHD whose footer uuid is the copy's uuid and whose parent uuid is the base's
 * (rewritten while streaming: XAPI sends a random uid and an SM-level parent). Then the VM's
 * ova.xml and the chain record. The snapshot is kept: after the success marker it becomes the
 * next base and the previous base goes (`commit`); on failure it goes like any snapshot of ours.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DELTA_RECORD_FILE, type DeltaDisk, type DeltaRecord, formatDeltaRecord } from '../chain/record.js';
import { VmbackupError } from '../errors.js';
import type { PoolConnection } from '../xapi/connection.js';
import type { VmInfo } from '../xapi/records.js';
import type { RunContext } from './context.js';
import { chooseBases, type DiskBase, type PoolBase } from './delta-base.js';
import { fetchOvaXml, OVA_XML_FILE } from './delta-metadata.js';
import { deltaBasesOf, markDeltaBase, removeOtherBases } from './delta-snapshots.js';
import type { ExportPart, PreparedExport } from './exports.js';
import { writeSmallFile } from './finalize.js';
import { estimateVdiBytes } from './free-space.js';
import { backupFolderSortKey } from './layout.js';
import type { ListingEntry } from './retention.js';
import { destroyVmSnapshot, takeVmSnapshot } from './snapshots.js';
import { vdiFileName, vmDisks, type VmDisk } from './vdi-disks.js';

/** Failures of ours or of the link: a full would fail the same way, so they are not a refusal of base=. */
const NOT_A_REFUSAL = new Set(['CONNECTION_LOST', 'VERIFY_FAILED', 'NO_SPACE', 'STALLED', 'INTERRUPTED', 'TRANSFER_THREAD_STUCK', 'TRANSFER_THREAD_FAILED']);

/** live VDI ref → the snapshot's copy of it, read with calls (the cache may lag a fresh snapshot). */
export async function snapshotCopies(conn: PoolConnection, snapRef: string): Promise<Map<string, DiskBase>> {
  const copies = new Map<string, DiskBase>();
  const record = await conn.call<{ VBDs: string[] }>('reading the snapshot', 'VM.get_record', snapRef);
  for (const vbdRef of record.VBDs ?? []) {
    const vbd = await conn.call<{ VDI: string; type: string }>('reading a snapshot disk', 'VBD.get_record', vbdRef);
    if (vbd.type !== 'Disk' || !vbd.VDI || vbd.VDI === 'OpaqueRef:NULL') continue;
    const vdi = await conn.call<{ snapshot_of: string; uuid: string }>('reading a snapshot disk', 'VDI.get_record', vbd.VDI);
    copies.set(vdi.snapshot_of, { vdiRef: vbd.VDI, vdiUuid: vdi.uuid });
  }
  return copies;
}

async function hasDeltaPoint(vmDir: string, listing: readonly ListingEntry[]): Promise<boolean> {
  for (const e of listing) {
    if (!e.isDirectory || backupFolderSortKey(e.name) === null) continue;
    if (await stat(join(vmDir, e.name, DELTA_RECORD_FILE)).then(() => true, () => false)) return true;
  }
  return false;
}

interface DiskState {
  disk: VmDisk;
  copy: DiskBase;
  base: DiskBase | null;
}

/** `warn`: the VM job's, which also counts the warning in the VM's result (a full instead of a delta is a warning run, exit 1). */
export async function prepareDeltaExport(ctx: RunContext, vm: VmInfo, fileBase: string, vmDir: string, listing: readonly ListingEntry[], warn: (message: string) => void = (message) => ctx.emit({ type: 'warning', vm: vm.name, message })): Promise<PreparedExport> {
  const log = (message: string) => ctx.emit({ type: 'log', vm: vm.name, message });
  const disks = vmDisks(vm);
  if (disks.length === 0) throw new VmbackupError('NO_DISKS', `${vm.name} has no disk to back up`, 'use vm-export for this VM');
  for (const disk of disks) vdiFileName(fileBase, 'vhd', disk.key); // a name too long fails before the snapshot

  const poolBase = deltaBasesOf(ctx.conn, vm)[0];
  const pool: PoolBase | null = poolBase ? { base: poolBase, copies: await snapshotCopies(ctx.conn, poolBase.ref) } : null;
  const choice = await chooseBases({ vmDir, disks, pool, fullEvery: ctx.settings.fullEvery ?? 7, hadDeltaPoint: await hasDeltaPoint(vmDir, listing) });

  const snap = await takeVmSnapshot(ctx.conn, vm, ctx.runId, ctx.signal);
  let cleaned = false;
  // A failed backup stops the metadata fetch too: nothing of it may outlive the VM's job.
  const stopMetadata = new AbortController();
  const cleanup = async () => {
    stopMetadata.abort();
    if (cleaned) return;
    cleaned = true;
    await destroyVmSnapshot(ctx.conn, snap, ctx.retry, log);
  };
  try {
    for (const line of choice.logs) log(line);
    for (const line of choice.warnings) warn(line);
    const snapUuid = (await ctx.conn.call<{ uuid: string }>('reading the snapshot', 'VM.get_record', snap)).uuid;
    const copies = await snapshotCopies(ctx.conn, snap);
    const states: DiskState[] = disks.map((disk) => {
      const copy = copies.get(disk.vdi.ref);
      if (!copy) throw new VmbackupError('SNAPSHOT_INCOMPLETE', `the snapshot of ${vm.name} has no copy of disk ${disk.key} (${disk.vdi.uuid})`, 'check the disk on the pool (is it excluded from snapshots?), or use vm-export');
      return { disk, copy, base: choice.bases.get(disk.key) ?? null };
    });
    const parts = states.map((s) => diskPart(ctx, vm, fileBase, s, warn));
    // Fetched while the disks stream (it is small, and in series it added ~0.15 s to each run);
    // awaited, and so reported, where the metadata is written.
    const ova = fetchOvaXml(ctx.conn, vm.ref, vm.name, AbortSignal.any([ctx.signal, stopMetadata.signal]));
    ova.catch(() => undefined);
    log(`delta: ${states.map((s) => `${s.disk.key} ${s.base ? `against ${choice.parent}` : 'full'}`).join(', ')}`);

    const record = (): DeltaRecord => {
      const recordDisks: DeltaDisk[] = states.map((s) => ({
        key: s.disk.key,
        userdevice: s.disk.vbd.userdevice,
        vdi: s.disk.vdi.uuid,
        sr: s.disk.vdi.srUuid,
        snapshotVdi: s.copy.vdiUuid,
        file: vdiFileName(fileBase, 'vhd', s.disk.key),
        kind: s.base ? 'diff' : 'full',
        parentSnapshotVdi: s.base?.vdiUuid ?? null,
        virtualSize: s.disk.vdi.virtualSize,
      }));
      const parent = recordDisks.some((d) => d.kind === 'diff') ? choice.parent : null;
      return { format: 'vmbackup-delta', version: 1, vm: { uuid: vm.uuid, name: vm.name }, snapshot: { uuid: snapUuid }, parent, disks: recordDisks };
    };

    return {
      format: 'vhd',
      snapshotUuid: snapUuid,
      parts,
      cleanup,
      writeMetadata: async (folder) => {
        const ovaPath = join(folder, OVA_XML_FILE);
        // Of the VM, not the snapshot: XAPI refuses a metadata export of a snapshot (OPERATION_NOT_ALLOWED).
        await writeSmallFile(ovaPath, await ova);
        const path = join(folder, DELTA_RECORD_FILE);
        const written = record();
        await writeSmallFile(path, formatDeltaRecord(written));
        const depth = written.parent === null ? 0 : choice.depth;
        log(`delta chain: ${written.parent === null ? 'a full (depth 0)' : `depth ${depth}, parent ${written.parent}`}`);
        return [ovaPath, path];
      },
      commit: async (folderName) => {
        // The backup is good whatever happens here: a base not marked is a full next time, said then.
        cleaned = true;
        try {
          await markDeltaBase(ctx.conn, snap, folderName);
          log(`snapshot ${snapUuid} kept on the pool as the base of the next delta`);
          const others = await removeOtherBases(ctx.conn, vm, snap, ctx.retry, log);
          for (const line of others.removed) log(`removed ${line}`);
          for (const line of others.failed) warn(line);
        } catch (err) {
          warn(`the snapshot ${snapUuid} could not be kept as the next delta's base (${(err as Error).message}); the next backup of ${vm.name} is a full`);
        }
      },
    };
  } catch (err) {
    await cleanup().catch(() => undefined); // the sweep of the next run finds it by its tag
    throw err;
  }
}

function diskPart(ctx: RunContext, vm: VmInfo, fileBase: string, state: DiskState, warn: (m: string) => void): ExportPart {
  const { disk, copy } = state;
  const part: ExportPart = {
    fileName: vdiFileName(fileBase, 'vhd', disk.key),
    what: `disk ${disk.key}`,
    sparse: false,
    verifier: { kind: 'vhd' },
    estimate: estimateVdiBytes(disk.vdi.virtualSize, 'vhd'),
    vhdIdentity: () => ({ uuid: copy.vdiUuid, ...(state.base ? { parentUuid: state.base.vdiUuid } : {}) }),
    start: (signal) => ctx.conn.transfer(`export of ${vm.name} disk ${disk.key}${state.base ? ' (delta)' : ''}`, '/export_raw_vdi/', { vdi: copy.vdiRef, format: 'vhd', ...(state.base ? { base: state.base.vdiRef } : {}) }, signal),
  };
  if (state.base) {
    part.fallback = (err) => {
      const code = (err as { code?: unknown }).code;
      if (!state.base || ctx.signal.aborted || typeof code !== 'string' || NOT_A_REFUSAL.has(code) || (err as { path?: unknown }).path !== undefined) return null;
      state.base = null;
      const message = (err as Error).message;
      warn(`a full backup of disk ${disk.key}: the pool refused the delta against the base (${code}: ${message})`);
      return part;
    };
  }
  return part;
}
