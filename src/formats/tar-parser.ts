/**
 * A push-based streaming tar reader: feed it bytes as they arrive from the network or a
 * decompressor, and it calls the sink for each header, each slice of member body and each member
 * end. Bodies are never buffered: `data` receives views (subarrays) into the fed buffers, so a
 * 1 MiB chunk that arrives in one piece costs no copy at all.
 *
 * Stream-level rules it enforces, because a backup must fail loudly rather than be silently short:
 * every header checksum; the archive ends with two zero blocks (a lone zero block followed by a
 * header is rejected: XAPI never writes one); after the end only zero bytes may follow (GNU tar
 * pads to a 10 KiB record, XAPI does not); `end()` before the end blocks is a truncation, reported
 * with the member and offset where the data stopped.
 */
import { FormatError } from './errors.js';
import { isZeroBlock, parseTarHeader, TAR_BLOCK, tarPaddingLength, type TarEntry } from './tar-header.js';

export interface TarSink {
  header(entry: TarEntry): void;
  /** A slice of the current member's body. It is a view into a fed buffer: do not modify it. */
  data(slice: Buffer, entry: TarEntry): void;
  memberEnd(entry: TarEntry): void;
  /** The two end blocks were read; `offset` is where they start. */
  end(offset: number): void;
}

type State =
  | { kind: 'header' }
  | { kind: 'body'; entry: TarEntry; remaining: number }
  | { kind: 'padding'; entry: TarEntry; remaining: number }
  | { kind: 'ended'; endOffset: number };

export class TarParser {
  private readonly sink: TarSink;
  private state: State = { kind: 'header' };
  /** Bytes of a header block split across two fed buffers. */
  private readonly partial = Buffer.alloc(TAR_BLOCK);
  private partialLength = 0;
  /** Offset of a first zero block not yet followed by the second one. */
  private zeroBlockAt: number | undefined;
  /** Stream offset of the next byte to be fed. */
  private position = 0;
  private failure: unknown;

  constructor(sink: TarSink) {
    this.sink = sink;
  }

  /** Total bytes fed so far. */
  get bytesRead(): number {
    return this.position;
  }

  get ended(): boolean {
    return this.state.kind === 'ended';
  }

  feed(chunk: Buffer): void {
    if (this.failure !== undefined) throw this.failure;
    try {
      this.consume(chunk);
    } catch (err) {
      this.failure = err;
      throw err;
    }
  }

  /** Declares the end of input; throws a FormatError when the archive is incomplete. */
  end(): void {
    if (this.failure !== undefined) throw this.failure;
    const error = this.truncationError();
    if (error !== undefined) {
      this.failure = error;
      throw error;
    }
  }

  private consume(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      const state = this.state;
      switch (state.kind) {
        case 'header':
          at = this.consumeHeader(chunk, at);
          break;
        case 'body': {
          const take = Math.min(state.remaining, chunk.length - at);
          const slice = chunk.subarray(at, at + take);
          at += take;
          this.position += take;
          state.remaining -= take;
          this.sink.data(slice, state.entry);
          if (state.remaining === 0) this.finishBody(state.entry);
          break;
        }
        case 'padding': {
          const take = Math.min(state.remaining, chunk.length - at);
          at += take;
          this.position += take;
          state.remaining -= take;
          if (state.remaining === 0) this.state = { kind: 'header' };
          break;
        }
        case 'ended': {
          const rest = chunk.subarray(at);
          const nonZero = rest.findIndex((byte) => byte !== 0);
          if (nonZero !== -1) {
            const offset = this.position + nonZero;
            throw new FormatError(
              'TAR_TRAILING_DATA',
              `unexpected data at offset ${offset}, after the end-of-archive blocks at offset ${state.endOffset}`,
              { offset },
            );
          }
          this.position += rest.length;
          at = chunk.length;
          break;
        }
      }
    }
  }

  /** Reads (part of) a header block starting at `at`; returns the new position in `chunk`. */
  private consumeHeader(chunk: Buffer, at: number): number {
    const headerOffset = this.position - this.partialLength;
    if (this.partialLength === 0 && chunk.length - at >= TAR_BLOCK) {
      // The common case: the whole block is in this buffer, parse it in place.
      this.position += TAR_BLOCK;
      this.handleBlock(chunk.subarray(at, at + TAR_BLOCK), headerOffset);
      return at + TAR_BLOCK;
    }
    const take = Math.min(TAR_BLOCK - this.partialLength, chunk.length - at);
    chunk.copy(this.partial, this.partialLength, at, at + take);
    this.partialLength += take;
    this.position += take;
    if (this.partialLength === TAR_BLOCK) {
      this.partialLength = 0;
      this.handleBlock(this.partial, headerOffset);
    }
    return at + take;
  }

  private handleBlock(block: Buffer, offset: number): void {
    if (isZeroBlock(block)) {
      if (this.zeroBlockAt === undefined) {
        this.zeroBlockAt = offset;
      } else {
        this.state = { kind: 'ended', endOffset: this.zeroBlockAt };
        this.sink.end(this.zeroBlockAt);
      }
      return;
    }
    if (this.zeroBlockAt !== undefined) {
      throw new FormatError(
        'TAR_LONE_ZERO_BLOCK',
        `a single zero block at offset ${this.zeroBlockAt} is followed by more members: the archive is damaged`,
        { offset: this.zeroBlockAt },
      );
    }
    const entry = parseTarHeader(block, offset);
    this.sink.header(entry);
    if (entry.size === 0) {
      this.finishBody(entry);
    } else {
      this.state = { kind: 'body', entry, remaining: entry.size };
    }
  }

  private finishBody(entry: TarEntry): void {
    this.sink.memberEnd(entry);
    const padding = tarPaddingLength(entry.size);
    this.state = padding === 0 ? { kind: 'header' } : { kind: 'padding', entry, remaining: padding };
  }

  private truncationError(): FormatError | undefined {
    const state = this.state;
    const offset = this.position;
    switch (state.kind) {
      case 'ended':
        return undefined;
      case 'body': {
        const got = state.entry.size - state.remaining;
        return new FormatError(
          'TAR_TRUNCATED',
          `stream truncated at offset ${offset} inside member ${state.entry.name} ` +
            `(${got} of ${state.entry.size} bytes)`,
          { offset, member: state.entry.name },
        );
      }
      case 'padding':
        return new FormatError(
          'TAR_TRUNCATED',
          `stream truncated at offset ${offset} in the padding after member ${state.entry.name}`,
          { offset, member: state.entry.name },
        );
      case 'header': {
        if (this.partialLength > 0) {
          return new FormatError(
            'TAR_TRUNCATED',
            `stream truncated at offset ${offset} inside a tar header (${this.partialLength} of 512 bytes)`,
            { offset },
          );
        }
        const what = this.zeroBlockAt === undefined ? 'the end-of-archive blocks are missing' : 'only one of the two end-of-archive blocks is present';
        return new FormatError('TAR_TRUNCATED', `stream truncated at offset ${offset}: ${what}`, { offset });
      }
    }
  }
}
