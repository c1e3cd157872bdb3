/**
 * Raw or VHD disks (a vdi-export backup) back to the pool, one at a time: VDI.create on the SR
 * with the size and name from DISK-<key>/vdi.cfg, then PUT /import_raw_vdi?format=raw|vhd&vdi=…
 * with a Content-Length (XAPI refuses chunked bodies for a VHD), verified while it streams.
 * With --attach-to, each disk is plugged into that VM as its next free device (VBD.create;
 * never in place of a disk it has). Without it the disk stays unattached and its uuid is told.
 */
import { basename } from 'node:path';
import type { PoolConnection } from '../xapi/connection.js';
import { poolError } from '../xapi/errors.js';
import { str } from '../xapi/records.js';
import { label, log, type RestoreContext, warn } from './context.js';
import { sendFile } from './send.js';
import type { RestoreFile, RestoreResult } from './types.js';
import { RESTORED_FROM_KEY } from './xva-import.js';

/** The lowest device number the VM offers (VM.get_allowed_VBD_devices): never one in use. Pure. */
export function nextFreeDevice(allowed: readonly string[]): string | null {
  const numeric = allowed.filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(a) - Number(b));
  return numeric[0] ?? allowed[0] ?? null;
}

export async function createVdi(ctx: RestoreContext, file: RestoreFile): Promise<string> {
  const vdi = file.vdi!;
  const ref = await ctx.conn.call<string>(`creating the disk ${vdi.name}`, 'VDI.create', {
    name_label: vdi.name,
    name_description: vdi.description,
    SR: ctx.plan.sr.ref,
    // int64 as a string: XML-RPC ints are 32-bit, and XAPI reads an int64 from a string on both transports.
    virtual_size: String(vdi.virtualSize),
    type: 'user',
    sharable: false,
    read_only: false,
    other_config: { [RESTORED_FROM_KEY]: ctx.plan.backup?.path ?? file.path },
    xenstore_data: {},
    sm_config: {},
    tags: [],
  });
  ctx.undo.vdi(ref);
  return ref;
}

async function attach(ctx: RestoreContext, conn: PoolConnection, vdiRef: string, warnings: string[]): Promise<string> {
  const target = ctx.plan.attachTo!;
  ctx.emit({ type: 'phase', vm: label(ctx), phase: 'attach' });
  const allowed = await conn.call<string[]>(`reading the free devices of ${target.name}`, 'VM.get_allowed_VBD_devices', target.ref);
  const device = nextFreeDevice(allowed ?? []);
  if (device === null) throw poolError({ code: 'NO_FREE_DEVICE', params: [target.uuid] }, `attaching the disk to ${target.name}`);
  const vbd = await conn.call<string>(`attaching the disk to ${target.name}`, 'VBD.create', {
    VM: target.ref,
    VDI: vdiRef,
    userdevice: device,
    bootable: false,
    mode: 'RW',
    type: 'Disk',
    unpluggable: true,
    empty: false,
    other_config: {},
    qos_algorithm_type: '',
    qos_algorithm_params: {},
  });
  ctx.undo.vbd(vbd);
  const power = str(await conn.call('reading the power state', 'VM.get_power_state', target.ref));
  if (power === 'Running') {
    try {
      await conn.callAsync(`plugging the disk into ${target.name}`, ctx.signal, 'VBD.plug', vbd);
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const message = `the disk is attached to ${target.name} as device ${device} but could not be plugged while it runs (${poolError(err, 'plugging it').message}): it appears at the VM's next start`;
      warnings.push(message);
      warn(ctx, message);
    }
  }
  return device;
}

export async function restoreVdis(ctx: RestoreContext): Promise<RestoreResult> {
  const { conn, plan } = ctx;
  const vdis: RestoreResult['vdis'] = [];
  const warnings: string[] = [];
  let bytes = 0;
  let elapsedMs = 0;
  for (const file of plan.files) {
    ctx.emit({ type: 'phase', vm: label(ctx), phase: 'create-vdi' });
    const vdiRef = await createVdi(ctx, file);
    ctx.emit({ type: 'phase', vm: label(ctx), phase: 'import' });
    log(ctx, `restoring ${file.path} (${file.format}) into a new disk ${file.vdi!.name} on SR ${plan.sr.name}`);
    const format = file.format === 'vhd' ? 'vhd' : 'raw';
    const ticket = await conn.transfer(`restoring ${basename(file.path)}`, '/import_raw_vdi/', { vdi: vdiRef, format }, ctx.signal);
    ctx.undo.ticket(ticket, false);
    const sent = await sendFile(ctx, ticket, file);
    bytes += sent.bytes;
    elapsedMs += sent.elapsedMs;
    const uuid = str(await conn.call('reading the restored disk', 'VDI.get_uuid', vdiRef));
    const where = plan.attachTo ? ` attached to ${plan.attachTo.name} as device ${await attach(ctx, conn, vdiRef, warnings)}` : ' (not attached to any VM)';
    log(ctx, `restored the disk ${file.vdi!.name} (${uuid}) from ${file.path}${where}: ${sent.bytes} bytes sent, every one verified`);
    vdis.push({ uuid, name: file.vdi!.name, sr: plan.sr.uuid });
  }
  return { vm: null, vdis, bytes, elapsedMs, verified: true, networks: [], warnings };
}
