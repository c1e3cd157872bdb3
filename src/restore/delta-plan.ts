/**
 * The plan of a delta point's restore (a dated folder with `vmbackup-delta.json`): its chains
 * resolved and checked (delta-chain.ts: CHAIN_BROKEN before anything else), the VM from the
 * folder's `ova.xml` (vm-from-metadata.ts), one file per disk whose bytes are the chain's
 * synthetic full VHD. A PATH naming one VHD of such a folder restores that disk's chain as a
 * lone disk, as a vdi-export's file would be. Sends nothing; reads heads and BATs only.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { CatalogBackup, ResolvedPath } from '../catalog/types.js';
import { openChain } from '../chain/open-chain.js';
import { syntheticVhd } from '../chain/synthetic.js';
import { VmbackupError } from '../errors.js';
import { humanBytes } from '../backup/free-space.js';
import type { PoolConnection } from '../xapi/connection.js';
import { diskCfgs, parseKeyValues } from './backup-files.js';
import { type ChainLink, type DiskChain, resolveDeltaPoint } from './delta-chain.js';
import { distinctLinks } from './delta-sums.js';
import { confirmationsFor, restoredName, roomWarning } from './plan.js';
import { defaultSrRef, vmRecords, type VmBrief } from './pool-view.js';
import { chooseSr, listTargetSrs } from './target-sr.js';
import type { RestoreFile, RestorePlan, RestoreRequest } from './types.js';
import { readVmMetadata, type VmMetadata } from './vm-from-metadata.js';

export const OVA_XML_FILE = 'ova.xml';

/** What a delta restore carries from its plan to its run (RestorePlan.delta). */
export interface DeltaPlan {
  folder: string;
  /** Differences walked to reach the fulls (the longest disk's). */
  depth: number;
  /** Every link file of every chain, once: read against its sums before anything is created. */
  links: ChainLink[];
  /** Per file of the plan (same order): the disk of the record. */
  disks: { key: string; userdevice: string; snapshotVdi: string }[];
  /** The VM to recreate; null when one disk is restored alone. */
  vm: VmMetadata | null;
}

export interface PlanHelpers {
  findVm(vms: readonly VmBrief[], wanted: string): VmBrief;
  preserveTarget(vms: readonly VmBrief[], source: RestorePlan['source']): RestorePlan['replaces'];
}

const USAGE_FIX = 'vmbackup restore DELTA_FOLDER [--sr NAME|UUID] [--name NEW_NAME] [--preserve] [--start], or DELTA_FOLDER/FILE.vhd [--attach-to VM] for one disk';

async function chainLength(chain: DiskChain): Promise<number> {
  const opened = await openChain(chain.links.map((l) => l.path));
  try {
    return syntheticVhd(opened).length;
  } finally {
    await opened.close();
  }
}

async function readMetadata(folder: string): Promise<VmMetadata> {
  const path = join(folder, OVA_XML_FILE);
  let xml: string;
  try {
    xml = await readFile(path, 'utf8');
  } catch {
    throw new VmbackupError('NO_VM_METADATA', `${path}: missing, so the VM cannot be recreated`, `restore its disks one at a time instead: vmbackup restore ${folder}/FILE.vhd [--attach-to VM]`);
  }
  try {
    return readVmMetadata(xml);
  } catch (err) {
    throw new VmbackupError('NO_VM_METADATA', `${path}: not readable VM metadata (${(err as Error).message})`, `restore its disks one at a time instead: vmbackup restore ${folder}/FILE.vhd [--attach-to VM]`);
  }
}

async function vmCfg(folder: string): Promise<Record<string, string>> {
  try {
    return parseKeyValues(await readFile(join(folder, 'vm.cfg'), 'utf8'));
  } catch {
    return {};
  }
}

export async function planDeltaRestore(conn: PoolConnection, request: RestoreRequest, resolved: ResolvedPath & { backup: CatalogBackup }, helpers: PlanHelpers): Promise<RestorePlan> {
  const backup = resolved.backup;
  const point = await resolveDeltaPoint(backup.path);
  const one = resolved.file !== null;
  const chains = one ? point.chains.filter((c) => c.disk.file === basename(resolved.file!)) : point.chains;
  if (chains.length === 0) throw new VmbackupError('NOT_A_BACKUP', `${resolved.file}: not one of the disks of this delta point (${point.chains.map((c) => c.disk.file).join(', ')})`, USAGE_FIX);
  if (!one && request.attachTo !== undefined) throw new VmbackupError('USAGE', '--attach-to plugs one disk into a VM: name one VHD of the delta folder', USAGE_FIX);
  if (one && (request.preserve || request.start)) throw new VmbackupError('USAGE', `${request.preserve ? '--preserve' : '--start'} is for a whole VM; name the delta folder, not one of its disks`, USAGE_FIX);

  const cfg = await vmCfg(backup.path);
  const meta = one ? null : await readMetadata(backup.path);
  const sourceName = cfg.name_label || backup.vmName || point.record.vm.name;
  // The VM uuid: the live VM's (the record's). The archive's is the backup snapshot's, which
  // stays on the pool as the next delta base: never one to replace.
  const source: RestorePlan['source'] = { name: sourceName, uuid: point.record.vm.uuid, archiveUuid: null };

  const sr = chooseSr(listTargetSrs(conn), request.sr, defaultSrRef(conn));
  const vms = vmRecords(conn);
  const replaces = !one && request.preserve ? helpers.preserveTarget(vms, source) : null;
  const attach = request.attachTo !== undefined ? helpers.findVm(vms, request.attachTo) : null;
  const cfgs = await diskCfgs(backup.path);
  const files: RestoreFile[] = [];
  for (const chain of chains) {
    const d = chain.disk;
    const dc = cfgs.find((c) => c.key === d.key);
    const original = dc?.vdi.name_label || `${sourceName} ${d.key}`;
    files.push({
      path: chain.links[0]!.path,
      format: 'vhd',
      bytes: await chainLength(chain),
      chain: chain.links.map((l) => l.path),
      vdi: { name: one ? (request.name ?? restoredName(original, backup.date)) : original, description: dc?.vdi.name_description ?? '', virtualSize: d.virtualSize, userdevice: d.userdevice },
    });
  }
  const name = one ? files[0]!.vdi!.name : (request.name ?? (request.preserve ? sourceName : restoredName(sourceName, backup.date)));
  const depth = Math.max(...chains.map((c) => c.links.length - 1));
  const neededBytes = files.reduce((n, f) => n + f.vdi!.virtualSize, 0);
  const warnings: string[] = [];
  if (meta) {
    for (const vbd of meta.vbds) {
      if (vbd.type !== 'Disk' || !vbd.vdiUuid) continue;
      if (!chains.some((c) => c.disk.snapshotVdi === vbd.vdiUuid || c.disk.userdevice === vbd.userdevice)) warnings.push(`the VM had a disk at device ${vbd.userdevice} that this backup does not hold: the restored VM will not have it`);
    }
  }
  const delta: DeltaPlan = {
    folder: backup.path,
    depth,
    links: distinctLinks(chains),
    disks: chains.map((c) => ({ key: c.disk.key, userdevice: c.disk.userdevice, snapshotVdi: c.disk.snapshotVdi })),
    vm: meta,
  };
  const srText = `SR ${sr.name} (${sr.uuid})`;
  const from = `the delta point ${backup.path} (chain depth ${depth}: ${point.folders.length} backup folder${point.folders.length === 1 ? '' : 's'} read)`;
  const willCreate = one
    ? [`a disk named ${name} (${humanBytes(neededBytes)}) on ${srText}, the disk ${chains[0]!.disk.key} of ${from}`, attach ? `attached to the VM ${attach.name} (${attach.uuid}) as its next free device` : 'left unattached (its uuid is printed)']
    : [
        `a VM named ${name} on ${srText}, from ${from}`,
        request.preserve ? 'keeping the backed-up MAC addresses (--preserve); the VM gets a new uuid' : 'with a new uuid and new MAC addresses',
        ...files.map((f) => `its disk ${f.vdi!.name} at device ${f.vdi!.userdevice} (${humanBytes(f.vdi!.virtualSize)})`),
        ...(replaces ? [`replacing the halted VM ${replaces.name} (${replaces.uuid})`] : []),
        'networks: the one of the same name or bridge on this pool, else a new one (warned)',
        ...(request.start ? ['then starts it (--start)'] : []),
      ];
  const base = { sr, neededBytes };
  const room = roomWarning(base);
  return {
    kind: one ? 'vdi' : 'vm',
    backup,
    files,
    sr,
    name,
    preserve: !one && request.preserve,
    start: !one && request.start,
    attachTo: attach ? { ref: attach.ref, uuid: attach.uuid, name: attach.name } : null,
    replaces,
    willCreate,
    confirmations: confirmationsFor({ unfinished: backup.status === 'unfinished', folder: backup.path, replaces }),
    warnings: [...warnings, ...(room ? [room] : [])],
    neededBytes,
    source,
    backupDate: backup.date,
    delta,
  };
}
