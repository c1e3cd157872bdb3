/**
 * Gives a stream-ordered VHD (the body of `/export_raw_vdi?format=vhd`, with or without `base=`)
 * the identity a delta chain on disk needs (delta-design.md): footer uuid = the snapshot VDI it
 * was exported from, and for a differencing disk header parentUuid = the base snapshot VDI. XAPI
 * sends a fresh random footer uuid and the SM-level VHD uuid of the base (delta-restore.md §B.1).
 *
 * Synchronous and chunk by chunk, so the backup's transfer thread can run it on each chunk
 * before the verifier and the file writer. It holds back only the first footer and header (1536
 * bytes, rewritten in place with both checksums recomputed) and the last 512 bytes seen (the
 * stream's end is not announced; at end() they must be the original footer again, and are
 * replaced by the new one, so both copies stay byte-identical). Bytes out = bytes in.
 *
 * The buffers returned by push() may be views of the chunk given (the transfer reuses its read
 * buffers only after it has written what it got); what is held back is always copied.
 */
import { FormatError } from './errors.js';
import {
  parseVhdFooter,
  parseVhdHeader,
  uuidBytes,
  vhdChecksum,
  VHD_DISK_TYPE,
  VHD_FOOTER_SIZE,
  VHD_HEADER_SIZE,
} from './vhd-structs.js';

const HEAD = VHD_FOOTER_SIZE + VHD_HEADER_SIZE;
const FOOTER_UUID_AT = 68;
const FOOTER_CHECKSUM_AT = 64;
const HEADER_PARENT_UUID_AT = 40;
const HEADER_CHECKSUM_AT = 36;

export interface VhdIdentity {
  /** The new footer uuid (the snapshot VDI's). */
  readonly uuid: string;
  /** The new header parentUuid; required for, and only allowed on, a differencing disk. */
  readonly parentUuid?: string;
}

export class VhdIdentityRewriter {
  private readonly uuid: Buffer;
  private readonly parentUuid: Buffer | undefined;
  /** The first 1536 bytes while they are gathered. */
  private head: Buffer[] = [];
  private headLength = 0;
  private originalFooter: Buffer | undefined;
  private newFooter: Buffer | undefined;
  /** The last bytes seen (at most 512) once the head is out. */
  private tail: Buffer = Buffer.alloc(0);
  private position = 0;
  private failure: unknown;
  private ended = false;

  constructor(identity: VhdIdentity) {
    this.uuid = uuidBytes(identity.uuid);
    this.parentUuid = identity.parentUuid === undefined ? undefined : uuidBytes(identity.parentUuid);
  }

  /** The disk type read from the stream's first footer (once 512 bytes went through). */
  diskType: 3 | 4 | undefined;

  push(chunk: Buffer): Buffer[] {
    if (this.failure !== undefined) throw this.failure;
    if (this.ended) throw new Error('VhdIdentityRewriter.push after end');
    try {
      return this.consume(chunk);
    } catch (err) {
      this.failure = err;
      throw err;
    }
  }

  end(): Buffer[] {
    if (this.failure !== undefined) throw this.failure;
    this.ended = true;
    try {
      return this.finish();
    } catch (err) {
      this.failure = err;
      throw err;
    }
  }

  private consume(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let rest = chunk;
    if (this.newFooter === undefined) {
      const take = Math.min(HEAD - this.headLength, rest.length);
      if (take > 0) {
        this.head.push(Buffer.from(rest.subarray(0, take)));
        this.headLength += take;
        rest = rest.subarray(take);
      }
      if (this.headLength < VHD_FOOTER_SIZE) return out;
      if (this.originalFooter === undefined) this.checkFooter();
      if (this.headLength < HEAD) return out;
      out.push(this.rewriteHead());
      this.position = HEAD;
    }
    if (rest.length === 0) return out;
    // Everything but the last 512 bytes seen goes out now.
    if (rest.length >= VHD_FOOTER_SIZE) {
      if (this.tail.length > 0) out.push(this.tail);
      if (rest.length > VHD_FOOTER_SIZE) out.push(rest.subarray(0, rest.length - VHD_FOOTER_SIZE));
      this.tail = Buffer.from(rest.subarray(rest.length - VHD_FOOTER_SIZE));
    } else {
      const joined = Buffer.concat([this.tail, rest]);
      const release = joined.length - VHD_FOOTER_SIZE;
      if (release > 0) {
        out.push(joined.subarray(0, release));
        this.tail = joined.subarray(release);
      } else {
        this.tail = joined;
      }
    }
    this.position += rest.length;
    return out;
  }

  /** Refuses what is not a dynamic or differencing VHD, or an identity that does not fit it. */
  private checkFooter(): void {
    const first = Buffer.concat(this.head, this.headLength);
    const footer = parseVhdFooter(first.subarray(0, VHD_FOOTER_SIZE), 0, 'footer copy');
    this.diskType = footer.diskType as 3 | 4;
    const differencing = footer.diskType === VHD_DISK_TYPE.differencing;
    if (this.parentUuid !== undefined && !differencing) {
      throw new FormatError(
        'VHD_IDENTITY',
        `VHD footer at offset 0: a parent uuid was given, but the disk type is ${footer.diskType} (dynamic), not a differencing disk: the pool sent a full where a delta was asked for`,
        { offset: 60 },
      );
    }
    if (this.parentUuid === undefined && differencing) {
      throw new FormatError(
        'VHD_IDENTITY',
        'VHD footer at offset 0: a differencing disk (type 4) came without the parent uuid it must be given: its parent would be an SM-level uuid no backup file carries',
        { offset: 60 },
      );
    }
    this.originalFooter = Buffer.from(first.subarray(0, VHD_FOOTER_SIZE));
  }

  private rewriteHead(): Buffer {
    const head = Buffer.concat(this.head, HEAD);
    this.head = [];
    const footer = parseVhdFooter(head.subarray(0, VHD_FOOTER_SIZE), 0, 'footer copy');
    // parseVhdHeader checks the original checksum first: a damaged header is not "repaired" here.
    parseVhdHeader(head.subarray(VHD_FOOTER_SIZE, HEAD), VHD_FOOTER_SIZE, footer);
    this.uuid.copy(head, FOOTER_UUID_AT);
    const footerBytes = head.subarray(0, VHD_FOOTER_SIZE);
    footerBytes.writeUInt32BE(vhdChecksum(footerBytes, FOOTER_CHECKSUM_AT), FOOTER_CHECKSUM_AT);
    if (this.parentUuid !== undefined) {
      const header = head.subarray(VHD_FOOTER_SIZE, HEAD);
      this.parentUuid.copy(header, HEADER_PARENT_UUID_AT);
      header.writeUInt32BE(vhdChecksum(header, HEADER_CHECKSUM_AT), HEADER_CHECKSUM_AT);
    }
    this.newFooter = Buffer.from(footerBytes);
    return head;
  }

  private finish(): Buffer[] {
    if (this.newFooter === undefined) {
      const offset = this.headLength;
      throw new FormatError('VHD_TRUNCATED', `VHD stream truncated at offset ${offset}, in its footer copy and header (${HEAD} bytes)`, { offset });
    }
    // The trailing footer must be the one the stream began with: only then is replacing it
    // faithful. Anything else (a cut stream, a damaged end) is refused here, before it gets a
    // new identity the verifier downstream could no longer tell apart.
    if (!this.tail.equals(this.originalFooter!)) {
      const at = this.position - this.tail.length;
      throw new FormatError(
        'VHD_FOOTER_MISMATCH',
        `VHD stream ended at offset ${this.position} without repeating its footer: the last ${this.tail.length} bytes (from offset ${at}) ` +
          'differ from the footer copy at offset 0 (the stream was cut short or damaged)',
        { offset: at },
      );
    }
    this.tail = Buffer.alloc(0);
    return [this.newFooter];
  }
}
