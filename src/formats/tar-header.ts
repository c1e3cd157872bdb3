/**
 * Tar header blocks, byte for byte as XAPI's ocaml-tar writes them.
 *
 * ocaml-tar's default compatibility level is V7, and XAPI never asks for another one, so its
 * headers carry no "ustar" magic, no uname/gname, and the typeflag of a regular file is NUL
 * ('\0'), not '0'. We write the same: the 2010 XenServer sample in test/fixtures/xva starts with
 * exactly the block `tarHeader('ova.xml', 26014)` builds. GNU tar lists such members as regular
 * files (`----------  0/0`), because a NUL typeflag means "regular file" in every tar dialect.
 *
 * Numeric fields are zero-padded octal with a NUL terminator (ocaml-tar's `%0*o` + "\0"),
 * including the checksum field ("0005754\0", where GNU tar would write "005754\0 ").
 */
import { FormatError } from './errors.js';

export const TAR_BLOCK = 512;

/** End of archive: exactly two zero blocks, as XAPI writes it (no padding to a 10 KiB record). */
export const TAR_END: Buffer = Buffer.alloc(2 * TAR_BLOCK);

const NAME_LENGTH = 100;
const CHECKSUM_OFFSET = 148;
const CHECKSUM_LENGTH = 8;
const TYPEFLAG_OFFSET = 156;
const MAGIC_OFFSET = 257;
const PREFIX_OFFSET = 345;
/** 11 octal digits: the largest size a plain header can hold (8 GiB - 1). */
const MAX_OCTAL_SIZE = 0o77777777777;

/** Padding after a member body of `size` bytes, up to the next 512-byte boundary. */
export function tarPaddingLength(size: number): number {
  const rest = size % TAR_BLOCK;
  return rest === 0 ? 0 : TAR_BLOCK - rest;
}

const ZERO_PADDING = Buffer.alloc(TAR_BLOCK);

/** The zero bytes that follow a member body of `size` bytes (a shared, read-only buffer). */
export function tarPadding(size: number): Buffer {
  return ZERO_PADDING.subarray(0, tarPaddingLength(size));
}

export interface TarHeaderOptions {
  /** Seconds since the epoch. XAPI writes 0 for chunks; recent versions write "now" for ova.xml. */
  mtime?: number;
  /** Permission bits. XAPI's sample has 0. */
  mode?: number;
}

/** A 512-byte V7 header for a regular file, as ocaml-tar marshals it. */
export function tarHeader(name: string, size: number, options: TarHeaderOptions = {}): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length === 0 || nameBytes.length > NAME_LENGTH) {
    throw new RangeError(`tar member name must be 1..${NAME_LENGTH} bytes: ${JSON.stringify(name)}`);
  }
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_OCTAL_SIZE) {
    throw new RangeError(`tar member size out of range for ${name}: ${size}`);
  }
  const block = Buffer.alloc(TAR_BLOCK);
  nameBytes.copy(block, 0);
  writeOctal(block, 100, 8, options.mode ?? 0);
  writeOctal(block, 108, 8, 0); // uid
  writeOctal(block, 116, 8, 0); // gid
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, options.mtime ?? 0);
  block[TYPEFLAG_OFFSET] = 0; // V7 regular file
  writeOctal(block, CHECKSUM_OFFSET, CHECKSUM_LENGTH, headerChecksum(block));
  return block;
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  const digits = value.toString(8).padStart(length - 1, '0');
  if (digits.length > length - 1) throw new RangeError(`value ${value} does not fit a ${length}-byte tar field`);
  block.write(digits, offset, 'latin1');
  block[offset + length - 1] = 0;
}

/** Sum of the header bytes with the checksum field counted as eight spaces (unsigned and signed). */
function headerChecksums(block: Uint8Array): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < TAR_BLOCK; i++) {
    const byte = i >= CHECKSUM_OFFSET && i < CHECKSUM_OFFSET + CHECKSUM_LENGTH ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte >= 0x80 ? byte - 0x100 : byte;
  }
  return { unsigned, signed };
}

function headerChecksum(block: Uint8Array): number {
  return headerChecksums(block).unsigned;
}

/** A parsed header. `offset` is where the header block starts in the stream. */
export interface TarEntry {
  readonly name: string;
  readonly size: number;
  /** The raw typeflag character: '\0' or '0' for a regular file. */
  readonly typeflag: string;
  readonly mode: number;
  readonly mtime: number;
  readonly offset: number;
  /** Where the member body starts in the stream (offset + 512). */
  readonly dataOffset: number;
}

export function isZeroBlock(block: Uint8Array): boolean {
  return ZERO_PADDING.equals(block);
}

/** True for the typeflags that mean "regular file". */
export function isRegularFile(entry: TarEntry): boolean {
  return entry.typeflag === '\0' || entry.typeflag === '0';
}

/**
 * Parses one non-zero header block found at stream offset `offset`. Accepts V7, ustar and GNU
 * headers (we must read what XO or GNU tar write too), checks the header checksum.
 */
export function parseTarHeader(block: Uint8Array, offset: number): TarEntry {
  const buf = Buffer.from(block.buffer, block.byteOffset, TAR_BLOCK);
  const where = { offset };
  const stored = readOctal(buf, CHECKSUM_OFFSET, CHECKSUM_LENGTH, 'checksum', offset);
  const sums = headerChecksums(buf);
  // Historic tars summed signed chars; GNU tar accepts both, so do we.
  if (stored !== sums.unsigned && stored !== sums.signed) {
    throw new FormatError(
      'TAR_HEADER_CHECKSUM',
      `tar header at offset ${offset} has a bad checksum (stored ${stored}, computed ${sums.unsigned}): ` +
        'this is not a tar stream or it is damaged',
      where,
    );
  }
  let name = cString(buf, 0, NAME_LENGTH);
  if (buf.toString('latin1', MAGIC_OFFSET, MAGIC_OFFSET + 5) === 'ustar') {
    const prefix = cString(buf, PREFIX_OFFSET, 155);
    if (prefix !== '') name = `${prefix}/${name}`;
  }
  return {
    name,
    size: readSize(buf, offset, name),
    typeflag: String.fromCharCode(buf[TYPEFLAG_OFFSET]!),
    mode: readOctal(buf, 100, 8, 'mode', offset),
    mtime: readOctal(buf, 136, 12, 'mtime', offset),
    offset,
    dataOffset: offset + TAR_BLOCK,
  };
}

function cString(buf: Buffer, start: number, length: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end === -1 || end > start + length ? start + length : end);
}

/** The size field, in octal or (GNU, for members of 8 GiB and more) base-256. */
function readSize(buf: Buffer, offset: number, name: string): number {
  if ((buf[124]! & 0x80) !== 0) {
    let value = buf[124]! & 0x7f;
    for (let i = 125; i < 136; i++) value = value * 256 + buf[i]!;
    if (!Number.isSafeInteger(value)) {
      throw new FormatError('TAR_HEADER_FIELD', `tar member ${name} at offset ${offset} has an absurd size`, {
        offset,
        member: name,
      });
    }
    return value;
  }
  return readOctal(buf, 124, 12, 'size', offset, name);
}

function readOctal(buf: Buffer, start: number, length: number, field: string, offset: number, member?: string): number {
  const text = buf.toString('latin1', start, start + length).replace(/[\0 ]+$/u, '').replace(/^ +/u, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/u.test(text)) {
    const who = member === undefined ? '' : ` of member ${member}`;
    throw new FormatError(
      'TAR_HEADER_FIELD',
      `tar header at offset ${offset}${who}: field ${field} is not octal (${JSON.stringify(text)})`,
      { offset, ...(member === undefined ? {} : { member }) },
    );
  }
  return parseInt(text, 8);
}
