/**
 * XVA member names and sizes (xapi-notes §4.1): `ova.xml`, then per disk `Ref:N/%08d` chunks, each
 * followed by `Ref:N/%08d.xxhash` or `Ref:N/%08d.checksum`. Shared by the writer and the parser so
 * that both agree on the spelling.
 */
import type { ChecksumKind } from './checksums.js';
import { TAR_BLOCK } from './tar-header.js';

export const OVA_XML = 'ova.xml';

/** XAPI splits each disk into 1 MiB chunks (`Stream_vdi.chunk_size`). */
export const XVA_CHUNK_SIZE = 1024 * 1024;

/** `Ref:20`, 1 → `Ref:20/00000001` (OCaml `%08d`: at least 8 digits, more for huge disks). */
export function chunkMemberName(diskId: string, index: number): string {
  return `${diskId}/${String(index).padStart(8, '0')}`;
}

export type XvaMemberName =
  | { kind: 'ova' }
  | { kind: 'data'; disk: string; index: number }
  | { kind: 'checksum'; disk: string; index: number; checksum: ChecksumKind; dataName: string }
  | { kind: 'other' };

const CHUNK_NAME = /^([^/]+)\/(\d{8,})(\.xxhash|\.checksum)?$/u;

export function classifyMemberName(name: string): XvaMemberName {
  if (name === OVA_XML) return { kind: 'ova' };
  const match = CHUNK_NAME.exec(name);
  if (match === null) return { kind: 'other' };
  const disk = match[1]!;
  const index = Number(match[2]);
  if (!Number.isSafeInteger(index)) return { kind: 'other' };
  const suffix = match[3];
  if (suffix === undefined) return { kind: 'data', disk, index };
  return {
    kind: 'checksum',
    disk,
    index,
    checksum: suffix === '.xxhash' ? 'xxhash' : 'sha1',
    dataName: name.slice(0, name.length - suffix.length),
  };
}

/** Number of 1 MiB chunks of a disk (the last one may be shorter). */
export function chunkCount(virtualSize: number): number {
  return Math.ceil(virtualSize / XVA_CHUNK_SIZE);
}

/** Length of chunk `index` of a disk of `virtualSize` bytes. */
export function chunkLength(virtualSize: number, index: number): number {
  return Math.min(XVA_CHUNK_SIZE, virtualSize - index * XVA_CHUNK_SIZE);
}

/**
 * The export-size estimate XO uses for progress bars (xapi-notes §3.0, `FullXapi._copy()`):
 * 1 MiB + Σ ceil(virtualSize / 1 MiB) × (1 MiB + 1536 B). The 1536 B are the chunk header and the
 * checksum member (header + one block). It is an upper bound when disks have zero chunks, which
 * are skipped.
 */
export function estimateXvaSize(virtualSizes: readonly number[]): number {
  let total = XVA_CHUNK_SIZE;
  for (const size of virtualSizes) total += chunkCount(size) * (XVA_CHUNK_SIZE + 3 * TAR_BLOCK);
  return total;
}
