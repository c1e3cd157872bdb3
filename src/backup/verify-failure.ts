/**
 * A verifier's refusal as one error that says where: the format layer (tar header, chunk
 * checksum, gzip CRC, zstd frame, VHD footer/header/BAT...), the member (`Ref:12/00000042`) and
 * the byte offset. The same shape serves a stream being downloaded, a file being uploaded and a
 * file checked at rest (`vmbackup verify`), so that an admin reads the same words in the log, the
 * status log, the JSON report and verify's own output.
 */
import { VmbackupError } from '../errors.js';
import { FormatError } from '../formats/errors.js';

export type VerifyLayer =
  | 'tar header'
  | 'tar member'
  | 'tar'
  | 'chunk checksum'
  | 'checksum member'
  | 'chunk order'
  | 'ova.xml'
  | 'disk size'
  | 'gzip header'
  | 'gzip CRC'
  | 'gzip stream'
  | 'zstd frame'
  | 'VHD footer'
  | 'VHD header'
  | 'VHD BAT'
  | 'VHD block'
  | 'VHD'
  | 'raw length'
  | 'XML'
  | 'content checksum'
  | 'file';

/** What a VerifyFailure carries besides its message, as plain data (it crosses threads). */
export interface VerifyWhere {
  layer: VerifyLayer;
  /** The tar member concerned, when there is one. */
  member: string | null;
  /** Byte offset of the problem; in the decompressed tar when `decompressed`. */
  offset: number | null;
  /** True when `offset` counts bytes of the decompressed tar inside a .gz / .zst file. */
  decompressed: boolean;
  /** The parser's own sentence. */
  reason: string;
}

const LAYER_BY_CODE: Record<string, VerifyLayer> = {
  TAR_HEADER_CHECKSUM: 'tar header',
  TAR_HEADER_FIELD: 'tar header',
  TAR_LONE_ZERO_BLOCK: 'tar header',
  TAR_TRAILING_DATA: 'tar',
  TAR_TRUNCATED: 'tar',
  XVA_EMPTY: 'tar',
  XVA_OVA_NOT_FIRST: 'tar member',
  XVA_UNEXPECTED_MEMBER: 'tar member',
  XVA_MEMBER_TOO_LARGE: 'tar member',
  XVA_CHECKSUM_MISMATCH: 'chunk checksum',
  XVA_CHECKSUM_MISSING: 'checksum member',
  XVA_CHECKSUM_ORPHAN: 'checksum member',
  XVA_CHECKSUM_KIND_CHANGED: 'checksum member',
  XVA_CHUNK_ORDER: 'chunk order',
  XVA_DISK_ORDER: 'chunk order',
  XVA_DISK_SIZE: 'disk size',
  XVA_OVA_XML: 'ova.xml',
  ZSTD_CORRUPT: 'zstd frame',
  VHD_DISK_TYPE: 'VHD footer',
  VHD_BAT_ENTRY: 'VHD BAT',
  VHD_ORDER: 'VHD BAT',
  VHD_TRUNCATED: 'VHD',
  VHD_TRAILING_DATA: 'VHD',
};

/** zlib says which check failed only in its message. */
function gzipLayer(message: string): VerifyLayer {
  if (/incorrect data check|incorrect length check/i.test(message)) return 'gzip CRC';
  if (/incorrect header check|unknown compression method|unknown header flags/i.test(message)) return 'gzip header';
  return 'gzip stream';
}

function layerOf(err: unknown, kind: string): VerifyLayer {
  const code = (err as { code?: unknown })?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string') {
    if (code.startsWith('VHD_FOOTER')) return 'VHD footer';
    if (code.startsWith('VHD_HEADER')) return 'VHD header';
    if (code === 'VHD_FIELD_RANGE') return message.includes('VHD header') ? 'VHD header' : 'VHD footer';
    const known = LAYER_BY_CODE[code];
    if (known) return known;
    if (code.startsWith('Z_') || code.startsWith('ERR_ZLIB')) return gzipLayer(message);
  }
  if (kind === 'gzip') return gzipLayer(message);
  if (kind === 'zstd') return 'zstd frame';
  if (kind === 'vhd') return 'VHD';
  if (kind === 'xml') return 'XML';
  return 'tar';
}

/** "tar header Ref:12/00000042 at byte 1536": the part of a message that says where. */
export function whereText(w: Pick<VerifyWhere, 'layer' | 'member' | 'offset' | 'decompressed'>): string {
  const member = w.member ? ` ${w.member}` : '';
  const offset = w.offset === null ? '' : ` at byte ${w.offset}${w.decompressed ? ' of the decompressed tar' : ''}`;
  return `${w.layer}${member}${offset}`;
}

export class VerifyFailure extends VmbackupError {
  readonly where: VerifyWhere;

  constructor(what: string, where: VerifyWhere, hint = 'run the backup again; if it keeps failing, check the VM disk on the pool') {
    super('VERIFY_FAILED', `the ${what} is damaged: ${whereText(where)}: ${where.reason}`, hint);
    this.name = 'VerifyFailure';
    this.where = where;
  }
}

/**
 * A parser's (or decompressor's) error as a VerifyFailure. `kind` says which layer refused
 * when the error itself does not (`gzip`, `zstd`, `tar`, `vhd`, `xml`); `fedBytes` is the offset
 * to report when the error has none (a decompressor does not say where it stopped: the bytes it
 * had been given by then).
 */
export function verifyFailure(what: string, err: unknown, kind: string, opts: { fedBytes?: number; decompressed?: boolean } = {}): VerifyFailure {
  if (err instanceof VerifyFailure) return err;
  const format = err instanceof FormatError ? err : null;
  const reason = err instanceof Error ? err.message : String(err);
  const offset = format?.offset ?? opts.fedBytes ?? null;
  return new VerifyFailure(what, {
    layer: layerOf(err, kind),
    member: format?.member ?? null,
    offset,
    decompressed: format?.offset !== undefined && opts.decompressed === true,
    reason,
  });
}

/** The `where` of a failure that crossed a thread as plain data, if it has one. */
export function whereOf(err: unknown): VerifyWhere | null {
  const w = (err as { where?: unknown })?.where;
  if (!w || typeof w !== 'object') return null;
  const v = w as Partial<VerifyWhere>;
  return typeof v.layer === 'string' && typeof v.reason === 'string' ? (v as VerifyWhere) : null;
}
