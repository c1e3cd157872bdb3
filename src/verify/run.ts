/**
 * Backups read at rest, `jobs` at a time: events while they are read, a verdict each, recorded
 * beside it (record.ts), and the summary `vmbackup verify` prints. A stop (the signal) ends the
 * reads in progress; their backups get no verdict and no record.
 */
import { stat } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { type ChainCheck, checkChain, linkBytesToRead, planChain } from './chain-check.js';
import { defaultReaders } from './threads.js';
import { writeVerifyRecord } from './record.js';
import { newRunShare, ownCheck, type RunShare } from './run-share.js';
import type { BackupVerdict, VerifyOptions, VerifySummary, VerifyTarget } from './types.js';

const BYTES_EVERY_MS = 250;

/** The folder as lines show it: relative to the backup_dir it is in, else absolute. */
function shownFolder(target: VerifyTarget, backupDir: string | undefined): string {
  const path = resolve(target.backup.path);
  for (const base of [target.backupDir, backupDir]) {
    if (base === undefined) continue;
    const rel = relative(resolve(base), path);
    if (rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep)) return rel.split(sep).join('/');
  }
  return path;
}

/** What will be read: the export files (the catalog's byte count is every file). */
async function totalBytesOf(target: VerifyTarget): Promise<number> {
  let n = 0;
  for (const f of target.files ?? target.backup.exportFiles) n += await stat(resolve(target.backup.path, f)).then((s) => s.size, () => 0);
  return n;
}

/**
 * One backup: read, judged, recorded (unless opts.record is false); a delta point with its chain
 * (chain-check.ts). `share`: what the backups of one run share (run-share.ts); alone, its own.
 * Throws only the signal's reason.
 */
export async function verifyOne(target: VerifyTarget, opts: Omit<VerifyOptions, 'jobs'>, share: RunShare = newRunShare([target])): Promise<BackupVerdict> {
  const folder = shownFolder(target, opts.backupDir);
  const started = Date.now();
  const plan = await planChain(target);
  const linkMode = opts.chainLinks ?? 'read';
  const total = await totalBytesOf(target) + (plan !== null && 'walk' in plan ? await linkBytesToRead(plan, share, linkMode) : 0);
  opts.onEvent({ type: 'backup-start', vm: target.vm, folder, totalBytes: total });
  let told = 0;
  const onBytes = (done: number) => {
    const now = Date.now();
    if (now - told < BYTES_EVERY_MS) return;
    told = now;
    opts.onEvent({ type: 'bytes', vm: target.vm, folder, done, total, rate: done / Math.max(0.001, (now - started) / 1000) });
  };
  const how = { deep: opts.deep === true, readers: opts.readers ?? defaultReaders() };
  const own = await ownCheck(share, target, opts.signal, onBytes, how);
  if (opts.signal.aborted) throw opts.signal.reason;
  const checked = { ...own.check, bytes: own.fresh ? own.check.bytes : 0 };
  let chain: ChainCheck | null = null;
  const notes = [...checked.notes];
  if (plan !== null && 'walk' in plan) {
    const before = checked.bytes;
    chain = await checkChain(target, plan, { share, signal: opts.signal, onBytes: (done) => onBytes(before + done), how, links: linkMode });
    if (opts.signal.aborted) throw opts.signal.reason;
    const { depth, links, linksChecked } = chain.facts;
    notes.push(depth === 0 ? 'delta point: all disks full' : `delta point, chain depth ${depth}: ${linkMode === 'read' ? `${linksChecked} earlier point${linksChecked === 1 ? '' : 's'} checked` : `${links.length} earlier point${links.length === 1 ? '' : 's'} by their records`}`);
  }
  const findings = [...checked.findings, ...(plan !== null && !('walk' in plan) ? [plan] : []), ...(chain?.findings ?? [])].map((f) => ({ folder, ...f }));
  // No record in a folder without its marker: a run may be writing it now, and a lone file has no folder of its own.
  const mayRecord = opts.record !== false && !target.lone && target.backup.status === 'success';
  const recordProblem = mayRecord ? await writeVerifyRecord(target.backup.path, findings, (opts.now ?? (() => new Date()))()) : null;
  const verdict: BackupVerdict = {
    vm: target.vm,
    folder,
    path: resolve(target.backup.path),
    ok: findings.length === 0,
    findings,
    bytes: checked.bytes + (chain?.bytes ?? 0),
    elapsedMs: Date.now() - started,
    recordProblem,
    notes,
    basis: checked.basis,
    recorded: mayRecord && recordProblem === null,
    ...(chain ? { chain: chain.facts } : {}),
  };
  opts.onEvent({ type: 'backup-done', verdict });
  return verdict;
}

/** Every target, `opts.jobs` at once; the verdicts in the targets' order. */
export async function verifyBackups(targets: readonly VerifyTarget[], opts: VerifyOptions): Promise<VerifySummary> {
  const started = Date.now();
  const verdicts: (BackupVerdict | undefined)[] = new Array(targets.length);
  let next = 0;
  const share = newRunShare(targets);
  const worker = async () => {
    while (next < targets.length && !opts.signal.aborted) {
      const i = next++;
      try {
        verdicts[i] = await verifyOne(targets[i]!, opts, share);
      } catch (err) {
        if (opts.signal.aborted) return;
        throw err;
      }
    }
  };
  const jobs = Math.max(1, Math.min(Math.floor(opts.jobs) || 1, targets.length || 1));
  await Promise.all(Array.from({ length: jobs }, worker));
  const done = verdicts.filter((v): v is BackupVerdict => v !== undefined);
  return {
    checked: done.length,
    ok: done.filter((v) => v.ok).length,
    failed: done.flatMap((v) => v.findings),
    bytes: done.reduce((n, v) => n + v.bytes, 0),
    elapsedMs: Date.now() - started,
    verdicts: done,
    cancelled: opts.signal.aborted && done.length < targets.length,
  };
}
