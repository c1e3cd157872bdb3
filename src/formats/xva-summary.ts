/**
 * What the XVA parser reports (see xva-parser.ts), and the optional final check of disk sizes
 * against the virtual sizes the caller knows from ova.xml or the VDI records.
 */
import type { ChecksumKind } from './checksums.js';
import { FormatError } from './errors.js';

export interface XvaParserOptions {
  /**
   * Pass chunks whose checksum does not match instead of failing (XAPI's import with force=true).
   * Default false.
   */
  readonly acceptBadChecksums?: boolean;
  /** Reject data members without a checksum member (XAPI's importer does, for export_vsn ≥ 1). Default true. */
  readonly requireChecksums?: boolean;
  /** When given, each disk's final offset must equal its size here, and every disk listed must be present. */
  readonly diskSizes?: Readonly<Record<string, number>>;
  /**
   * Report each chunk's bytes in its event (default true). A verifier that only needs the
   * checksums passes false: chunks are then hashed piece by piece as they arrive and nothing of
   * a fed buffer is kept once `feed` returns, so the caller may reuse its buffers. The checksum
   * kind of a chunk is only known after it (its .xxhash or .checksum member); the first chunk is
   * hashed both ways, later ones the way the archive began, and an archive that switches kinds
   * (XAPI never does) fails with XVA_CHECKSUM_KIND_CHANGED.
   */
  readonly keepData?: boolean;
}

export interface XvaChunk {
  readonly disk: string;
  /** The chunk number in the member name (not always offset / 1 MiB: see keep-alives). */
  readonly index: number;
  /** Where the data goes in the disk, computed sequentially as XAPI's importer does. */
  readonly offset: number;
  /** The chunk's bytes; empty when the parser was made with keepData: false. */
  readonly data: Buffer;
  /** The checksum member that verified it; null when checksums are not required and there was none. */
  readonly checksum: ChecksumKind | null;
  readonly member: string;
}

export interface XvaDiskSummary {
  readonly id: string;
  /** Chunk members, keep-alives included. */
  readonly chunks: number;
  readonly keepAlives: number;
  /** Sum of the chunk lengths actually present. */
  readonly dataBytes: number;
  /** Final offset: the disk size this import would produce. */
  readonly size: number;
}

export interface XvaSummary {
  readonly disks: readonly XvaDiskSummary[];
  readonly checksum: ChecksumKind | 'mixed' | 'none';
  /** Total bytes of the archive, end blocks and trailing zeros included. */
  readonly archiveBytes: number;
}

export type XvaEvent =
  | { readonly type: 'ova'; readonly xml: string }
  | ({ readonly type: 'chunk' } & XvaChunk)
  | ({ readonly type: 'end' } & XvaSummary);

/**
 * Each disk's final offset must equal its expected size, and the archive must hold exactly the
 * expected disks: a well-formed but short XVA (last chunk lost) passes every member-level check,
 * and this is what catches it, since XAPI always writes the last chunk.
 */
export function checkDiskSizes(actual: readonly { id: string; size: number }[], expected: Readonly<Record<string, number>>): void {
  for (const [id, size] of Object.entries(expected)) {
    const disk = actual.find((d) => d.id === id);
    if ((disk?.size ?? 0) !== size) {
      throw new FormatError(
        'XVA_DISK_SIZE',
        `disk ${id} ends at offset ${disk?.size ?? 0} in the archive, but its virtual size is ${size}` +
          (disk === undefined ? ' (it has no chunks at all)' : ''),
        { member: id },
      );
    }
  }
  for (const disk of actual) {
    if (!(disk.id in expected)) {
      throw new FormatError('XVA_DISK_SIZE', `the archive holds chunks of disk ${disk.id}, which is not expected`, {
        member: disk.id,
      });
    }
  }
}
