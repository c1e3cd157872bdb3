/**
 * The ways to back up a VM, each as: take our snapshot, then describe the transfers (one file
 * each, in order).
 * - vm-export: the whole VM as an XVA from GET /export of a VM snapshot, gzip or zstd when the
 *   cfg asks (the pool compresses; we verify the compressed stream too).
 * - vdi-export, vdi_disks=boot (the legacy default): the boot disk (vdi-disks.ts) from GET
 *   /export_raw_vdi of a VDI snapshot, raw (written sparse) or vhd.
 * - vdi-export, vdi_disks=all: every disk from GET /export_raw_vdi, one file each, all from ONE
 *   VM snapshot. A VM snapshot takes the disks at one instant (crash-consistent across disks,
 *   what Xen Orchestra's backups do too); one VDI snapshot after the other would give a database
 *   on xvdb and its log on xvdc from different moments.
 */
import { VmbackupError } from '../errors.js';
import type { TransferTicket } from '../xapi/transfer-ticket.js';
import type { VmInfo } from '../xapi/records.js';
import type { RunContext } from './context.js';
import type { VmResult } from './events.js';
import { estimateVdiBytes } from './free-space.js';
import { destroyVdi, destroyVmSnapshot, takeVdiSnapshot, takeVmSnapshot } from './snapshots.js';
import { bootDisk, vdiExportDisks, vdiFileName, type VmDisk } from './vdi-disks.js';
import type { VerifierSpec } from './verify.js';

/** The format a VM's backup has in this run's settings: before its export starts, too. */
export function plannedFormat(mode: VmResult['mode'], settings: RunContext['settings']): VmResult['format'] {
  if (mode === 'vdi-export') return settings.vdiExportFormat;
  if (mode === 'delta') return 'vhd';
  return settings.compress === 'gzip' ? 'xva.gz' : settings.compress === 'zstd' ? 'xva.zst' : 'xva';
}

/** One file of a backup and the transfer that fills it. */
export interface ExportPart {
  /** The file's name inside the dated folder. */
  fileName: string;
  /** What it holds, for the log: "disk xvdb". */
  what: string;
  sparse: boolean;
  verifier: VerifierSpec;
  /** Upper bound of its size: progress over several files is weighted by it. */
  estimate: number;
  start(signal: AbortSignal): Promise<TransferTicket>;
  /** A VHD whose footer uuid (and differencing parent uuid) are rewritten as it streams (delta chains). */
  vhdIdentity?: () => { uuid: string; parentUuid?: string };
  /**
   * After a failed transfer: the part to try once instead (a delta refused by the pool becomes a
   * full of that disk, said as a warning), or null when the failure stands.
   */
  fallback?: (err: unknown) => ExportPart | null;
}

export interface PreparedExport {
  format: VmResult['format'];
  snapshotUuid: string;
  /** In order; the backup is good when every one of them is. */
  parts: ExportPart[];
  /** Removes our snapshot; safe to call once whatever happened before. */
  cleanup(): Promise<void>;
  /** Files of this kind of backup besides the legacy metadata (ova.xml, the chain record); their paths. */
  writeMetadata?(folder: string): Promise<string[]>;
  /** After the success marker, instead of cleanup: what becomes of the snapshot (a delta keeps it as the next base). */
  commit?(folderName: string): Promise<void>;
}

const logFor = (ctx: RunContext, vm: VmInfo) => (message: string) => ctx.emit({ type: 'log', vm: vm.name, message });

/** `cleanup` once; `what` runs after the snapshot exists, and a throw there still removes it. */
async function withSnapshot(cleanup: () => Promise<void>, what: () => Promise<Omit<PreparedExport, 'cleanup'>>): Promise<PreparedExport> {
  let cleaned = false;
  const once = async () => {
    if (cleaned) return;
    cleaned = true;
    await cleanup();
  };
  try {
    return { ...(await what()), cleanup: once };
  } catch (err) {
    await once().catch(() => undefined); // the sweep of the next run finds it by its tag
    throw err;
  }
}

export async function prepareVmExport(ctx: RunContext, vm: VmInfo, fileBase: string): Promise<PreparedExport> {
  const snap = await takeVmSnapshot(ctx.conn, vm, ctx.runId, ctx.signal);
  const compress = ctx.settings.compress;
  const suffix = compress === 'gzip' ? '.gz' : compress === 'zstd' ? '.zst' : '';
  return withSnapshot(
    () => destroyVmSnapshot(ctx.conn, snap, ctx.retry, logFor(ctx, vm)),
    async () => ({
      format: plannedFormat('vm-export', ctx.settings),
      snapshotUuid: (await ctx.conn.call<{ uuid: string }>('reading the snapshot', 'VM.get_record', snap)).uuid,
      parts: [
        {
          fileName: `${fileBase}.xva${suffix}`,
          what: 'the VM',
          sparse: false,
          verifier: compress === 'none' ? { kind: 'xva' } : { kind: 'compressed-xva', compression: compress },
          estimate: 0,
          start: (signal) => ctx.conn.transfer(`export of ${vm.name}`, '/export/', { ref: snap, use_compression: compress === 'none' ? 'false' : compress }, signal),
        },
      ],
    }),
  );
}

/** The transfer of one disk (`vdiRef`, a snapshot of `disk`) into its file. */
function diskPart(ctx: RunContext, vm: VmInfo, fileBase: string, disk: VmDisk, vdiRef: string, named: boolean): ExportPart {
  const format = ctx.settings.vdiExportFormat;
  return {
    fileName: vdiFileName(fileBase, format, disk.boot || !named ? null : disk.key),
    what: `disk ${disk.key}`,
    sparse: format === 'raw',
    verifier: format === 'raw' ? { kind: 'raw', size: disk.vdi.virtualSize } : { kind: 'vhd' },
    estimate: estimateVdiBytes(disk.vdi.virtualSize, format),
    start: (signal) => ctx.conn.transfer(`export of ${vm.name} disk ${disk.key}`, '/export_raw_vdi/', { vdi: vdiRef, format }, signal),
  };
}

export async function prepareVdiExport(ctx: RunContext, vm: VmInfo, fileBase: string): Promise<PreparedExport> {
  if (ctx.settings.vdiDisks === 'all') return prepareAllDisksExport(ctx, vm, fileBase);
  const boot = bootDisk(vm);
  const disk = vdiExportDisks(vm, 'boot').take[0];
  if (!boot?.vdi || !disk) {
    throw new VmbackupError('NO_BOOT_DISK', `${vm.name} has no boot disk (no xvda, no bootable disk with userdevice 0)`, 'use vm-export for this VM, or #vmbackup: vdi_disks=all');
  }
  const snap = await takeVdiSnapshot(ctx.conn, boot.vdi, vm.name, ctx.runId, ctx.signal);
  return withSnapshot(
    () => destroyVdi(ctx.conn, snap, ctx.retry, logFor(ctx, vm)),
    async () => ({
      format: ctx.settings.vdiExportFormat,
      snapshotUuid: (await ctx.conn.call<{ uuid: string }>('reading the disk snapshot', 'VDI.get_record', snap)).uuid,
      parts: [diskPart(ctx, vm, fileBase, disk, snap, false)],
    }),
  );
}

/** Every disk from one VM snapshot; each snapshot disk is found by what it is a snapshot of. */
async function prepareAllDisksExport(ctx: RunContext, vm: VmInfo, fileBase: string): Promise<PreparedExport> {
  const disks = vdiExportDisks(vm, 'all').take;
  if (disks.length === 0) throw new VmbackupError('NO_DISKS', `${vm.name} has no disk to export`, 'use vm-export for this VM');
  // Names are checked before the snapshot: a name too long fails the VM with nothing to undo.
  for (const disk of disks) vdiFileName(fileBase, ctx.settings.vdiExportFormat, disk.boot ? null : disk.key);
  const snap = await takeVmSnapshot(ctx.conn, vm, ctx.runId, ctx.signal);
  return withSnapshot(
    () => destroyVmSnapshot(ctx.conn, snap, ctx.retry, logFor(ctx, vm)),
    async () => {
      const record = await ctx.conn.call<{ uuid: string; VBDs: string[] }>('reading the snapshot', 'VM.get_record', snap);
      const copyOf = new Map<string, string>(); // source VDI ref → its copy in the snapshot
      for (const vbdRef of record.VBDs ?? []) {
        const vbd = await ctx.conn.call<{ VDI: string; type: string }>('reading a snapshot disk', 'VBD.get_record', vbdRef);
        if (vbd.type !== 'Disk' || !vbd.VDI || vbd.VDI === 'OpaqueRef:NULL') continue;
        const vdi = await ctx.conn.call<{ snapshot_of: string }>('reading a snapshot disk', 'VDI.get_record', vbd.VDI);
        copyOf.set(vdi.snapshot_of, vbd.VDI);
      }
      const parts = disks.map((disk) => {
        const copy = copyOf.get(disk.vdi.ref);
        if (!copy) throw new VmbackupError('SNAPSHOT_INCOMPLETE', `the snapshot of ${vm.name} has no copy of disk ${disk.key} (${disk.vdi.uuid})`, 'check the disk on the pool (is it excluded from snapshots?), or use vm-export');
        return diskPart(ctx, vm, fileBase, disk, copy, true);
      });
      return { format: ctx.settings.vdiExportFormat, snapshotUuid: record.uuid, parts };
    },
  );
}
