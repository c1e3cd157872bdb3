/**
 * Whole-stream compression of exports. XAPI compresses the entire tar (`use_compression=gzip` or
 * `zstd`, xapi-notes §3.1) without a Content-Encoding header, so readers sniff the magic bytes.
 * gzip comes from node:zlib; zstd (absent from Node 20) from the zstd program, see zstd.ts.
 */
import { createGunzip, createGzip, type Gunzip, type Gzip } from 'node:zlib';

export type Compression = 'zstd' | 'gzip' | 'none';

/** `level` 1..9; default 6, zlib's and XAPI's default. */
export function gzipStream(options: { level?: number } = {}): Gzip {
  return createGzip(options.level === undefined ? {} : { level: options.level });
}

/** Accepts concatenated gzip members, as zlib does. */
export function gunzipStream(): Gunzip {
  return createGunzip();
}

const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd] as const;
const GZIP_MAGIC = [0x1f, 0x8b] as const;

/**
 * What the stream starting with `firstBytes` is compressed with. Pass at least 4 bytes: a shorter
 * prefix is reported as 'none'. An uncompressed XVA starts with "ova.xml", a VHD with "conectix",
 * neither of which can be mistaken for these magics.
 */
export function detectCompression(firstBytes: Uint8Array): Compression {
  if (startsWith(firstBytes, ZSTD_MAGIC)) return 'zstd';
  if (startsWith(firstBytes, GZIP_MAGIC)) return 'gzip';
  return 'none';
}

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((byte, i) => bytes[i] === byte);
}
