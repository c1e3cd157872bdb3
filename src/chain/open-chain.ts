/**
 * Opens the VHD files of one disk's delta chain, newest first (the point's own file, its
 * parent's, ... down to a full), and checks that they are one chain: the last dynamic, the
 * others differencing, each child's header parentUuid the next file's footer uuid, one block
 * size, sizes that only grow towards the newest (XAPI's VDI.resize only grows a disk; blocks
 * past an older file's end read as zeros), and, when the caller knows them from the records,
 * the uuids it expects. A chain that fails any of these would restore wrong bytes silently, so
 * every failure is CHAIN_BROKEN naming the file and both uuids.
 */
import { VmbackupError } from '../errors.js';
import { FormatError } from '../formats/errors.js';
import { VhdFile } from '../formats/vhd-file.js';
import { VHD_DISK_TYPE } from '../formats/vhd-structs.js';

export const CHAIN_BROKEN = 'CHAIN_BROKEN';
const HINT = 'run `vmbackup verify` on this VM\'s backups; the next backup of this VM will be a full';

export interface ChainExpectation {
  /** The file's footer uuid (the record's snapshotVdi). */
  readonly uuid?: string;
  /** The file's header parentUuid (the record's parentSnapshotVdi); null for a full. */
  readonly parentUuid?: string | null;
}

export interface OpenChainOptions {
  /** Per path (same order), what the records say the file holds; undefined entries are not checked. */
  readonly expect?: readonly (ChainExpectation | undefined)[];
}

export interface VhdChain {
  /** Newest first; the last is the full. */
  readonly files: readonly VhdFile[];
  /** The virtual size: the newest file's. */
  readonly size: number;
  readonly blockSize: number;
  /** The newest file's footer uuid: the snapshot VDI of the point. */
  readonly uuid: string;
  close(): Promise<void>;
}

export function chainBroken(path: string, message: string, hint = HINT): VmbackupError {
  return new VmbackupError(CHAIN_BROKEN, `${path}: ${message}`, hint);
}

export async function openChain(paths: readonly string[], options: OpenChainOptions = {}): Promise<VhdChain> {
  if (paths.length === 0) throw new RangeError('openChain needs at least one file');
  const files: VhdFile[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.allSettled(files.map((file) => file.close()));
  };
  try {
    for (const path of paths) files.push(await openLink(path));
    checkLinks(files, options.expect ?? []);
  } catch (err) {
    await closeAll();
    throw err;
  }
  const newest = files[0]!;
  return { files, size: newest.currentSize, blockSize: newest.blockSize, uuid: newest.uuid, close: closeAll };
}

async function openLink(path: string): Promise<VhdFile> {
  try {
    return await VhdFile.open(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw chainBroken(path, 'the file is missing');
    if (err instanceof FormatError) throw withCause(chainBroken(path, `not a readable VHD (${err.code}): ${stripPath(err.message, path)}`), err);
    if (typeof code === 'string') throw withCause(chainBroken(path, `cannot be read (${code}): ${(err as Error).message}`, 'check the backup disk and its permissions'), err);
    throw err;
  }
}

function checkLinks(files: readonly VhdFile[], expect: readonly (ChainExpectation | undefined)[]): void {
  const last = files.length - 1;
  for (const [i, file] of files.entries()) {
    const wanted = i === last ? VHD_DISK_TYPE.dynamic : VHD_DISK_TYPE.differencing;
    if (file.diskType !== wanted) {
      const role = i === last ? 'the oldest file of the chain, must be a full (dynamic VHD, type 3)' : 'has a parent in the chain, so it must be a differencing VHD (type 4)';
      throw chainBroken(file.path, `disk type is ${file.diskType}, but this file ${role}`);
    }
    const expected = expect[i];
    if (expected?.uuid !== undefined && !sameUuid(expected.uuid, file.uuid)) {
      throw chainBroken(file.path, `its footer uuid is ${file.uuid}, but the backup record expects ${expected.uuid.toLowerCase()}`);
    }
    if (expected?.parentUuid !== undefined) {
      const found = file.parentUuid;
      const ok = expected.parentUuid === null ? found === null : found !== null && sameUuid(expected.parentUuid, found);
      if (!ok) throw chainBroken(file.path, `its parent uuid is ${found ?? 'none (a full)'}, but the backup record expects ${expected.parentUuid?.toLowerCase() ?? 'none (a full)'}`);
    }
    if (i === last) continue;
    const parent = files[i + 1]!;
    if (file.parentUuid !== parent.uuid) {
      throw chainBroken(file.path, `its parent uuid is ${file.parentUuid}, but the next file of the chain, ${parent.path}, has uuid ${parent.uuid}`);
    }
    if (file.blockSize !== parent.blockSize) {
      throw chainBroken(file.path, `block size ${file.blockSize} differs from ${parent.blockSize} in its parent ${parent.path}`);
    }
    if (file.currentSize < parent.currentSize) {
      throw chainBroken(file.path, `virtual size ${file.currentSize} is smaller than its parent's (${parent.path}: ${parent.currentSize}); a disk only grows`);
    }
  }
}

function sameUuid(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** FormatErrors of VhdFile already start with the path; the chain error names it once. */
function stripPath(message: string, path: string): string {
  return message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
}

function withCause<E extends Error>(error: E, cause: unknown): E {
  (error as { cause?: unknown }).cause = cause;
  return error;
}
