/**
 * A delta point back to a VM (delta-restore §A.7, as XO's importIncrementalVm): VM.create from
 * the archived record (vm-from-metadata.ts), then per disk VDI.create (the record's virtual
 * size) and PUT /import_raw_vdi?format=vhd of the chain's synthetic full VHD (send.ts: the
 * upload path of every restore, verified while it streams), VBDs in their userdevices (CD drives
 * empty), VIFs on the network of the archived name, else bridge, else a new one (a warning, as
 * for an XVA), MACs kept only with --preserve. Everything is registered with Undo the moment it
 * exists: a failure or a cancel leaves nothing. The links were read against their sums before
 * (run.ts), so the pool never gets a byte of a chain that was refused.
 */
import { basename } from 'node:path';
import { VmbackupError } from '../errors.js';
import { refs, str } from '../xapi/records.js';
import { label, log, type RestoreContext, warn } from './context.js';
import { landingWarning } from './networks.js';
import { networkRecords } from './pool-view.js';
import { sendFile } from './send.js';
import type { NetworkLanding, RestoreFile, RestoreResult } from './types.js';
import { createVdi } from './vdi-import.js';
import type { ArchivedVbd, ArchivedVif } from './vm-from-metadata.js';
import { vmCreateRecord } from './vm-from-metadata.js';
import { markRestored, RESTORED_FROM_KEY, removeReplaced, startVm } from './xva-import.js';

/** The pool network a VIF goes on: by the archived name, then bridge; null: none (one is made). Pure. */
export function matchNetwork<N extends { name: string; bridge: string }>(networks: readonly N[], archived: ArchivedVif['network']): N | null {
  return networks.find((n) => n.name === archived.name) ?? (archived.bridge === '' ? undefined : networks.find((n) => n.bridge === archived.bridge)) ?? null;
}

async function networkFor(ctx: RestoreContext, vif: ArchivedVif, made: Map<string, string>): Promise<{ ref: string; uuid: string; name: string; created: boolean }> {
  const found = matchNetwork(networkRecords(ctx.conn), vif.network);
  if (found) return { ref: found.ref, uuid: found.uuid, name: found.name, created: false };
  const name = vif.network.name || `restored network ${vif.device}`;
  let ref = made.get(name);
  if (!ref) {
    ref = await ctx.conn.call<string>(`creating the network ${name}`, 'network.create', {
      name_label: name,
      name_description: vif.network.description,
      MTU: vif.network.mtu,
      other_config: { [RESTORED_FROM_KEY]: ctx.plan.backup?.path ?? '' },
      tags: [],
    });
    ctx.undo.network(ref);
    made.set(name, ref);
  }
  const uuid = str(await ctx.conn.call('reading the new network', 'network.get_uuid', ref));
  return { ref, uuid, name, created: true };
}

async function createVbd(ctx: RestoreContext, vmRef: string, vbd: ArchivedVbd, vdiRef: string | null): Promise<void> {
  const ref = await ctx.conn.call<string>(`attaching device ${vbd.userdevice}`, 'VBD.create', {
    VM: vmRef,
    VDI: vdiRef ?? 'OpaqueRef:NULL',
    userdevice: vbd.userdevice,
    bootable: vbd.bootable,
    mode: vdiRef ? vbd.mode : 'RO',
    type: vbd.type,
    unpluggable: vbd.unpluggable,
    empty: vdiRef === null,
    other_config: vbd.otherConfig,
    qos_algorithm_type: vbd.qosAlgorithmType,
    qos_algorithm_params: vbd.qosAlgorithmParams,
  });
  ctx.undo.vbd(ref);
}

async function createVif(ctx: RestoreContext, vmRef: string, vif: ArchivedVif, made: Map<string, string>): Promise<NetworkLanding> {
  const net = await networkFor(ctx, vif, made);
  const ref = await ctx.conn.call<string>(`creating the network card ${vif.device}`, 'VIF.create', {
    device: vif.device,
    network: net.ref,
    VM: vmRef,
    // Empty: XAPI derives a new MAC from the VM's (new) mac_seed.
    MAC: ctx.plan.preserve ? vif.mac : '',
    MTU: vif.mtu,
    other_config: vif.otherConfig,
    qos_algorithm_type: vif.qosAlgorithmType,
    qos_algorithm_params: vif.qosAlgorithmParams,
    ...(vif.lockingMode ? { locking_mode: vif.lockingMode } : {}),
  });
  const mac = str(await ctx.conn.call('reading the new network card', 'VIF.get_MAC', ref));
  return { device: vif.device, mac, network: { uuid: net.uuid, name: net.name }, created: net.created };
}

/** The archived VBD of each file: its snapshot VDI, else its userdevice; a made-up one when ova.xml has none. */
function vbdOf(ctx: RestoreContext, index: number, vbds: readonly ArchivedVbd[]): ArchivedVbd {
  const disk = ctx.plan.delta!.disks[index]!;
  const found = vbds.find((v) => v.type === 'Disk' && v.vdiUuid === disk.snapshotVdi) ?? vbds.find((v) => v.type === 'Disk' && v.userdevice === disk.userdevice);
  return found ?? { vdiUuid: disk.snapshotVdi, userdevice: disk.userdevice, bootable: disk.userdevice === '0', mode: 'RW', type: 'Disk', unpluggable: false, otherConfig: {}, qosAlgorithmType: '', qosAlgorithmParams: {} };
}

async function importDisk(ctx: RestoreContext, file: RestoreFile): Promise<{ ref: string; uuid: string; bytes: number; elapsedMs: number }> {
  ctx.emit({ type: 'phase', vm: label(ctx), phase: 'create-vdi' });
  const ref = await createVdi(ctx, file);
  ctx.emit({ type: 'phase', vm: label(ctx), phase: 'import' });
  log(ctx, `restoring the disk ${file.vdi!.name} from its chain of ${file.chain!.length} file${file.chain!.length === 1 ? '' : 's'} ending at ${file.path} (one full VHD of ${file.bytes} bytes)`);
  const ticket = await ctx.conn.transfer(`restoring ${basename(file.path)}`, '/import_raw_vdi/', { vdi: ref, format: 'vhd' }, ctx.signal);
  ctx.undo.ticket(ticket, false);
  const sent = await sendFile(ctx, ticket, file);
  const uuid = str(await ctx.conn.call('reading the restored disk', 'VDI.get_uuid', ref));
  return { ref, uuid, bytes: sent.bytes, elapsedMs: sent.elapsedMs };
}

export async function restoreDeltaVm(ctx: RestoreContext): Promise<RestoreResult> {
  const { conn, plan } = ctx;
  const meta = plan.delta?.vm;
  if (!meta) throw new VmbackupError('NO_VM_METADATA', 'this delta point has no VM metadata (ova.xml)', 'restore its disks one at a time (vmbackup restore FOLDER/FILE.vhd)');
  await removeReplaced(ctx);
  const from = plan.backup?.path ?? plan.files[0]!.path;
  ctx.emit({ type: 'phase', vm: label(ctx), phase: 'create-vdi' });
  const vmRef = await conn.call<string>(`creating the VM ${plan.name}`, 'VM.create', vmCreateRecord(meta, { name: plan.name, keepMacs: plan.preserve, otherConfig: {} }));
  ctx.undo.vm(vmRef);
  // VM.create may add devices of its own on some pools (XO destroys them too): the archive's only.
  for (const vbd of refs(await conn.call('reading the new VM', 'VM.get_VBDs', vmRef))) await conn.call('removing a device the VM was created with', 'VBD.destroy', vbd);
  const uuid = str(await conn.call('reading the new VM', 'VM.get_uuid', vmRef));
  log(ctx, `created the VM ${plan.name} (${uuid}) from ${from}/ova.xml`);

  const vdis: RestoreResult['vdis'] = [];
  const used = new Set<ArchivedVbd>();
  let bytes = 0;
  let elapsedMs = 0;
  for (const [i, file] of plan.files.entries()) {
    const disk = await importDisk(ctx, file);
    bytes += disk.bytes;
    elapsedMs += disk.elapsedMs;
    const vbd = vbdOf(ctx, i, meta.vbds);
    used.add(vbd);
    await createVbd(ctx, vmRef, vbd, disk.ref);
    log(ctx, `restored the disk ${file.vdi!.name} (${disk.uuid}) as device ${vbd.userdevice}: ${disk.bytes} bytes sent, every one verified`);
    vdis.push({ uuid: disk.uuid, name: file.vdi!.name, sr: plan.sr.uuid });
  }
  for (const vbd of meta.vbds) if (vbd.type !== 'Disk' && !used.has(vbd)) await createVbd(ctx, vmRef, vbd, null);

  const warnings: string[] = [];
  const networks: NetworkLanding[] = [];
  const made = new Map<string, string>();
  for (const vif of meta.vifs) {
    const landing = await createVif(ctx, vmRef, vif, made);
    networks.push(landing);
    if (landing.created) {
      const message = landingWarning(landing);
      warnings.push(message);
      warn(ctx, message);
    } else log(ctx, `VIF ${landing.device} (${landing.mac || 'no MAC'}) is on the network ${landing.network.name}`);
  }
  await markRestored(ctx, vmRef, {});
  if (ctx.signal.aborted) throw ctx.signal.reason;
  log(ctx, `restored the VM ${plan.name} (${uuid}) from the delta point ${from}`);
  if (plan.start) await startVm(ctx, vmRef, warnings);
  return { vm: { uuid, name: plan.name }, vdis, bytes, elapsedMs, verified: true, networks, warnings };
}
