import { VmbackupError } from '../errors.js';

/**
 * Malformed input in an archive or disk image: a bad tar header, a wrong checksum, a truncated
 * stream. The message always says where (member name, byte offset in the stream), because a
 * backup that fails verification must be diagnosable from the log line alone.
 *
 * It extends VmbackupError so that cli/ maps it like every other user-facing failure.
 */
export class FormatError extends VmbackupError {
  /** Byte offset in the (uncompressed) stream where the problem was detected, when known. */
  readonly offset: number | undefined;
  /** The tar member concerned, when there is one. */
  readonly member: string | undefined;

  constructor(code: string, message: string, where: { offset?: number; member?: string } = {}) {
    super(code, message, 'The file is damaged or is not in the expected format; export it again.');
    this.name = 'FormatError';
    this.offset = where.offset;
    this.member = where.member;
  }
}
