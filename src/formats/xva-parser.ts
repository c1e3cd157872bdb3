/**
 * A push-based, single-pass XVA verifier and reader. Feed it the (decompressed) export as it
 * streams in; `feed` returns what it found so far: the ova.xml text, verified chunks with their
 * disk offsets, and at the end a summary. Memory is bounded by one chunk: a data member is held
 * until its checksum member has been checked, so consumers only ever see verified bytes.
 *
 * It follows XAPI's importer (`Stream_vdi.recv_all_vdi`, xapi-notes §4.1):
 * - ova.xml comes first; the disks follow in string order of their ids, each disk's chunks in
 *   strictly increasing number;
 * - each data member is followed by its `.xxhash` or `.checksum` member (unless
 *   `requireChecksums: false`), whose text must equal the digest exactly as XAPI formats it;
 * - disk offsets are sequential: a gap of k chunk numbers means k × (length of the first chunk
 *   of the archive) zero bytes — XAPI keeps that length in one variable for the whole import —
 *   and a zero-length keep-alive chunk does not advance.
 */
import { type ChecksumKind, chunkDigestOfParts, RunningDigest } from './checksums.js';
import { FormatError } from './errors.js';
import { isRegularFile, type TarEntry } from './tar-header.js';
import { TarParser } from './tar-parser.js';
import { classifyMemberName, OVA_XML } from './xva-names.js';
import { checkDiskSizes, type XvaEvent, type XvaParserOptions } from './xva-summary.js';

export type { XvaChunk, XvaDiskSummary, XvaEvent, XvaParserOptions, XvaSummary } from './xva-summary.js';

/** Generous bounds: XAPI and XO write 1 MiB chunks, and ova.xml is at most a few MiB. */
const MAX_CHUNK_BYTES = 64 * 1024 * 1024;
const MAX_OVA_BYTES = 64 * 1024 * 1024;
const MAX_CHECKSUM_BYTES = 64;

interface DiskState {
  id: string;
  lastIndex: number;
  offset: number;
  chunks: number;
  keepAlives: number;
  dataBytes: number;
}

/** A member whose body is being collected. */
interface Collecting {
  entry: TarEntry;
  role: 'ova' | 'data' | 'checksum';
  parts: Buffer[];
  length: number;
}

/** A data member read whole, waiting for its checksum member before it is reported. */
interface PendingChunk {
  entry: TarEntry;
  disk: string;
  index: number;
  offset: number;
  /** The member's bytes as they arrived: views into the caller's buffers, joined only if kept. */
  parts: Buffer[];
  /** Without keepData: the digests, computed as the bytes passed. */
  running: RunningDigest | null;
}

const EMPTY = Buffer.alloc(0);

/** One part (the usual case for a chunk that arrived in one buffer) is a view, not a copy. */
function joined(parts: Buffer[]): Buffer {
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

export class XvaParser {
  private readonly tar: TarParser;
  private readonly requireChecksums: boolean;
  private readonly acceptBadChecksums: boolean;
  private readonly keepData: boolean;
  private readonly diskSizes: Readonly<Record<string, number>> | undefined;
  private events: XvaEvent[] = [];
  private sawOva = false;
  private collecting: Collecting | undefined;
  private pending: PendingChunk | undefined;
  private pendingChecksum: { kind: ChecksumKind; dataName: string } | undefined;
  private disk: DiskState | undefined;
  private readonly disks: DiskState[] = [];
  /** XAPI's `firstchunklength`: set by the first chunk of the archive, used for every gap. */
  private firstChunkLength: number | undefined;
  private readonly kinds = new Set<ChecksumKind>();
  private ended = false;

  constructor(options: XvaParserOptions = {}) {
    this.requireChecksums = options.requireChecksums ?? true;
    this.acceptBadChecksums = options.acceptBadChecksums ?? false;
    this.keepData = options.keepData ?? true;
    this.diskSizes = options.diskSizes;
    this.tar = new TarParser({
      header: (entry) => this.onHeader(entry),
      data: (slice) => this.onData(slice),
      memberEnd: (entry) => this.onMemberEnd(entry),
      end: (offset) => this.onTarEnd(offset),
    });
  }

  /** Feeds more bytes; returns the events they completed. Do not modify `chunk` afterwards. */
  feed(chunk: Buffer): XvaEvent[] {
    this.tar.feed(chunk);
    return this.takeEvents();
  }

  /**
   * Declares the end of input; throws a FormatError if the archive is incomplete. The `end` event
   * comes only from here, once nothing more can arrive, so it always means "verified whole".
   */
  end(): XvaEvent[] {
    this.tar.end();
    if (this.ended) return [];
    this.ended = true;
    const disks = this.disks.map(({ id, chunks, keepAlives, dataBytes, offset }) => ({
      id,
      chunks,
      keepAlives,
      dataBytes,
      size: offset,
    }));
    const kinds = [...this.kinds];
    this.events.push({
      type: 'end',
      disks,
      checksum: kinds.length === 0 ? 'none' : kinds.length > 1 ? 'mixed' : kinds[0]!,
      archiveBytes: this.tar.bytesRead,
    });
    return this.takeEvents();
  }

  private takeEvents(): XvaEvent[] {
    const events = this.events;
    this.events = [];
    return events;
  }

  private onHeader(entry: TarEntry): void {
    const name = classifyMemberName(entry.name);
    const where = { offset: entry.offset, member: entry.name };
    if (!isRegularFile(entry)) {
      throw new FormatError('XVA_UNEXPECTED_MEMBER', `member ${entry.name} at offset ${entry.offset} is not a regular file`, where);
    }
    if (!this.sawOva) {
      if (name.kind !== 'ova') {
        throw new FormatError(
          'XVA_OVA_NOT_FIRST',
          `the first member must be ${OVA_XML}, found ${entry.name} at offset ${entry.offset}`,
          where,
        );
      }
      this.sawOva = true;
      this.startCollecting(entry, 'ova', MAX_OVA_BYTES);
      return;
    }
    if (name.kind === 'checksum') {
      if (this.pending === undefined || this.pending.entry.name !== name.dataName) {
        throw new FormatError(
          'XVA_CHECKSUM_ORPHAN',
          `checksum member ${entry.name} at offset ${entry.offset} does not follow its data member ${name.dataName}`,
          where,
        );
      }
      this.pendingChecksum = { kind: name.checksum, dataName: name.dataName };
      this.startCollecting(entry, 'checksum', MAX_CHECKSUM_BYTES);
      return;
    }
    // Anything else ends the pending chunk: it had no checksum member.
    this.flushUnchecked(entry);
    if (name.kind === 'data') {
      this.startChunk(entry, name.disk, name.index);
      return;
    }
    throw new FormatError(
      'XVA_UNEXPECTED_MEMBER',
      `unexpected member ${entry.name} at offset ${entry.offset}: expected a disk chunk like Ref:N/00000000`,
      where,
    );
  }

  private startChunk(entry: TarEntry, diskId: string, index: number): void {
    const where = { offset: entry.offset, member: entry.name };
    let disk = this.disk;
    if (disk === undefined || disk.id !== diskId) {
      if (disk !== undefined && !(diskId > disk.id)) {
        throw new FormatError(
          'XVA_DISK_ORDER',
          `member ${entry.name} at offset ${entry.offset}: disk ${diskId} comes after disk ${disk.id}, ` +
            'but XAPI writes disks in string order of their ids, each disk once',
          where,
        );
      }
      disk = { id: diskId, lastIndex: -1, offset: 0, chunks: 0, keepAlives: 0, dataBytes: 0 };
      this.disk = disk;
      this.disks.push(disk);
    }
    if (index <= disk.lastIndex) {
      throw new FormatError(
        'XVA_CHUNK_ORDER',
        `member ${entry.name} at offset ${entry.offset}: chunk numbers must increase, ` +
          `but chunk ${disk.lastIndex} of disk ${diskId} came before it`,
        where,
      );
    }
    this.firstChunkLength ??= entry.size;
    const skipped = (index - disk.lastIndex - 1) * this.firstChunkLength;
    const offset = disk.offset + skipped;
    disk.lastIndex = index;
    disk.offset = offset + entry.size;
    disk.chunks++;
    disk.dataBytes += entry.size;
    if (entry.size === 0) disk.keepAlives++;
    this.pending = { entry, disk: diskId, index, offset, parts: [], running: this.keepData ? null : new RunningDigest(this.kinds.size > 0 ? [...this.kinds] : ['xxhash', 'sha1']) };
    this.startCollecting(entry, 'data', MAX_CHUNK_BYTES);
  }

  private startCollecting(entry: TarEntry, role: Collecting['role'], limit: number): void {
    if (entry.size > limit) {
      throw new FormatError(
        'XVA_MEMBER_TOO_LARGE',
        `member ${entry.name} at offset ${entry.offset} has ${entry.size} bytes; at most ${limit} are expected`,
        { offset: entry.offset, member: entry.name },
      );
    }
    this.collecting = { entry, role, parts: [], length: 0 };
  }

  private onData(slice: Buffer): void {
    const collecting = this.collecting!;
    collecting.length += slice.length;
    if (this.keepData) collecting.parts.push(slice);
    else if (collecting.role === 'data') this.pending!.running!.update(slice);
    // The caller may reuse its buffer: small members (ova.xml, checksums) are copied.
    else collecting.parts.push(Buffer.from(slice));
  }

  private onMemberEnd(entry: TarEntry): void {
    const collecting = this.collecting!;
    this.collecting = undefined;
    if (collecting.role === 'data') {
      this.pending!.parts = collecting.parts;
      return;
    }
    const body = joined(collecting.parts);
    if (collecting.role === 'ova') this.events.push({ type: 'ova', xml: body.toString('utf8') });
    else this.verifyChecksum(entry, body.toString('latin1'));
  }

  private verifyChecksum(entry: TarEntry, stored: string): void {
    const pending = this.pending!;
    const kind = this.pendingChecksum!.kind;
    const computed = pending.running ? pending.running.digests()[kind] : chunkDigestOfParts(kind, pending.parts);
    if (computed === undefined) {
      throw new FormatError(
        'XVA_CHECKSUM_KIND_CHANGED',
        `checksum member ${entry.name} at offset ${entry.offset} is of another kind than the chunks before it (${[...this.kinds].join(', ')})`,
        { offset: entry.offset, member: entry.name },
      );
    }
    if (stored !== computed && !this.acceptBadChecksums) {
      throw new FormatError(
        'XVA_CHECKSUM_MISMATCH',
        `chunk ${pending.entry.name} at offset ${pending.entry.offset} does not match its checksum member ` +
          `${entry.name} at offset ${entry.offset}: stored ${JSON.stringify(stored)}, computed ${computed}`,
        { offset: pending.entry.offset, member: pending.entry.name },
      );
    }
    this.kinds.add(kind);
    this.emitChunk(pending, kind);
    this.pending = undefined;
    this.pendingChecksum = undefined;
  }

  /** A data member was not followed by its checksum member (`next` is what came instead, if anything). */
  private flushUnchecked(next: TarEntry | undefined): void {
    const pending = this.pending;
    if (pending === undefined) return;
    if (this.requireChecksums) {
      const instead = next === undefined ? 'the end of the archive' : `${next.name} at offset ${next.offset}`;
      throw new FormatError(
        'XVA_CHECKSUM_MISSING',
        `chunk ${pending.entry.name} at offset ${pending.entry.offset} has no checksum member: found ${instead}`,
        { offset: pending.entry.offset, member: pending.entry.name },
      );
    }
    this.emitChunk(pending, null);
    this.pending = undefined;
  }

  private emitChunk(pending: PendingChunk, checksum: ChecksumKind | null): void {
    this.events.push({
      type: 'chunk',
      disk: pending.disk,
      index: pending.index,
      offset: pending.offset,
      data: this.keepData ? joined(pending.parts) : EMPTY,
      checksum,
      member: pending.entry.name,
    });
  }

  private onTarEnd(endOffset: number): void {
    if (!this.sawOva) {
      throw new FormatError('XVA_EMPTY', `the archive has no members (it ends at offset ${endOffset})`, {
        offset: endOffset,
      });
    }
    this.flushUnchecked(undefined);
    if (this.diskSizes !== undefined) checkDiskSizes(this.disks.map(({ id, offset }) => ({ id, size: offset })), this.diskSizes);
  }
}

/** Reads a whole XVA from an async source of Buffers, yielding events as they complete. */
export async function* parseXva(
  source: AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array>,
  options: XvaParserOptions = {},
): AsyncGenerator<XvaEvent, void, undefined> {
  const parser = new XvaParser(options);
  for await (const chunk of source) {
    yield* parser.feed(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  yield* parser.end();
}
