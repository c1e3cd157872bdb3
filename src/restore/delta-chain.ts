/**
 * A delta point's chains, resolved and checked before anything is created on the pool: the
 * point's folder, then its parents by `vmbackup-delta.json`'s `parent` (sibling folders of the
 * same VM folder), until every disk reaches a full. Per disk (matched by the live VDI uuid,
 * `vdi`: a chain never crosses disks), its VHD files newest first.
 *
 * CHAIN_BROKEN, naming the link, when any link: is missing; has no `success` marker; failed its
 * last verify (`vmbackup-verify.json`); has no record or no entry for the disk; or whose VHD
 * says otherwise than the records (footer uuid = snapshotVdi; a diff's header parentUuid = its
 * parent's snapshotVdi; disk type 3 for a full, 4 for a diff).
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { readBackup } from '../catalog/index.js';
import { openChain } from '../chain/open-chain.js';
import { DELTA_RECORD_FILE, type DeltaDisk, type DeltaRecord, parseDeltaRecord } from '../chain/record.js';
import { VmbackupError } from '../errors.js';

export interface ChainLink {
  /** The dated folder. */
  folder: string;
  /** Absolute path of the VHD. */
  path: string;
  /** Its name inside the folder (the key of vmbackup-sums.json). */
  file: string;
  bytes: number;
  disk: DeltaDisk;
}

export interface DiskChain {
  disk: DeltaDisk;
  /** Newest first; the last one is a full. */
  links: ChainLink[];
}

export interface DeltaPoint {
  folder: string;
  record: DeltaRecord;
  chains: DiskChain[];
  /** Every dated folder the chains read, newest first. */
  folders: string[];
}

/** More links than this is a loop in hand-edited records, not a chain vmbackup wrote. */
const MAX_DEPTH = 10_000;

const FIX = 'restore a full point or an older point whose chain is whole (vmbackup list shows them); the next backup of this VM takes a new full';

function broken(message: string): VmbackupError {
  return new VmbackupError('CHAIN_BROKEN', message, FIX);
}

export function isDeltaFolder(folder: string): boolean {
  return existsSync(join(folder, DELTA_RECORD_FILE));
}

async function readRecord(folder: string): Promise<DeltaRecord> {
  const path = join(folder, DELTA_RECORD_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw broken(`${folder}: no ${DELTA_RECORD_FILE}, so its place in the chain is unknown`);
  }
  try {
    return parseDeltaRecord(text, path);
  } catch (err) {
    throw broken((err as Error).message);
  }
}

/** The link's own state: success marker and last verify. `point`: the folder being restored (its own status is the plan's question). */
async function checkFolder(folder: string, isPoint: boolean): Promise<void> {
  const b = await readBackup(folder);
  if (!isPoint && b.status !== 'success') throw broken(`${folder}, a link of this chain, has no success marker: its backup did not finish`);
  if (b.verification?.result === 'failed') throw broken(`${folder}, a link of this chain, failed its last verify${b.verification.detail ? ` (${b.verification.detail})` : ''}`);
}

/** The VHD files say what the records say, and are one chain (chain/open-chain.ts checks both). */
async function checkVhds(chain: DiskChain): Promise<void> {
  const opened = await openChain(
    chain.links.map((l) => l.path),
    { expect: chain.links.map((l) => ({ uuid: l.disk.snapshotVdi, parentUuid: l.disk.parentSnapshotVdi })) },
  );
  await opened.close();
}

async function linkOf(folder: string, disk: DeltaDisk): Promise<ChainLink> {
  const path = join(folder, disk.file);
  let bytes: number;
  try {
    bytes = (await stat(path)).size;
  } catch {
    throw broken(`${path}: missing, a link of this chain`);
  }
  return { folder, path, file: disk.file, bytes, disk };
}

/** Resolves and checks every disk's chain of the point in `folder`. Reads heads only. */
export async function resolveDeltaPoint(folder: string): Promise<DeltaPoint> {
  const record = await readRecord(folder);
  await checkFolder(folder, true);
  const chains: DiskChain[] = [];
  for (const disk of record.disks) chains.push({ disk, links: [await linkOf(folder, disk)] });
  const folders = [folder];
  let current = record;
  let currentFolder = folder;
  const seen = new Set([basename(folder)]);
  while (chains.some((c) => c.links[c.links.length - 1]!.disk.kind === 'diff')) {
    const parentName = current.parent;
    if (parentName === null) throw broken(`${currentFolder}: holds a diff but names no parent point`);
    if (seen.has(parentName) || seen.size > MAX_DEPTH) throw broken(`${currentFolder}: its parent ${parentName} leads back into the chain (a loop)`);
    seen.add(parentName);
    const parentFolder = join(dirname(currentFolder), parentName);
    if (!existsSync(parentFolder)) throw broken(`${parentFolder}, the parent of ${currentFolder}, is missing`);
    await checkFolder(parentFolder, false);
    const parent = await readRecord(parentFolder);
    if (parent.vm.uuid !== record.vm.uuid) throw broken(`${parentFolder} holds a backup of another VM (${parent.vm.uuid}, not ${record.vm.uuid})`);
    for (const chain of chains) {
      const tip = chain.links[chain.links.length - 1]!;
      if (tip.disk.kind === 'full') continue;
      const disk = parent.disks.find((d) => d.vdi === chain.disk.vdi);
      if (!disk) throw broken(`${parentFolder}: has no file for the disk ${chain.disk.key} (VDI ${chain.disk.vdi}) that ${tip.path} is a difference against`);
      if (disk.snapshotVdi !== tip.disk.parentSnapshotVdi) throw broken(`${tip.path} is a difference against ${tip.disk.parentSnapshotVdi}, but ${parentFolder} holds ${disk.snapshotVdi} for that disk`);
      chain.links.push(await linkOf(parentFolder, disk));
    }
    folders.push(parentFolder);
    current = parent;
    currentFolder = parentFolder;
  }
  for (const chain of chains) await checkVhds(chain);
  return { folder, record, chains, folders };
}
