/**
 * One export file at rest: its format through its streaming verifier (the tar structure and
 * every chunk checksum of an XVA, the gzip CRC or zstd frames around it, a VHD's footer, header,
 * BAT and block layout, a raw disk's length), a VHD's virtual size against its vdi.cfg, and its
 * bytes against vmbackup-sums.json when the backup has one.
 */
import { open } from 'node:fs/promises';
import type { FileSums } from '../backup/content-sums.js';
import { type VerifierSpec, verifierFor } from '../backup/verify.js';
import { verifyFailure, whereOf } from '../backup/verify-failure.js';
import { parseVhdFooter, ZSTD_MISSING_MESSAGE } from '../formats/index.js';
import { readThrough } from './read-through.js';
import { changedRanges, vhdLayout, vhdPartsIn } from './sums-compare.js';
import type { VerifyFinding } from './types.js';

/** A finding before it knows its folder. */
export type FileFinding = Omit<VerifyFinding, 'folder'>;

export interface FileToCheck {
  /** Relative to the dated folder. */
  file: string;
  path: string;
  spec: VerifierSpec;
  /** A VHD's virtual size from its vdi.cfg, when known. */
  virtualSize?: number | null;
  /** What vmbackup-sums.json recorded for it, and the record's segment size. */
  sums?: { entry: FileSums; segmentBytes: number } | null;
}

export function fileProblem(file: string, reason: string): FileFinding {
  return { file, layer: 'file', member: null, offset: null, decompressed: false, reason };
}

function errText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'missing' : `cannot be read (${code ?? (err as Error).message})`;
}

/** The file's findings (empty: it is whole) and the bytes read. Throws only the signal's reason. */
export async function checkFile(f: FileToCheck, signal: AbortSignal, onBytes: (done: number) => void): Promise<{ findings: FileFinding[]; bytes: number }> {
  let handle;
  try {
    handle = await open(f.path, 'r');
  } catch (err) {
    return { findings: [fileProblem(f.file, errText(err))], bytes: 0 };
  }
  const findings: FileFinding[] = [];
  try {
    const size = (await handle.stat()).size;
    const sums = f.sums ?? null;
    if (sums && size !== sums.entry.bytes) {
      findings.push({ file: f.file, layer: 'content checksum', member: null, offset: Math.min(size, sums.entry.bytes), decompressed: false, reason: `the file holds ${size} bytes; ${sums.entry.bytes} were written` });
    }
    let footerSize: number | null = null;
    const verifier = verifierFor(f.spec);
    let read;
    try {
      read = await readThrough(handle, verifier, {
        segmentBytes: sums ? sums.segmentBytes : null,
        signal,
        onBytes,
        onFirst: (first) => {
          if (f.spec.kind !== 'vhd' || first.length < 512) return;
          try {
            footerSize = parseVhdFooter(first, 0, 'footer copy').currentSize;
          } catch {
            // The verifier says what is wrong with it.
          }
        },
      });
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      return { findings: [...findings, fileProblem(f.file, errText(err))], bytes: 0 };
    }
    if (read.refusal !== undefined) findings.unshift(refusalFinding(f.file, read.refusal, verifier.what));
    if (footerSize !== null && f.virtualSize != null && footerSize !== f.virtualSize) {
      findings.push({ file: f.file, layer: 'VHD footer', member: null, offset: 0, decompressed: false, reason: `the disk size in the footer is ${footerSize} bytes; vdi.cfg says ${f.virtualSize}` });
    }
    if (sums && read.segments) {
      const ranges = changedRanges(read.segments, size, sums.entry, sums.segmentBytes);
      const layout = ranges.length > 0 && f.spec.kind === 'vhd' ? await vhdLayout(handle, size) : null;
      for (const r of ranges) {
        const parts = layout ? vhdPartsIn(layout, r.start, r.end) : '';
        findings.push({
          file: f.file,
          layer: 'content checksum',
          member: null,
          offset: r.start,
          decompressed: false,
          reason: `bytes ${r.start}-${r.end - 1}${parts ? ` (${parts})` : ''} differ from what was written (XXH64 ${r.read}, recorded ${r.recorded})`,
        });
      }
    }
    return { findings, bytes: read.bytes };
  } finally {
    await handle.close();
  }
}

/** A verifier's refusal as a finding; a missing zstd program is no damage of the file. */
function refusalFinding(file: string, refusal: unknown, what: string): FileFinding {
  const where = whereOf(refusal) ?? verifyFailure(what, refusal, 'tar').where;
  if (where.reason.includes(ZSTD_MISSING_MESSAGE)) return fileProblem(file, `cannot be checked: ${ZSTD_MISSING_MESSAGE}`);
  return { file, layer: where.layer, member: where.member, offset: where.offset, decompressed: where.decompressed, reason: where.reason };
}
