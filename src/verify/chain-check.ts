/**
 * A delta point (a dated folder with vmbackup-delta.json) is only as good as its chain: restoring
 * it reads every earlier point down to the fulls. So beside its own files (check-backup.ts), its
 * chain is judged here: every link exists, has its `success` marker, has no failed last verify
 * (for a link this run does not verify again: a stale record is all there is), its files pass
 * the same checks as its own backup's (read once per run: run-share.ts), and per disk the VHD
 * files agree with the records (chain/open-chain.ts: types, parent uuids, block size, sizes).
 * A bad link is named as `chain: <folder>/<file> (link k of n): what is wrong`, counted from the
 * full (1) up to the point itself (n). Reads only.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { whereText } from '../backup/verify-failure.js';
import { readBackup } from '../catalog/resolve.js';
import { type ChainExpectation, openChain } from '../chain/open-chain.js';
import { DELTA_RECORD_FILE, type DeltaDisk, type DeltaRecord } from '../chain/record.js';
import { chainDepthOf, type ChainLink, type ChainWalk, readDeltaRecord, walkChain } from '../chain/walk.js';
import { VmbackupError } from '../errors.js';
import type { CheckHow } from './check-backup.js';
import { type FileFinding, fileProblem } from './check-file.js';
import { isShared, ownCheck, type RunShare } from './run-share.js';
import type { ChainFacts, VerifyTarget } from './types.js';

/** A point's chain as read from the records, before any file is read. */
export interface ChainPlan {
  vmDir: string;
  folder: string;
  record: DeltaRecord;
  walk: ChainWalk;
}

export interface ChainCheck {
  findings: FileFinding[];
  facts: ChainFacts;
  /** Bytes this call read (links already read in this run count where they were read). */
  bytes: number;
}

export interface ChainContext {
  share: RunShare;
  signal: AbortSignal;
  onBytes: (done: number) => void;
  how: CheckHow;
  links: 'read' | 'records';
}

/**
 * The point's record and its chain's walk; null when the folder is no delta point. A record
 * that cannot be read is a finding (the chain is unknown).
 */
export async function planChain(target: VerifyTarget): Promise<ChainPlan | FileFinding | null> {
  if (target.lone) return null;
  const path = resolve(target.backup.path);
  let record: DeltaRecord | null;
  try {
    record = await readDeltaRecord(path);
  } catch (err) {
    const message = (err as Error).message;
    const own = join(path, DELTA_RECORD_FILE);
    return fileProblem(DELTA_RECORD_FILE, message.startsWith(`${own}: `) ? message.slice(own.length + 2) : message);
  }
  if (record === null) return null;
  const vmDir = dirname(path);
  const folder = basename(path);
  return { vmDir, folder, record, walk: await walkChain(vmDir, folder) };
}

/** Bytes the links' files will add to this point's read (those not read yet in this run). */
export async function linkBytesToRead(plan: ChainPlan, share: RunShare, mode: 'read' | 'records'): Promise<number> {
  if (mode === 'records') return 0;
  let n = 0;
  for (const link of plan.walk.links.slice(1)) {
    const path = join(plan.vmDir, link.folder);
    if (isShared(share, path)) continue;
    for (const d of link.record.disks) n += await stat(join(path, d.file)).then((s) => s.size, () => 0);
  }
  return n;
}

function chainFinding(file: string, reason: string, link: { index: number; of: number | null } | null, offset: number | null = null): FileFinding {
  return { file, layer: 'chain', member: null, offset, decompressed: false, reason, ...(link ? { chainLink: link } : {}) };
}

/** A link's own finding as the reason of the point's: where in the link's file, and what. */
function linkReason(f: FileFinding, more: number): string {
  const tail = more > 0 ? ` (and ${more} more)` : '';
  return `${f.layer === 'file' && f.offset === null && f.member === null ? '' : `${whereText({ ...f, layer: f.layer === 'chain' ? 'file' : f.layer })}: `}${f.reason}${tail}`;
}

/** The chain's findings and facts. Throws only the signal's reason. */
export async function checkChain(target: VerifyTarget, plan: ChainPlan, ctx: ChainContext): Promise<ChainCheck> {
  const { walk, vmDir } = plan;
  const findings: FileFinding[] = [];
  const ancestors = walk.links.slice(1);
  // Counted from the full (1) to the point (n): the full is the one every point shares.
  const of = walk.ok ? walk.links.length : null;
  const linkNo = (j: number) => (of === null ? null : { index: of - j, of });
  let bytes = 0;
  let linksChecked = 0;

  if (!walk.ok && walk.folder !== plan.folder) {
    const child = walk.links[walk.links.length - 1];
    // The walk's reasons may hold absolute paths (a record that cannot be read): shown inside the VM folder.
    findings.push(chainFinding(walk.folder, `${walk.why.split(`${vmDir}/`).join('')}${child ? ` (the parent of ${child.folder})` : ''}`, null));
  }

  for (const [i, link] of ancestors.entries()) {
    const j = i + 1;
    const path = join(vmDir, link.folder);
    if (!link.hasSuccess) findings.push(chainFinding(link.folder, 'it is unfinished (no success marker): its backup did not finish', linkNo(j)));
    let readNow = false;
    if (ctx.links === 'read') {
      let backup;
      try {
        backup = await readBackup(path);
      } catch (err) {
        findings.push(chainFinding(link.folder, `cannot be read as a backup (${(err as Error).message})`, linkNo(j)));
        continue;
      }
      const before = bytes;
      const own = await ownCheck(ctx.share, { vm: target.vm, backup }, ctx.signal, (done) => ctx.onBytes(before + done), ctx.how);
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (own.fresh) bytes += own.check.bytes;
      linksChecked++;
      readNow = true;
      // A missing marker is said above.
      const bad = own.check.findings.filter((f) => f.file !== 'success');
      const first = bad[0];
      if (first) {
        const rest = bad.length - 1;
        findings.push(chainFinding(first.file === '' ? link.folder : `${link.folder}/${first.file}`, linkReason(first, rest), linkNo(j), first.offset));
      }
    }
    // A record this run rewrites says what this run found; an older one is all that is known of a link not read again.
    const verifiedNow = readNow && ctx.share.targets.has(resolve(path));
    if (link.verifyFailed && !verifiedNow) {
      const detail = link.verifyDetail;
      findings.push(chainFinding(link.folder, `its last \`vmbackup verify\` failed${detail ? ` (${detail})` : ''}; verify it again, or take a new full`, linkNo(j)));
    }
  }

  for (const disk of disksOf(target, plan.record)) findings.push(...(await checkDiskChain(disk, walk.links, vmDir, linkNo)));

  const facts: ChainFacts = { depth: chainDepthOf(walk.links), links: ancestors.map((l) => l.folder), linksChecked, ok: findings.length === 0 };
  return { findings: dedupe(findings), facts, bytes };
}

/** The point's disks, narrowed to the files a PATH named. */
function disksOf(target: VerifyTarget, record: DeltaRecord): DeltaDisk[] {
  return target.files === undefined ? record.disks : record.disks.filter((d) => target.files!.includes(d.file));
}

/** One disk's files, newest first, by the records; then opened as one chain with the records' uuids expected. */
async function checkDiskChain(disk: DeltaDisk, links: readonly ChainLink[], vmDir: string, linkNo: (j: number) => { index: number; of: number } | null): Promise<FileFinding[]> {
  const paths: string[] = [];
  const expect: ChainExpectation[] = [];
  const names: string[] = [];
  let current: DeltaDisk | undefined = disk;
  for (let j = 0; current; j++) {
    paths.push(join(vmDir, links[j]!.folder, current.file));
    names.push(`${links[j]!.folder}/${current.file}`);
    expect.push({ uuid: current.snapshotVdi, parentUuid: current.parentSnapshotVdi });
    if (current.kind === 'full') break;
    const parent = links[j + 1];
    // The walk broke here: that is already a finding.
    if (!parent) return [];
    const want: string | null = current.parentSnapshotVdi;
    const next: DeltaDisk | undefined = parent.record.disks.find((d) => d.vdi === current!.vdi);
    if (!next || next.snapshotVdi !== want) {
      const why = next
        ? `it holds snapshot ${next.snapshotVdi} of disk ${disk.key}, but ${names[names.length - 1]} is a difference against ${want ?? 'nothing'}`
        : `it has no file of disk ${disk.key} (VDI ${disk.vdi}), which ${names[names.length - 1]} is a difference against`;
      return [chainFinding(parent.folder, why, linkNo(j + 1))];
    }
    current = next;
  }
  try {
    const chain = await openChain(paths, { expect });
    await chain.close();
    return [];
  } catch (err) {
    if (!(err instanceof VmbackupError)) throw err;
    const at = paths.findIndex((p) => err.message.startsWith(`${p}: `));
    const name = at >= 0 ? names[at]! : disk.file;
    const message = at >= 0 ? err.message.slice(paths[at]!.length + 2) : err.message;
    return [chainFinding(name, message.split(`${vmDir}/`).join(''), at >= 0 ? linkNo(at) : null)];
  }
}

function dedupe(findings: FileFinding[]): FileFinding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.file}\0${f.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
