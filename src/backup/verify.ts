/**
 * Checks an export while it streams to disk, with no second read of the file (a 2 TB backup
 * cannot be read twice in a night): the XVA's tar structure and every chunk checksum, the
 * VHD's footer, header, BAT and checksums, a gzip or zstd stream's integrity (decompressed on
 * the side and checked as an XVA), a raw disk's length, a pool dump's XML. A failed check fails
 * the backup.
 */
import type { Duplex } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { StringDecoder } from 'node:string_decoder';
import sax from 'sax';
import { VhdParser, XvaDiskCheck, XvaParser, zstdDecompressStream } from '../formats/index.js';
import { VerifyFailure, verifyFailure } from './verify-failure.js';

export interface Verifier {
  /** What is being checked, for messages: "XVA", "zstd XVA", "VHD"... */
  readonly what: string;
  /** Must not keep `chunk` (or views of it) once it returns or its promise settles: the buffer is reused. */
  feed(chunk: Buffer): void | Promise<void>;
  /** Throws when the stream was incomplete or wrong. */
  end(): Promise<void>;
  /**
   * Releases what the verifier holds (the zstd child process and its pipes) when the stream is
   * given up before end(): without it, a refused zstd XVA kept the process alive. Idempotent.
   */
  abort(): void;
}

const failed = (what: string, err: unknown, kind: string) => verifyFailure(`${what} stream`, err, kind);

/** A plain XVA: tar structure and every .xxhash / .checksum member. */
export function xvaVerifier(): Verifier {
  const parser = new XvaParser({ requireChecksums: true, keepData: false });
  const disks = new XvaDiskCheck();
  return {
    what: 'XVA',
    feed(chunk) {
      try {
        disks.take(parser.feed(chunk));
      } catch (err) {
        throw failed('XVA', err, 'tar');
      }
    },
    async end() {
      try {
        disks.take(parser.end());
      } catch (err) {
        throw failed('XVA', err, 'tar');
      }
    },
    abort: () => undefined,
  };
}

/**
 * A compressed XVA: decompressed on the side (gzip in-process, zstd by the zstd program) and
 * checked as an XVA. Backpressure from the decompressor slows the download rather than
 * buffering it in memory. A refusal by either side ends the decompressor at once: a zstd child
 * left waiting on its stdin kept the whole process alive after its reports.
 */
export function compressedXvaVerifier(kind: 'gzip' | 'zstd'): Verifier {
  const parser = new XvaParser({ requireChecksums: true, keepData: false });
  const disks = new XvaDiskCheck();
  const what = `${kind} XVA stream`;
  const stream: Duplex = kind === 'gzip' ? createGunzip() : zstdDecompressStream();
  let fed = 0;
  let error: unknown;
  const refuse = (err: unknown, layerKind: string, decompressed: boolean) => {
    error ??= verifyFailure(what, err, layerKind, { fedBytes: fed, decompressed });
    stream.destroy();
  };
  stream.on('data', (data: Buffer) => {
    if (error) return;
    try {
      disks.take(parser.feed(data));
    } catch (err) {
      refuse(err, 'tar', true);
    }
  });
  stream.on('error', (err) => {
    if (!error) refuse(err, kind, false);
  });
  // Settles on the end, an error or a destroy (once(stream, 'end') would wait for good after a destroy).
  const ended = finished(stream).catch(() => undefined);
  return {
    what,
    async feed(chunk) {
      if (error) throw error;
      // The decompressor keeps what it is given until it gets to it; the caller's buffer is
      // reused, so it gets a copy.
      fed += chunk.length;
      if (!stream.write(Buffer.from(chunk))) await drainedOrClosed(stream);
      if (error) throw error;
    },
    async end() {
      if (!error) {
        stream.end();
        await ended;
      }
      if (error) throw error;
      try {
        disks.take(parser.end());
      } catch (err) {
        refuse(err, 'tar', true);
        throw error;
      }
    },
    abort: () => void stream.destroy(),
  };
}

/** Resolves on 'drain' or 'close' (a destroyed stream never drains), leaving no listener. */
function drainedOrClosed(stream: Duplex): Promise<void> {
  if (stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

export function vhdVerifier(): Verifier {
  const parser = new VhdParser({ keepData: false });
  return {
    what: 'VHD',
    feed(chunk) {
      try {
        parser.feed(chunk);
      } catch (err) {
        throw failed('VHD', err, 'vhd');
      }
    },
    async end() {
      try {
        parser.end();
      } catch (err) {
        throw failed('VHD', err, 'vhd');
      }
    },
    abort: () => undefined,
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
      if (total !== size) {
        throw new VerifyFailure('raw disk stream', { layer: 'raw length', member: null, offset: total, decompressed: false, reason: `${total} bytes received, the disk has ${size}` });
      }
    },
    abort: () => undefined,
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
      if (error) throw failed('pool database dump', error, 'xml');
    },
    async end() {
      parser.write(text.end());
      parser.close();
      if (error) throw failed('pool database dump', error, 'xml');
      if (root !== 'database') throw failed('pool database dump', new Error(`root element is ${root ?? 'missing'}, not <database>`), 'xml');
    },
    abort: () => undefined,
  };
}

/** Which verifier a transfer needs, as data: it is built where the bytes arrive (a worker thread). */
export type VerifierSpec =
  | { kind: 'xva' }
  | { kind: 'compressed-xva'; compression: 'gzip' | 'zstd' }
  | { kind: 'vhd' }
  | { kind: 'raw'; size: number }
  | { kind: 'xml-dump' };

/** The verifier of a backup file by its format (a raw disk's by the disk's size): the one its export used. */
export function verifierSpecFor(format: 'xva' | 'xva.gz' | 'xva.zst' | 'vhd' | 'raw', rawSize: number): VerifierSpec {
  switch (format) {
    case 'xva':
      return { kind: 'xva' };
    case 'xva.gz':
      return { kind: 'compressed-xva', compression: 'gzip' };
    case 'xva.zst':
      return { kind: 'compressed-xva', compression: 'zstd' };
    case 'vhd':
      return { kind: 'vhd' };
    case 'raw':
      return { kind: 'raw', size: rawSize };
  }
}

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
