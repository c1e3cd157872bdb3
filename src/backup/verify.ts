/**
 * Checks an export while it streams to disk, with no second read of the file (a 2 TB backup
 * cannot be read twice in a night): the XVA's tar structure and every chunk checksum, the
 * VHD's footer, header, BAT and checksums, a gzip or zstd stream's integrity (decompressed on
 * the side and checked as an XVA), a raw disk's length, a pool dump's XML. A failed check fails
 * the backup.
 */
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { StringDecoder } from 'node:string_decoder';
import sax from 'sax';
import { VmbackupError } from '../errors.js';
import { VhdParser, XvaParser, zstdDecompressStream } from '../formats/index.js';

export interface Verifier {
  /** What is being checked, for messages: "XVA", "zstd XVA", "VHD"... */
  readonly what: string;
  /** Must not keep `chunk` (or views of it) once it returns or its promise settles: the buffer is reused. */
  feed(chunk: Buffer): void | Promise<void>;
  /** Throws when the stream was incomplete or wrong. */
  end(): Promise<void>;
}

function failed(what: string, err: unknown): VmbackupError {
  const message = err instanceof Error ? err.message : String(err);
  return new VmbackupError('VERIFY_FAILED', `the ${what} stream is damaged: ${message}`, 'run the backup again; if it keeps failing, check the VM disk on the pool');
}

/** A plain XVA: tar structure and every .xxhash / .checksum member. */
export function xvaVerifier(): Verifier {
  const parser = new XvaParser({ requireChecksums: true, keepData: false });
  return {
    what: 'XVA',
    feed(chunk) {
      try {
        parser.feed(chunk);
      } catch (err) {
        throw failed('XVA', err);
      }
    },
    async end() {
      try {
        parser.end();
      } catch (err) {
        throw failed('XVA', err);
      }
    },
  };
}

/**
 * A compressed XVA: decompressed on the side (gzip in-process, zstd by the zstd program) and
 * checked as an XVA. Backpressure from the decompressor slows the download rather than
 * buffering it in memory.
 */
export function compressedXvaVerifier(kind: 'gzip' | 'zstd'): Verifier {
  const inner = xvaVerifier();
  const what = `${kind} XVA`;
  const stream: Duplex = kind === 'gzip' ? createGunzip() : zstdDecompressStream();
  let error: unknown;
  stream.on('data', (data: Buffer) => {
    if (error) return;
    try {
      void inner.feed(data);
    } catch (err) {
      error = err;
    }
  });
  stream.on('error', (err) => (error ??= failed(what, err)));
  const ended = once(stream, 'end').catch(() => undefined);
  return {
    what,
    async feed(chunk) {
      if (error) throw error;
      // The decompressor keeps what it is given until it gets to it; the caller's buffer is
      // reused, so it gets a copy. once() settles on 'error' too, and leaves no listener behind.
      if (!stream.write(Buffer.from(chunk))) await once(stream, 'drain').catch(() => undefined);
      if (error) throw error;
    },
    async end() {
      stream.end();
      await ended;
      if (error) throw error;
      await inner.end();
    },
  };
}

export function vhdVerifier(): Verifier {
  const parser = new VhdParser({ keepData: false });
  return {
    what: 'VHD',
    feed(chunk) {
      try {
        parser.feed(chunk);
      } catch (err) {
        throw failed('VHD', err);
      }
    },
    async end() {
      try {
        parser.end();
      } catch (err) {
        throw failed('VHD', err);
      }
    },
  };
}

/** A raw disk has no structure to check; its length must be the disk's size. */
export function rawVerifier(size: number): Verifier {
  let total = 0;
  return {
    what: 'raw disk',
    feed(chunk) {
      total += chunk.length;
    },
    async end() {
      if (total !== size) throw failed('raw disk', new Error(`${total} bytes received, the disk has ${size}`));
    },
  };
}

/** A pool database dump must be well-formed XML with a <database> root. */
export function xmlDumpVerifier(): Verifier {
  const parser = sax.parser(true);
  // A UTF-8 character may straddle two network chunks.
  const text = new StringDecoder('utf8');
  let root: string | undefined;
  let error: unknown;
  parser.onerror = (err) => {
    error ??= err;
    parser.resume();
  };
  parser.onopentag = (node) => (root ??= node.name);
  return {
    what: 'pool database dump',
    feed(chunk) {
      parser.write(text.write(chunk));
      if (error) throw failed('pool database dump', error);
    },
    async end() {
      parser.write(text.end());
      parser.close();
      if (error) throw failed('pool database dump', error);
      if (root !== 'database') throw failed('pool database dump', new Error(`root element is ${root ?? 'missing'}, not <database>`));
    },
  };
}

/** Which verifier a transfer needs, as data: it is built where the bytes arrive (a worker thread). */
export type VerifierSpec =
  | { kind: 'xva' }
  | { kind: 'compressed-xva'; compression: 'gzip' | 'zstd' }
  | { kind: 'vhd' }
  | { kind: 'raw'; size: number }
  | { kind: 'xml-dump' };

export function verifierFor(spec: VerifierSpec): Verifier {
  switch (spec.kind) {
    case 'xva':
      return xvaVerifier();
    case 'compressed-xva':
      return compressedXvaVerifier(spec.compression);
    case 'vhd':
      return vhdVerifier();
    case 'raw':
      return rawVerifier(spec.size);
    case 'xml-dump':
      return xmlDumpVerifier();
  }
}
