/**
 * VHD footer (512 B) and dynamic-disk header (1024 B): builders, parsers and the checks vhd-lib
 * applies (`checkFooter.js`, `_checkHeader.js`), field layout per xapi-notes §4.2. Big-endian.
 */
import { FormatError } from './errors.js';
import { computeVhdGeometry } from './vhd-geometry.js';

export const VHD_SECTOR = 512;
export const VHD_FOOTER_SIZE = 512;
export const VHD_HEADER_SIZE = 1024;
export const VHD_BLOCK_SIZE = 2 * 1024 * 1024;
export const VHD_VERSION = 0x00010000;
/** BAT value of a block that is not in the file. */
export const VHD_BLOCK_UNUSED = 0xffffffff;
export const VHD_DISK_TYPE = { fixed: 2, dynamic: 3, differencing: 4 } as const;

const FOOTER_COOKIE = 'conectix';
const HEADER_COOKIE = 'cxsparse';
const FOOTER_CHECKSUM_OFFSET = 64;
const HEADER_CHECKSUM_OFFSET = 36;
/** VHD timestamps count seconds from 2000-01-01T00:00:00Z. */
const VHD_EPOCH_MS = Date.UTC(2000, 0, 1);
/** An all-ones u64, the "no data offset" marker; parsed as null. */
const NO_OFFSET = 0xffffffffffffffffn;

/** One's complement of the byte sum, the checksum field counted as zero. */
export function vhdChecksum(struct: Uint8Array, checksumOffset: number): number {
  let sum = 0;
  for (let i = 0; i < struct.length; i++) {
    if (i < checksumOffset || i >= checksumOffset + 4) sum += struct[i]!;
  }
  return ~sum >>> 0;
}

export function vhdTimestamp(date: Date): number {
  return Math.max(0, Math.floor((date.getTime() - VHD_EPOCH_MS) / 1000)) >>> 0;
}

/** A UUID as 16 bytes, from its canonical text or from bytes. */
export function uuidBytes(uuid: string | Uint8Array): Buffer {
  if (typeof uuid !== 'string') {
    if (uuid.length !== 16) throw new RangeError(`a UUID has 16 bytes, got ${uuid.length}`);
    return Buffer.from(uuid);
  }
  const hex = uuid.replace(/-/gu, '');
  if (!/^[0-9a-fA-F]{32}$/u.test(hex)) throw new RangeError(`not a UUID: ${JSON.stringify(uuid)}`);
  return Buffer.from(hex, 'hex');
}

export interface VhdFooterFields {
  readonly currentSize: number;
  readonly originalSize?: number;
  readonly uuid: string | Uint8Array;
  /** Seconds since 2000-01-01; see vhdTimestamp. */
  readonly timestamp: number;
  /** 4 characters; XAPI (ocaml-vhd) writes "caml", XO "xo  ". */
  readonly creatorApplication?: string;
  readonly creatorVersion?: number;
  readonly creatorHostOs?: number;
  readonly diskType?: 3 | 4;
}

export interface VhdFooter {
  readonly cookie: string;
  readonly features: number;
  readonly fileFormatVersion: number;
  /** null when all ones (fixed disks). */
  readonly dataOffset: number | null;
  readonly timestamp: number;
  readonly creatorApplication: string;
  readonly creatorVersion: number;
  readonly creatorHostOs: number;
  readonly originalSize: number;
  readonly currentSize: number;
  readonly cylinders: number;
  readonly heads: number;
  readonly sectorsPerTrack: number;
  readonly diskType: number;
  readonly checksum: number;
  readonly uuid: Buffer;
  readonly savedState: number;
}

export function buildVhdFooter(fields: VhdFooterFields): Buffer {
  const footer = Buffer.alloc(VHD_FOOTER_SIZE);
  const geometry = computeVhdGeometry(fields.currentSize);
  const creator = fields.creatorApplication ?? 'caml';
  if (Buffer.byteLength(creator, 'latin1') !== 4) throw new RangeError(`VHD creator must be 4 characters: ${JSON.stringify(creator)}`);
  footer.write(FOOTER_COOKIE, 0, 'latin1');
  footer.writeUInt32BE(2, 8); // features: the "reserved" bit, always set
  footer.writeUInt32BE(VHD_VERSION, 12);
  footer.writeBigUInt64BE(BigInt(VHD_FOOTER_SIZE), 16); // the dynamic header follows the footer copy
  footer.writeUInt32BE(fields.timestamp >>> 0, 24);
  footer.write(creator, 28, 'latin1');
  footer.writeUInt32BE(fields.creatorVersion ?? 0x00000001, 32); // ocaml-vhd's default_creator_version
  footer.writeUInt32BE(fields.creatorHostOs ?? 0, 36);
  footer.writeBigUInt64BE(BigInt(fields.originalSize ?? fields.currentSize), 40);
  footer.writeBigUInt64BE(BigInt(fields.currentSize), 48);
  footer.writeUInt16BE(geometry.cylinders, 56);
  footer.writeUInt8(geometry.heads, 58);
  footer.writeUInt8(geometry.sectorsPerTrack, 59);
  footer.writeUInt32BE(fields.diskType ?? VHD_DISK_TYPE.dynamic, 60);
  uuidBytes(fields.uuid).copy(footer, 68);
  footer.writeUInt32BE(vhdChecksum(footer, FOOTER_CHECKSUM_OFFSET), FOOTER_CHECKSUM_OFFSET);
  return footer;
}

export interface VhdHeaderFields {
  readonly maxTableEntries: number;
  readonly tableOffset?: number;
  readonly blockSize?: number;
  readonly parentUuid?: string | Uint8Array;
  readonly parentTimestamp?: number;
  readonly parentUnicodeName?: string;
}

export interface VhdParentLocator {
  readonly platformCode: number;
  readonly dataSpace: number;
  readonly dataLength: number;
  readonly dataOffset: number;
}

export interface VhdHeader {
  readonly cookie: string;
  readonly dataOffset: number | null;
  readonly tableOffset: number;
  readonly headerVersion: number;
  readonly maxTableEntries: number;
  readonly blockSize: number;
  readonly checksum: number;
  readonly parentUuid: Buffer;
  readonly parentTimestamp: number;
  readonly parentUnicodeName: string;
  readonly parentLocators: readonly VhdParentLocator[];
}

export function buildVhdHeader(fields: VhdHeaderFields): Buffer {
  const header = Buffer.alloc(VHD_HEADER_SIZE);
  header.write(HEADER_COOKIE, 0, 'latin1');
  header.writeBigUInt64BE(NO_OFFSET, 8);
  header.writeBigUInt64BE(BigInt(fields.tableOffset ?? VHD_FOOTER_SIZE + VHD_HEADER_SIZE), 16);
  header.writeUInt32BE(VHD_VERSION, 24);
  header.writeUInt32BE(fields.maxTableEntries, 28);
  header.writeUInt32BE(fields.blockSize ?? VHD_BLOCK_SIZE, 32);
  if (fields.parentUuid !== undefined) uuidBytes(fields.parentUuid).copy(header, 40);
  header.writeUInt32BE((fields.parentTimestamp ?? 0) >>> 0, 56);
  if (fields.parentUnicodeName !== undefined) {
    const name = Buffer.from(fields.parentUnicodeName, 'utf16le').swap16(); // UTF-16BE
    if (name.length > 512) throw new RangeError('VHD parent name is longer than 512 bytes in UTF-16');
    name.copy(header, 64);
  }
  header.writeUInt32BE(vhdChecksum(header, HEADER_CHECKSUM_OFFSET), HEADER_CHECKSUM_OFFSET);
  return header;
}

/** Parses and checks a footer read at stream offset `offset` (vhd-lib `checkFooter` + checksum). */
export function parseVhdFooter(buf: Buffer, offset: number, what = 'footer'): VhdFooter {
  const fail = (code: string, message: string): never => {
    throw new FormatError(code, `VHD ${what} at offset ${offset}: ${message}`, { offset });
  };
  const cookie = buf.toString('latin1', 0, 8);
  if (cookie !== FOOTER_COOKIE) fail('VHD_FOOTER_COOKIE', `cookie is ${JSON.stringify(cookie)}, not "conectix": not a VHD`);
  const checksum = buf.readUInt32BE(FOOTER_CHECKSUM_OFFSET);
  const computed = vhdChecksum(buf.subarray(0, VHD_FOOTER_SIZE), FOOTER_CHECKSUM_OFFSET);
  if (checksum !== computed) fail('VHD_FOOTER_CHECKSUM', `checksum is ${hex(checksum)}, computed ${hex(computed)}`);
  const footer: VhdFooter = {
    cookie,
    features: buf.readUInt32BE(8),
    fileFormatVersion: buf.readUInt32BE(12),
    dataOffset: readOffset(buf, 16, offset, what),
    timestamp: buf.readUInt32BE(24),
    creatorApplication: buf.toString('latin1', 28, 32),
    creatorVersion: buf.readUInt32BE(32),
    creatorHostOs: buf.readUInt32BE(36),
    originalSize: readU64(buf, 40, offset, what),
    currentSize: readU64(buf, 48, offset, what),
    cylinders: buf.readUInt16BE(56),
    heads: buf.readUInt8(58),
    sectorsPerTrack: buf.readUInt8(59),
    diskType: buf.readUInt32BE(60),
    checksum,
    uuid: Buffer.from(buf.subarray(68, 84)),
    savedState: buf.readUInt8(84),
  };
  if (footer.fileFormatVersion !== VHD_VERSION) fail('VHD_FOOTER_FIELD', `file format version is ${hex(footer.fileFormatVersion)}, expected 0x00010000`);
  if (footer.diskType !== VHD_DISK_TYPE.dynamic && footer.diskType !== VHD_DISK_TYPE.differencing) {
    fail('VHD_DISK_TYPE', `disk type is ${footer.diskType}; only dynamic (3) and differencing (4) disks are streamed`);
  }
  if (footer.dataOffset !== VHD_FOOTER_SIZE) fail('VHD_FOOTER_FIELD', `data offset is ${footer.dataOffset}, expected 512`);
  if (footer.originalSize > footer.currentSize) {
    fail('VHD_FOOTER_FIELD', `original size ${footer.originalSize} is larger than current size ${footer.currentSize}`);
  }
  return footer;
}

/** Parses and checks a dynamic header read at `offset` (vhd-lib `_checkHeader` + checksum). */
export function parseVhdHeader(buf: Buffer, offset: number, footer: VhdFooter): VhdHeader {
  const fail = (code: string, message: string): never => {
    throw new FormatError(code, `VHD header at offset ${offset}: ${message}`, { offset });
  };
  const cookie = buf.toString('latin1', 0, 8);
  if (cookie !== HEADER_COOKIE) fail('VHD_HEADER_COOKIE', `cookie is ${JSON.stringify(cookie)}, not "cxsparse"`);
  const checksum = buf.readUInt32BE(HEADER_CHECKSUM_OFFSET);
  const computed = vhdChecksum(buf.subarray(0, VHD_HEADER_SIZE), HEADER_CHECKSUM_OFFSET);
  if (checksum !== computed) fail('VHD_HEADER_CHECKSUM', `checksum is ${hex(checksum)}, computed ${hex(computed)}`);
  const parentLocators: VhdParentLocator[] = [];
  for (let i = 0; i < 8; i++) {
    const at = 576 + 24 * i;
    const platformCode = buf.readUInt32BE(at);
    if (platformCode === 0) continue;
    parentLocators.push({
      platformCode,
      dataSpace: buf.readUInt32BE(at + 4),
      dataLength: buf.readUInt32BE(at + 8),
      dataOffset: readU64(buf, at + 16, offset, 'header'),
    });
  }
  const header: VhdHeader = {
    cookie,
    dataOffset: readOffset(buf, 8, offset, 'header'),
    tableOffset: readU64(buf, 16, offset, 'header'),
    headerVersion: buf.readUInt32BE(24),
    maxTableEntries: buf.readUInt32BE(28),
    blockSize: buf.readUInt32BE(32),
    checksum,
    parentUuid: Buffer.from(buf.subarray(40, 56)),
    parentTimestamp: buf.readUInt32BE(56),
    parentUnicodeName: utf16beString(buf.subarray(64, 576)),
    parentLocators,
  };
  if (header.dataOffset !== null) fail('VHD_HEADER_FIELD', `data offset is ${header.dataOffset}, expected all ones`);
  if (header.headerVersion !== VHD_VERSION) fail('VHD_HEADER_FIELD', `version is ${hex(header.headerVersion)}, expected 0x00010000`);
  const sectorsPerBlock = header.blockSize / VHD_SECTOR;
  if (!Number.isInteger(sectorsPerBlock) || sectorsPerBlock < 1 || (sectorsPerBlock & (sectorsPerBlock - 1)) !== 0) {
    fail('VHD_HEADER_FIELD', `block size ${header.blockSize} is not 512 × a power of 2`);
  }
  if (header.maxTableEntries < footer.currentSize / header.blockSize) {
    fail(
      'VHD_HEADER_FIELD',
      `the BAT has ${header.maxTableEntries} entries, too few for ${footer.currentSize} bytes in blocks of ${header.blockSize}`,
    );
  }
  if (header.tableOffset % VHD_SECTOR !== 0 || header.tableOffset < offset + VHD_HEADER_SIZE) {
    fail('VHD_HEADER_FIELD', `the BAT offset ${header.tableOffset} is not a sector after the header`);
  }
  return header;
}

function readU64(buf: Buffer, at: number, offset: number, what: string): number {
  const value = buf.readBigUInt64BE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new FormatError('VHD_FIELD_RANGE', `VHD ${what} at offset ${offset}: the 64-bit field at +${at} is absurdly large`, {
      offset,
    });
  }
  return Number(value);
}

function readOffset(buf: Buffer, at: number, offset: number, what: string): number | null {
  return buf.readBigUInt64BE(at) === NO_OFFSET ? null : readU64(buf, at, offset, what);
}

function utf16beString(bytes: Buffer): string {
  let end = 0;
  while (end + 1 < bytes.length && (bytes[end] !== 0 || bytes[end + 1] !== 0)) end += 2;
  return Buffer.from(bytes.subarray(0, end)).swap16().toString('utf16le');
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
