/**
 * The two digests XAPI writes next to every XVA chunk. XXH64 goes through hash-wasm (a WASM
 * build, several GB/s) because the simulator must produce exports faster than 1 GB/s and the
 * verifier must keep up with them; SHA-1 goes through node:crypto (OpenSSL).
 */
import { createHash } from 'node:crypto';
import { createXXHash64 } from 'hash-wasm';

export type ChecksumKind = 'xxhash' | 'sha1';

// Creating a hasher instantiates a WASM module, which is async and slow; do it once at load time
// and reuse it. Every use below is synchronous (init/update/digest), so calls cannot interleave.
const xxh64 = await createXXHash64();

/** XXH64 (seed 0) as XAPI writes it in `.xxhash` members: OCaml `%016LX`, 16 UPPERCASE hex digits. */
export function xxh64Hex(data: Uint8Array): string {
  return xxh64.init().update(data).digest('hex').toUpperCase();
}

/** SHA-1 as XAPI writes it in legacy `.checksum` members: 40 lowercase hex digits. */
export function sha1Hex(data: Uint8Array): string {
  return createHash('sha1').update(data).digest('hex');
}

/** The content of the checksum member of kind `kind` for `data`. */
export function chunkDigest(kind: ChecksumKind, data: Uint8Array): string {
  return kind === 'xxhash' ? xxh64Hex(data) : sha1Hex(data);
}

/** The member-name suffix XAPI uses for each checksum kind. */
export const CHECKSUM_SUFFIX: Readonly<Record<ChecksumKind, string>> = {
  xxhash: '.xxhash',
  sha1: '.checksum',
};
