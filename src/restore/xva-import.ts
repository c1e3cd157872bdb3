/**
 * An XVA back to a VM: PUT /import?sr_id=…[&restore=true] under our task, the file verified
 * while it streams (send.ts); the task's result is the new VM. Then it is marked as restored
 * (name, tag `restored from backup`, other_config `vmbackup:restored-from`), the networks its
 * VIFs landed on are told (a created one is a warning), and --start starts it.
 */
import { basename } from 'node:path';
import { VmbackupError } from '../errors.js';
import type { PoolConnection } from '../xapi/connection.js';
import { poolError } from '../xapi/errors.js';
import { str, strMap } from '../xapi/records.js';
import { vmRefOfResult } from './cleanup.js';
import { label, log, type RestoreContext, warn } from './context.js';
import { landingWarning, networkLandings, networkUuidsBefore } from './networks.js';
import { checkAtRest } from './check-at-rest.js';
import { sendFile } from './send.js';
import { restoreVerifier } from './upload.js';
import type { RestoreResult } from './types.js';

export const RESTORED_TAG = 'restored from backup';
export const RESTORED_FROM_KEY = 'vmbackup:restored-from';
/** Our backup run's snapshot tags travel in the XVA's VM record; the restored VM must not carry them. */
const RUN_KEYS = ['vmbackup:run', 'vmbackup:time'];

/**
 * XAPI puts the import task in the new VM's current_operations as soon as ova.xml is read: a
 * VM seen so is ours to remove if the import fails (it may not live to be the task's result).
 */
function watchImportedVm(conn: PoolConnection, taskRef: string, found: (ref: string) => void): () => void {
  const handler = (items: Record<string, { $type?: unknown; $ref?: unknown; current_operations?: unknown }>) => {
    for (const item of Object.values(items)) {
      if (item.$type !== 'VM') continue;
      if (Object.keys(strMap(item.current_operations)).includes(taskRef)) found(str(item.$ref));
    }
  };
  conn.xapi.objects.on('add', handler);
  conn.xapi.objects.on('update', handler);
  return () => {
    conn.xapi.objects.off('add', handler);
    conn.xapi.objects.off('update', handler);
  };
}

export async function markRestored(ctx: RestoreContext, vmRef: string, otherConfig: Record<string, string>): Promise<void> {
  const { conn, plan } = ctx;
  const from = plan.backup?.path ?? plan.files[0]!.path;
  await conn.call('naming the restored VM', 'VM.set_name_label', vmRef, plan.name);
  await conn.call('tagging the restored VM', 'VM.add_tags', vmRef, RESTORED_TAG);
  for (const key of RUN_KEYS) if (key in otherConfig) await conn.call('clearing our backup tag from the restored VM', 'VM.remove_from_other_config', vmRef, key);
  if (RESTORED_FROM_KEY in otherConfig) await conn.call('marking the restored VM', 'VM.remove_from_other_config', vmRef, RESTORED_FROM_KEY);
  await conn.call('marking the restored VM', 'VM.add_to_other_config', vmRef, RESTORED_FROM_KEY, from);
}

export async function startVm(ctx: RestoreContext, vmRef: string, warnings: string[]): Promise<void> {
  ctx.emit({ type: 'phase', vm: label(ctx), phase: 'start' });
  try {
    await ctx.conn.callAsync('starting the restored VM', ctx.signal, 'VM.start', vmRef, false, false);
    log(ctx, `started ${ctx.plan.name}`);
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    // The VM is restored and stays: a start refused (no host with the memory, a network to fix
    // first) is for the sysadmin to settle, not a reason to throw the restore away.
    const message = `the VM is restored but did not start: ${poolError(err, 'starting it').message}`;
    warnings.push(message);
    warn(ctx, message);
  }
}

/**
 * --preserve over an existing VM: the halted one is removed before the import, as XAPI removes
 * a VM it replaces (record, VBDs and VIFs; its disks stay). Before, and by us even when its uuid
 * is the archive's: XAPI refuses a mac_seed another VM holds, and a real pool refuses to replace
 * a VM whose version is not older than the archive's (VM_TO_IMPORT_IS_NOT_NEWER_VERSION), which
 * is the case when the same backup is restored twice.
 */
export async function removeReplaced(ctx: RestoreContext): Promise<void> {
  const { plan, conn } = ctx;
  const old = plan.replaces;
  if (!plan.preserve || !old) return;
  const power = str(await conn.call('reading the VM to replace', 'VM.get_power_state', old.ref));
  if (power !== 'Halted') throw new VmbackupError('VM_RUNNING', `the VM ${old.name} (${old.uuid}) is ${power.toLowerCase()} now: not replaced`, 'shut it down first, or restore without --preserve');
  await conn.call(`removing the halted VM ${old.name} that the restore replaces`, 'VM.destroy', old.ref);
  log(ctx, `removed the halted VM ${old.name} (${old.uuid}), which the restore replaces; its disks are kept`);
}

/** --preserve over an existing VM: the whole file must pass its verifier before that VM goes. */
async function checkBeforeReplacing(ctx: RestoreContext): Promise<void> {
  const { plan } = ctx;
  if (!plan.preserve || !plan.replaces) return;
  const file = plan.files[0]!;
  log(ctx, `checking all of ${file.path} before replacing the VM ${plan.replaces.name} (${plan.replaces.uuid})`);
  await checkAtRest(file.path, restoreVerifier(file.format, file.bytes), ctx.signal, (done, rate) => ctx.emit({ type: 'bytes', vm: label(ctx), done, estimate: file.bytes, rate }));
  log(ctx, `${file.path} is whole: every checksum matches`);
}

/** The restored VM's disks (VBDs of type Disk with a VDI), for the result and the log. */
async function diskSummary(conn: PoolConnection, vbds: unknown): Promise<RestoreResult['vdis']> {
  const out: RestoreResult['vdis'] = [];
  for (const vbd of Array.isArray(vbds) ? vbds : []) {
    const b = await conn.call<Record<string, unknown>>('reading the restored VM\'s disks', 'VBD.get_record', vbd);
    if (str(b.type) !== 'Disk' || !str(b.VDI) || str(b.VDI) === 'OpaqueRef:NULL') continue;
    const v = await conn.call<Record<string, unknown>>('reading the restored VM\'s disks', 'VDI.get_record', str(b.VDI));
    const sr = await conn.call<string>('reading the restored VM\'s disks', 'SR.get_uuid', str(v.SR));
    out.push({ uuid: str(v.uuid), name: str(v.name_label), sr: str(sr) });
  }
  return out;
}

export async function restoreVm(ctx: RestoreContext): Promise<RestoreResult> {
  const { conn, plan } = ctx;
  const file = plan.files[0]!;
  await checkBeforeReplacing(ctx);
  await removeReplaced(ctx);
  const before = networkUuidsBefore(conn);
  ctx.emit({ type: 'phase', vm: label(ctx), phase: 'import' });
  log(ctx, `restoring ${file.path} to SR ${plan.sr.name} as ${plan.preserve ? 'the same VM (uuid and MAC addresses kept)' : 'a new VM'}`);
  const query: Record<string, string> = { sr_id: plan.sr.ref };
  if (plan.preserve) query.restore = 'true';
  const ticket = await conn.transfer(`restoring ${basename(file.path)}`, '/import/', query, ctx.signal);
  ctx.undo.ticket(ticket, true);
  const stopWatch = watchImportedVm(conn, ticket.taskRef, (ref) => ctx.undo.vm(ref));
  let sent;
  try {
    sent = await sendFile(ctx, ticket, file);
  } finally {
    stopWatch();
  }
  const vmRef = vmRefOfResult(sent.result);
  if (!vmRef) throw new VmbackupError('IMPORT_NO_VM', 'the pool finished the import without naming the new VM', 'look for it on the pool (xe vm-list) and remove it if it is incomplete');
  ctx.undo.vm(vmRef);

  const landed = await networkLandings(conn, vmRef, before, ticket.taskRef);
  for (const ref of landed.createdRefs) ctx.undo.network(ref);
  const record = await conn.call<Record<string, unknown>>('reading the restored VM', 'VM.get_record', vmRef);
  await markRestored(ctx, vmRef, strMap(record.other_config));
  if (ctx.signal.aborted) throw ctx.signal.reason;
  const uuid = str(record.uuid);
  log(ctx, `restored the VM ${plan.name} (${uuid}) from ${file.path}: ${sent.bytes} bytes sent, every one verified`);

  const warnings: string[] = [];
  for (const l of landed.landings) {
    if (l.created) {
      const message = landingWarning(l);
      warnings.push(message);
      warn(ctx, message);
    } else log(ctx, `VIF ${l.device} (${l.mac || 'no MAC'}) is on the network ${l.network.name}`);
  }
  const vdis = await diskSummary(conn, record.VBDs);
  for (const d of vdis) log(ctx, `disk ${d.name} (${d.uuid}) on SR ${plan.sr.name}`);
  if (plan.start) await startVm(ctx, vmRef, warnings);
  return {
    vm: { uuid, name: plan.name },
    vdis,
    bytes: sent.bytes,
    elapsedMs: sent.elapsedMs,
    verified: true,
    networks: landed.landings,
    warnings,
  };
}
