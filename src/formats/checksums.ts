/**
 * The two digests XAPI writes next to every XVA chunk. XXH64 goes through hash-wasm (a WASM
 * build, several GB/s) because the simulator must produce exports faster than 1 GB/s and the
 * verifier must keep up with them; SHA-1 goes through node:crypto (OpenSSL).
 */
import { createHash, type Hash } from 'node:crypto';
import { createXXHash64 } from 'hash-wasm';

export type ChecksumKind = 'xxhash' | 'sha1';

// Creating a hasher instantiates a WASM module, which is async and slow; do it once at load time
// and reuse it. Every use below is synchronous (init/update/digest), so calls cannot interleave,
// except a RunningDigest's, which spans calls: it may leave its state in the instance (saving
// and reloading it for every piece cost 10 % of a verified download), and whoever uses the
// instance next saves it first (`shared`).
const xxh64 = await createXXHash64();
let xxhOwner: RunningDigest | null = null;

/** The shared XXH64 instance, with the state of the RunningDigest that left it there saved. */
function shared(): typeof xxh64 {
  xxhOwner?.park();
  return xxh64;
}

/** XXH64 (seed 0) as XAPI writes it in `.xxhash` members: OCaml `%016LX`, 16 UPPERCASE hex digits. */
export function xxh64Hex(data: Uint8Array): string {
  return shared().init().update(data).digest('hex').toUpperCase();
}

/** SHA-1 as XAPI writes it in legacy `.checksum` members: 40 lowercase hex digits. */
export function sha1Hex(data: Uint8Array): string {
  return createHash('sha1').update(data).digest('hex');
}

/** The content of the checksum member of kind `kind` for `data`. */
export function chunkDigest(kind: ChecksumKind, data: Uint8Array): string {
  return kind === 'xxhash' ? xxh64Hex(data) : sha1Hex(data);
}

/** The digest of a chunk given in pieces, without joining them. */
export function chunkDigestOfParts(kind: ChecksumKind, parts: readonly Uint8Array[]): string {
  if (kind === 'xxhash') {
    const h = shared().init();
    for (const part of parts) h.update(part);
    return h.digest('hex').toUpperCase();
  }
  const h = createHash('sha1');
  for (const part of parts) h.update(part);
  return h.digest('hex');
}

/**
 * Digests of `prefix + tail` for many tails that share one long prefix, each costing only the
 * tail: the hash state after the prefix is computed once and resumed. The simulator's generated
 * chunks differ only in their last bytes, which keeps its exports fast.
 */
export class PrefixDigest {
  private xxhState: Uint8Array | undefined;
  private sha1State: Hash | undefined;

  constructor(private readonly prefix: Uint8Array) {}

  digest(kind: ChecksumKind, tail: Uint8Array): string {
    if (kind === 'xxhash') {
      if (!this.xxhState) this.xxhState = shared().init().update(this.prefix).save();
      return shared().load(this.xxhState).update(tail).digest('hex').toUpperCase();
    }
    if (!this.sha1State) this.sha1State = createHash('sha1').update(this.prefix);
    return this.sha1State.copy().update(tail).digest('hex');
  }
}

/**
 * Digests of a chunk fed in pieces that are not kept (their buffers may be reused). XXH64's
 * state is saved between pieces, so that other hashing can use the shared instance meanwhile
 * (several exports verify at once).
 */
export class RunningDigest {
  /** The XXH64 state while another user has the shared instance; null while we hold it. */
  private xxhState: Uint8Array | null = null;
  private readonly xxh: boolean;
  private readonly sha1: Hash | null;

  constructor(kinds: readonly ChecksumKind[]) {
    this.xxh = kinds.includes('xxhash');
    if (this.xxh) this.xxhState = shared().init().save();
    this.sha1 = kinds.includes('sha1') ? createHash('sha1') : null;
  }

  update(part: Uint8Array): void {
    if (this.xxh) this.take().update(part);
    this.sha1?.update(part);
  }

  /** The digest of each kind this was made for, formatted as in the checksum members. */
  digests(): Partial<Record<ChecksumKind, string>> {
    const out: Partial<Record<ChecksumKind, string>> = {};
    if (this.xxh) {
      out.xxhash = this.take().digest('hex').toUpperCase();
      xxhOwner = null;
    }
    if (this.sha1) out.sha1 = this.sha1.digest('hex');
    return out;
  }

  /** Saves our state out of the shared instance (someone else is about to use it). */
  park(): void {
    this.xxhState = xxh64.save();
    xxhOwner = null;
  }

  private take(): typeof xxh64 {
    if (xxhOwner !== this) {
      xxhOwner?.park();
      xxh64.load(this.xxhState!);
      xxhOwner = this;
    }
    return xxh64;
  }
}

/** The member-name suffix XAPI uses for each checksum kind. */
export const CHECKSUM_SUFFIX: Readonly<Record<ChecksumKind, string>> = {
  xxhash: '.xxhash',
  sha1: '.checksum',
};
