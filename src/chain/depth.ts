/**
 * How deep a delta point sits in its chain: the number of `diff` links from it down to the fulls,
 * the most over its disks (delta-design.md: a full point is 0). Shown by the TUI's select list
 * beside each VM's last backup; reads only the records (`vmbackup-delta.json`) of the folders
 * the chain passes through, never a VHD.
 */
import { join } from 'node:path';
import type { DeltaRecord } from './record.js';
import { readDeltaRecord } from './walk.js';

/** More links than any full_every allows: a longer walk is a loop of hand-edited records. */
const MAX_LINKS = 10_000;

const readRecord = (vmDir: string, folder: string): Promise<DeltaRecord | null> => readDeltaRecord(join(vmDir, folder));

/** A sibling folder name as a record may name it: never a path out of the VM's folder. */
const plainFolder = (name: string) => name !== '' && name !== '.' && name !== '..' && !name.includes('/');

/**
 * The depth of `folder` (a dated folder in `vmDir`), or null when it holds no delta record (an
 * XVA or VDI backup). A bad record in `folder` itself throws (CHAIN_RECORD_INVALID); a parent
 * that is missing or unreadable ends the walk, so the depth then counts the links that could be
 * read: `vmbackup verify` is the one that judges a broken chain, this is a figure for a list.
 */
export async function chainDepth(vmDir: string, folder: string): Promise<number | null> {
  let record = await readRecord(vmDir, folder);
  if (record === null) return null;
  // Per live VDI (a chain never crosses disks): its links so far, while it is still a diff.
  const links = new Map<string, number>(record.disks.map((d) => [d.vdi, d.kind === 'diff' ? 1 : 0]));
  let open = new Set(record.disks.filter((d) => d.kind === 'diff').map((d) => d.vdi));
  const seen = new Set([folder]);
  while (open.size > 0 && record.parent !== null && plainFolder(record.parent) && !seen.has(record.parent) && seen.size <= MAX_LINKS) {
    seen.add(record.parent);
    const parent: DeltaRecord | null = await readRecord(vmDir, record.parent).catch(() => null);
    if (parent === null) break;
    const next = new Set<string>();
    for (const vdi of open) {
      const disk = parent.disks.find((d) => d.vdi === vdi);
      if (disk?.kind !== 'diff') continue; // reached its full (or the disk is gone: the walk ends there)
      links.set(vdi, links.get(vdi)! + 1);
      next.add(vdi);
    }
    open = next;
    record = parent;
  }
  return Math.max(0, ...links.values());
}
