/**
 * A point's chain on disk, from the point down to the folder whose disks are all full:
 * each link's record and whether it is a good backup (its `success` marker, its last verify).
 * Only reads: a caller decides what a bad link means (the engine takes a full, restore refuses,
 * verify names it).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readTextIfExists } from '../util/fs-small.js';
import { DELTA_RECORD_FILE, type DeltaRecord, parseDeltaRecord } from './record.js';

export interface ChainLink {
  folder: string;
  record: DeltaRecord;
  hasSuccess: boolean;
  verifyFailed: boolean;
  /** The failed verify's detail (its first finding, e.g. the bad link of its chain), when it says one. Added. */
  verifyDetail?: string;
}

export type ChainWalk =
  | { ok: true; links: ChainLink[] }
  /** `links` holds what was read before the break, newest first. */
  | { ok: false; links: ChainLink[]; folder: string; why: string };

/** Longer than any chain retention keeps: a loop in hand-edited records must still end. */
const MAX_LINKS = 10_000;

/** The record of one dated folder, or null when it is not a delta point (no record). */
export async function readDeltaRecord(folderPath: string): Promise<DeltaRecord | null> {
  const path = join(folderPath, DELTA_RECORD_FILE);
  const text = await readTextIfExists(path);
  return text === null ? null : parseDeltaRecord(text, path);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function lastVerify(folderPath: string): Promise<{ verifyFailed: boolean; verifyDetail?: string }> {
  try {
    const text = await readFile(join(folderPath, 'vmbackup-verify.json'), 'utf8');
    const record = JSON.parse(text) as { result?: unknown; detail?: unknown };
    if (record.result !== 'failed') return { verifyFailed: false };
    return typeof record.detail === 'string' && record.detail !== '' ? { verifyFailed: true, verifyDetail: record.detail } : { verifyFailed: true };
  } catch {
    return { verifyFailed: false };
  }
}

/** Walks `folder`'s chain in `vmDir`, newest first. A link that is missing or unreadable ends the walk as broken. */
export async function walkChain(vmDir: string, folder: string): Promise<ChainWalk> {
  const links: ChainLink[] = [];
  const seen = new Set<string>();
  let current: string | null = folder;
  while (current !== null) {
    if (seen.has(current) || links.length >= MAX_LINKS) return { ok: false, links, folder: current, why: 'the chain loops back on itself' };
    seen.add(current);
    const path = join(vmDir, current);
    if (!(await exists(path))) return { ok: false, links, folder: current, why: 'the folder is missing' };
    let record: DeltaRecord | null;
    try {
      record = await readDeltaRecord(path);
    } catch (err) {
      return { ok: false, links, folder: current, why: (err as Error).message };
    }
    if (!record) return { ok: false, links, folder: current, why: 'it is not a delta backup (no vmbackup-delta.json)' };
    links.push({ folder: current, record, hasSuccess: await exists(join(path, 'success')), ...(await lastVerify(path)) });
    current = record.parent;
  }
  return { ok: true, links };
}

/** Diff links between a point and its fulls, per disk, the deepest disk counting. */
export function chainDepthOf(links: readonly ChainLink[]): number {
  let depth = 0;
  const first = links[0];
  if (!first) return 0;
  for (const disk of first.record.disks) {
    let d = 0;
    let snapshot: string | null = disk.snapshotVdi;
    for (const link of links) {
      const here = link.record.disks.find((x) => x.vdi === disk.vdi && x.snapshotVdi === snapshot);
      if (!here || here.kind === 'full') break;
      d++;
      snapshot = here.parentSnapshotVdi;
    }
    depth = Math.max(depth, d);
  }
  return depth;
}

/** The first link that is not a good backup, in words, or null. */
export function badLink(links: readonly ChainLink[]): { folder: string; why: string } | null {
  for (const link of links) {
    if (!link.hasSuccess) return { folder: link.folder, why: 'it is unfinished (no success marker)' };
    if (link.verifyFailed) return { folder: link.folder, why: `its last \`vmbackup verify\` failed${link.verifyDetail ? ` (${link.verifyDetail})` : ''}` };
  }
  return null;
}
