/**
 * The two ways to back up a VM, each as: take our snapshot, then describe the transfer.
 * - vm-export: the whole VM as an XVA from GET /export of a VM snapshot, gzip or zstd when the
 *   cfg asks (the pool compresses; we verify the compressed stream too).
 * - vdi-export: only the boot disk from GET /export_raw_vdi of a VDI snapshot, raw (written
 *   sparse) or vhd. The boot disk is the xvda VBD, or else the bootable disk with userdevice 0:
 *   the old script only knew xvda and failed every HVM guest whose boot disk is hda.
 */
import { VmbackupError } from '../errors.js';
import type { TransferTicket } from '../xapi/transfer-ticket.js';
import type { VbdInfo, VmInfo } from '../xapi/records.js';
import type { RunContext } from './context.js';
import type { VmResult } from './events.js';
import { destroyVdi, destroyVmSnapshot, takeVdiSnapshot, takeVmSnapshot } from './snapshots.js';
import type { VerifierSpec } from './verify.js';

export interface PreparedExport {
  /** The backup file's name inside the dated folder. */
  fileName: string;
  format: VmResult['format'];
  sparse: boolean;
  snapshotUuid: string;
  verifier: VerifierSpec;
  start(signal: AbortSignal): Promise<TransferTicket>;
  /** Removes our snapshot; safe to call once whatever happened before. */
  cleanup(): Promise<void>;
}

const logFor = (ctx: RunContext, vm: VmInfo) => (message: string) => ctx.emit({ type: 'log', vm: vm.name, message });

export function bootDisk(vm: VmInfo): VbdInfo | undefined {
  const disks = vm.vbds.filter((v) => v.type === 'Disk' && v.vdi);
  return disks.find((v) => v.device === 'xvda') ?? disks.find((v) => v.bootable && v.userdevice === '0') ?? disks.find((v) => v.userdevice === '0');
}

export async function prepareVmExport(ctx: RunContext, vm: VmInfo, fileBase: string): Promise<PreparedExport> {
  const snap = await takeVmSnapshot(ctx.conn, vm, ctx.runId, ctx.signal);
  const record = await ctx.conn.call<{ uuid: string }>('reading the snapshot', 'VM.get_record', snap);
  const compress = ctx.settings.compress;
  const suffix = compress === 'gzip' ? '.gz' : compress === 'zstd' ? '.zst' : '';
  let cleaned = false;
  return {
    fileName: `${fileBase}.xva${suffix}`,
    format: compress === 'gzip' ? 'xva.gz' : compress === 'zstd' ? 'xva.zst' : 'xva',
    sparse: false,
    snapshotUuid: record.uuid,
    verifier: compress === 'none' ? { kind: 'xva' } : { kind: 'compressed-xva', compression: compress },
    start: (signal) =>
      ctx.conn.transfer(`export of ${vm.name}`, '/export/', { ref: snap, use_compression: compress === 'none' ? 'false' : compress }, signal),
    cleanup: async () => {
      if (cleaned) return;
      cleaned = true;
      await destroyVmSnapshot(ctx.conn, snap, ctx.retry, logFor(ctx, vm));
    },
  };
}

export async function prepareVdiExport(ctx: RunContext, vm: VmInfo, fileBase: string): Promise<PreparedExport> {
  const boot = bootDisk(vm);
  if (!boot?.vdi) {
    throw new VmbackupError('NO_BOOT_DISK', `${vm.name} has no boot disk (no xvda, no bootable disk with userdevice 0)`, 'use vm-export for this VM');
  }
  const source = boot.vdi;
  const snap = await takeVdiSnapshot(ctx.conn, source, vm.name, ctx.runId, ctx.signal);
  const record = await ctx.conn.call<{ uuid: string }>('reading the disk snapshot', 'VDI.get_record', snap);
  const format = ctx.settings.vdiExportFormat;
  let cleaned = false;
  return {
    fileName: `${fileBase}.${format}`,
    format,
    sparse: format === 'raw',
    snapshotUuid: record.uuid,
    verifier: format === 'raw' ? { kind: 'raw', size: source.virtualSize } : { kind: 'vhd' },
    start: (signal) => ctx.conn.transfer(`export of ${vm.name} disk ${source.nameLabel}`, '/export_raw_vdi/', { vdi: snap, format }, signal),
    cleanup: async () => {
      if (cleaned) return;
      cleaned = true;
      await destroyVdi(ctx.conn, snap, ctx.retry, logFor(ctx, vm));
    },
  };
}
