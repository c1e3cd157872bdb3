/**
 * planRestore: everything a restore decides before it sends a byte, read-only on the pool and
 * on disk. PATH through the catalog (catalog/ resolves folders and files), the backup's content
 * (backup-files.ts), the SR, the VM --preserve would replace (refused when it runs), the VM
 * --attach-to names, and the questions that need a yes.
 */
import { stat } from 'node:fs/promises';
import { resolveBackupPath } from '../catalog/index.js';
import { VmbackupError } from '../errors.js';
import type { PoolConnection } from '../xapi/connection.js';
import { readBackupContent } from './backup-files.js';
import { isDeltaFolder } from './delta-chain.js';
import { planDeltaRestore } from './delta-plan.js';
import { confirmationsFor, restoredName, roomWarning, willCreateLines } from './plan.js';
import { defaultSrRef, vmRecords, type VmBrief } from './pool-view.js';
import { chooseSr, listTargetSrs } from './target-sr.js';
import type { RestorePlan, RestoreRequest } from './types.js';

const USAGE_FIX = 'vmbackup restore PATH [--sr NAME|UUID] [--name NEW_NAME] [--preserve] [--start] [--attach-to VM]';

/** A VM by uuid, else by its unique name. */
export function findVm(vms: readonly VmBrief[], wanted: string): VmBrief {
  const byUuid = vms.find((v) => v.uuid === wanted);
  if (byUuid) return byUuid;
  const byName = vms.filter((v) => v.name === wanted);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) throw new VmbackupError('VM_AMBIGUOUS', `${byName.length} VMs are named ${JSON.stringify(wanted)}`, `give the uuid instead: ${byName.map((v) => v.uuid).join(', ')}`);
  throw new VmbackupError('VM_NOT_FOUND', `no VM named ${JSON.stringify(wanted)} on the pool (nor with that uuid)`, 'give the name or uuid of an existing VM (xe vm-list)');
}

/**
 * --preserve keeps the archive's uuid and MACs. XAPI replaces a halted VM of the archive's uuid
 * itself; for our backups that uuid is the backup snapshot's, and the VM it was taken of
 * (vm.cfg's orig_uuid) is the one whose MACs would be doubled: it is replaced too (removed
 * before the import, its disks kept, as XAPI does), and never while it runs.
 */
function preserveTarget(vms: readonly VmBrief[], source: RestorePlan['source']): RestorePlan['replaces'] {
  const uuids = [source?.archiveUuid, source?.uuid].filter((u): u is string => !!u);
  if (uuids.length === 0) throw new VmbackupError('NO_VM_UUID', 'the backup does not say which VM uuid it holds (no vm.cfg orig_uuid, no VM in ova.xml)', 'restore it as a new VM (without --preserve)');
  const existing = uuids.map((u) => vms.find((v) => v.uuid === u)).filter((v): v is VmBrief => v !== undefined);
  for (const vm of existing) {
    if (vm.powerState !== 'Halted') {
      throw new VmbackupError(
        'VM_RUNNING',
        `--preserve would replace the VM ${vm.name} (${vm.uuid}), which is ${vm.powerState.toLowerCase()}`,
        'shut it down first (xe vm-shutdown uuid=…) to replace it, or restore without --preserve as a new VM beside it',
      );
    }
  }
  const vm = existing[existing.length - 1];
  return vm ? { ref: vm.ref, uuid: vm.uuid, name: vm.name } : null;
}

async function modifiedAt(path: string): Promise<Date | null> {
  try {
    return (await stat(path)).mtime;
  } catch {
    return null;
  }
}

export async function planRestore(conn: PoolConnection, request: RestoreRequest): Promise<RestorePlan> {
  const resolved = await resolveBackupPath(request.path);
  // A delta point: its chains, not its files, are what is restored.
  if (resolved.backup && isDeltaFolder(resolved.backup.path)) return planDeltaRestore(conn, request, { ...resolved, backup: resolved.backup }, { findVm, preserveTarget });
  const content = await readBackupContent(resolved.backup, resolved.file, resolved.format);
  if (content.kind === 'vm' && request.attachTo !== undefined) throw new VmbackupError('USAGE', '--attach-to plugs a disk into a VM: it is for raw or vhd backups (vdi-export), not for an XVA', USAGE_FIX);
  if (content.kind === 'vdi' && (request.preserve || request.start)) throw new VmbackupError('USAGE', `${request.preserve ? '--preserve' : '--start'} is for a VM (an XVA backup); a raw or vhd backup restores disks`, 'use --attach-to VM to plug the disk into a VM');

  const sr = chooseSr(listTargetSrs(conn), request.sr, defaultSrRef(conn));
  const vms = vmRecords(conn);
  const replaces = content.kind === 'vm' && request.preserve ? preserveTarget(vms, content.source) : null;
  const attach = request.attachTo !== undefined ? findVm(vms, request.attachTo) : null;
  const backupDate = resolved.backup?.date ?? null;
  const dateForName = backupDate ?? (await modifiedAt(content.files[0]!.path));
  const sourceName = content.source?.name ?? '';

  let name: string;
  if (content.kind === 'vm') {
    // --preserve is disaster recovery: the VM comes back as it was, name included.
    name = request.name ?? (request.preserve ? sourceName : restoredName(sourceName, dateForName));
  } else {
    const several = content.files.length > 1;
    for (const f of content.files) {
      const original = f.vdi!.name;
      f.vdi!.name = request.name !== undefined ? (several ? `${request.name} (${original})` : request.name) : restoredName(original, dateForName);
    }
    name = content.files[0]!.vdi!.name;
  }

  const base = {
    kind: content.kind,
    backup: resolved.backup,
    files: content.files,
    sr,
    name,
    preserve: content.kind === 'vm' && request.preserve,
    start: content.kind === 'vm' && request.start,
    attachTo: attach ? { ref: attach.ref, uuid: attach.uuid, name: attach.name } : null,
    replaces,
    neededBytes: content.neededBytes,
    source: content.source,
    backupDate,
  };
  const room = roomWarning(base);
  return {
    ...base,
    willCreate: willCreateLines(base),
    confirmations: confirmationsFor({ unfinished: resolved.backup?.status === 'unfinished', folder: resolved.backup?.path ?? null, replaces }),
    warnings: [...content.warnings, ...(room ? [room] : [])],
  };
}
