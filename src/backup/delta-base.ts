/**
 * Which disks of a delta backup can be differences, and against what (delta-restore.md §A.4,
 * §A.5). A disk is exported against its base only when the pool and the disk agree: the pool
 * keeps the base snapshot (delta-snapshots.ts) and its VDI of this disk; the backup folder it
 * was exported to is a good delta point whose whole chain is good; that folder's record names
 * the same snapshot VDI for this disk, on the same SR, and its file's VHD footer says so too.
 * Anything else is a full of that disk, with the reason said (a warning when a chain existed
 * and is broken off, a log line when the full was planned: the first backup, full_every).
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { badLink, chainDepthOf, type ChainLink, walkChain } from '../chain/walk.js';
import type { DeltaDisk } from '../chain/record.js';
import { parseVhdFooter, VHD_FOOTER_SIZE } from '../formats/index.js';
import type { DeltaBase } from './delta-snapshots.js';
import type { VmDisk } from './vdi-disks.js';

export interface DiskBase {
  /** The base snapshot's VDI of this disk. */
  vdiRef: string;
  vdiUuid: string;
}

export interface BaseChoice {
  /** The parent point's folder when at least one disk is a difference. */
  parent: string | null;
  /** Chain depth this backup will have when all its diffs succeed. */
  depth: number;
  /** Per disk key: its base, or null for a full. */
  bases: Map<string, DiskBase | null>;
  warnings: string[];
  logs: string[];
}

/** What the pool says: the base snapshot (newest first) and its VDIs by the live VDI they copy. */
export interface PoolBase {
  base: DeltaBase;
  /** live VDI ref → the base snapshot's copy of it. */
  copies: Map<string, DiskBase>;
}

/** The trailing footer's uuid of a VHD file, or null when it cannot be read as one. */
export async function vhdFooterUuid(path: string): Promise<string | null> {
  let fh;
  try {
    fh = await open(path, 'r');
    const { size } = await fh.stat();
    if (size < VHD_FOOTER_SIZE) return null;
    const buf = Buffer.alloc(VHD_FOOTER_SIZE);
    await fh.read(buf, 0, VHD_FOOTER_SIZE, size - VHD_FOOTER_SIZE);
    const hex = parseVhdFooter(buf, 0).uuid.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  } catch {
    return null;
  } finally {
    await fh?.close();
  }
}

const allFull = (disks: readonly VmDisk[]) => new Map(disks.map((d) => [d.key, null] as const));

/**
 * Decides per disk. `pool` is null when the pool keeps no base for the VM; `hadDeltaPoint`
 * says whether the VM folder holds any delta point (a full after none is the first of a chain:
 * planned, not a warning).
 */
export async function chooseBases(input: { vmDir: string; disks: readonly VmDisk[]; pool: PoolBase | null; fullEvery: number; hadDeltaPoint: boolean }): Promise<BaseChoice> {
  const { vmDir, disks, pool } = input;
  const choice: BaseChoice = { parent: null, depth: 0, bases: allFull(disks), warnings: [], logs: [] };
  const fullBecause = (why: string, planned = false) => {
    (planned ? choice.logs : choice.warnings).push(`a full backup of every disk: ${why}`);
    return choice;
  };
  if (!pool) return input.hadDeltaPoint ? fullBecause('the pool keeps no base snapshot for this VM (deleted by hand, or the last delta failed before it was marked)') : fullBecause('the first delta backup of this VM', true);

  const walk = await walkChain(vmDir, pool.base.folder);
  if (!walk.ok) return fullBecause(`the base snapshot ${pool.base.uuid} belongs to the backup ${pool.base.folder}, whose chain is broken at ${walk.folder}: ${walk.why}`);
  const bad = badLink(walk.links);
  if (bad) return fullBecause(`the chain of ${pool.base.folder} holds ${bad.folder}, and ${bad.why}`);
  const depth = chainDepthOf(walk.links) + 1;
  if (depth >= input.fullEvery) return fullBecause(`full_every=${input.fullEvery} is reached (the chain of ${pool.base.folder} has ${depth - 1} delta${depth - 1 === 1 ? '' : 's'})`, true);

  const head = walk.links[0] as ChainLink;
  for (const disk of disks) {
    const reason = await diskMismatch(vmDir, head, disk, pool);
    if (reason) {
      choice.warnings.push(`a full backup of disk ${disk.key}: ${reason}`);
      continue;
    }
    choice.bases.set(disk.key, pool.copies.get(disk.vdi.ref)!);
  }
  if ([...choice.bases.values()].some((b) => b !== null)) {
    choice.parent = head.folder;
    choice.depth = depth;
  }
  return choice;
}

async function diskMismatch(vmDir: string, head: ChainLink, disk: VmDisk, pool: PoolBase): Promise<string | null> {
  const copy = pool.copies.get(disk.vdi.ref);
  if (!copy) return `the base snapshot ${pool.base.uuid} has no copy of it (a disk added since, or recreated)`;
  const entry: DeltaDisk | undefined = head.record.disks.find((d) => d.vdi === disk.vdi.uuid);
  if (!entry) return `the backup ${head.folder} has no file of it`;
  if (entry.snapshotVdi !== copy.vdiUuid) return `the base's disk ${copy.vdiUuid} is not the one the backup ${head.folder} holds (${entry.snapshotVdi})`;
  if (entry.sr !== disk.vdi.srUuid) return `it moved from SR ${entry.sr} to SR ${disk.vdi.srUuid} since the backup ${head.folder}`;
  if (entry.virtualSize !== disk.vdi.virtualSize) return `its size changed since the backup ${head.folder} (${entry.virtualSize} → ${disk.vdi.virtualSize} bytes)`;
  const footer = await vhdFooterUuid(join(vmDir, head.folder, entry.file));
  if (footer !== copy.vdiUuid) return `the file ${head.folder}/${entry.file} ${footer === null ? 'cannot be read as a VHD' : `says it holds ${footer}, not the base's ${copy.vdiUuid}`}`;
  return null;
}
