/**
 * Retention's drop of the oldest point P of a VM folder whose child C is a delta against it:
 * C's diff files are merged into P's full files in place, P's merged files take C's file names,
 * C's record says full, P's folder goes. Crash-safe through `.vmbackup-merge.json` (merge-state.ts):
 *
 *   (a) planDrop checks (reads only; a refusal changes nothing)
 *   (b) state 'merge', then P's `success` marker is deleted: P's bytes are about to become C's
 *   (c) each diff of C merged into P's file (merge.ts: re-runnable, C's file only read)
 *   (d) state 'rename': each merged file renamed onto C's diff (rename is atomic; a file still
 *       in P's folder is one not renamed yet)
 *   (e) state 'record': C's record rewritten (idempotent), then onFileReplaced for each file
 *   (f) state 'remove': P's folder removed, then the state file
 *
 * After a SIGKILL anywhere, resumeDrop finishes from the step the state file names, or rolls
 * back when P still has its `success` marker (nothing was written yet). Until then C's chain
 * P+C still restores C: a merge writes into P only blocks C overrides, and P's footer (its
 * identity) is the merge's last write. resumeDrop must run before anything else touches the VM
 * folder; isPendingMergeFolder tells the engine which folders to leave alone meanwhile.
 */
import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { VmbackupError } from '../errors.js';
import { VHD_DISK_TYPE } from '../formats/vhd-structs.js';
import { exists, mergedRecord, planDrop, readRecord, SUCCESS_MARKER } from './drop-plan.js';
import { mergeChildIntoParent, vhdIdentity } from './merge.js';
import {
  fsyncDir,
  killPoint,
  MERGE_STATE_FILE,
  readMergeState,
  removeMergeState,
  writeMergeState,
  writeWhole,
  type MergeState,
} from './merge-state.js';
import { DELTA_RECORD_FILE, formatDeltaRecord } from './record.js';

export { isPendingMergeFolder, pendingMergeFolders, MERGE_STATE_FILE } from './merge-state.js';
export { planDrop } from './drop-plan.js';

export interface DropDeps {
  /** The engine's safe remover of a dated folder (P's, at the end). */
  removeFolder(path: string): Promise<void>;
  /**
   * `path` (in C's folder) is now P's merged file. `touched`: the byte ranges of P's file (whose
   * sums are still in `from.folder`'s vmbackup-sums.json under `from.file`) that the merge
   * wrote; null when a resumed merge cannot know them (re-hash the whole file). Called again
   * with the same arguments when a drop resumes after this step: it must be idempotent.
   */
  onFileReplaced(path: string, touched: Array<[number, number]> | null, from: { folder: string; file: string }): Promise<void>;
  /** Blocks in flight per merge; default 4. */
  concurrency?: number;
}

export interface DropResult {
  parent: string;
  child: string;
  /** Per merged disk: C's file name, blocks merged and bytes written (empty on a resume past 'merge'). */
  merged: Array<{ file: string; blocks: number; bytesWritten: number }>;
}

export type ResumeOutcome = { done: 'nothing' } | { done: 'rolled-back'; parent: string; child: string } | ({ done: 'finished' } & DropResult);

function pending(vmDir: string): VmbackupError {
  return new VmbackupError('MERGE_PENDING', `${vmDir} has an interrupted merge.`, 'run the next backup of this VM (it finishes the merge first); this is a bug if it comes from vmbackup itself');
}

/** Drops point `parent` (a folder name in `vmDir`) into its child `child`. */
export async function dropPoint(vmDir: string, parent: string, child: string, deps: DropDeps): Promise<DropResult> {
  if ((await readMergeState(vmDir)) !== null) throw pending(vmDir);
  const plan = await planDrop(vmDir, parent, child);
  const state: MergeState = { format: 'vmbackup-merge', version: 1, parent, child, step: 'merge', disks: plan.disks };
  await writeMergeState(vmDir, state);
  killPoint('state-merge');
  await unlink(join(vmDir, parent, SUCCESS_MARKER));
  await fsyncDir(join(vmDir, parent));
  killPoint('success-gone');
  return runFrom(vmDir, state, deps, false);
}

/** Finishes, or rolls back, the drop a state file in `vmDir` names. Run before anything else touches the folder. */
export async function resumeDrop(vmDir: string, deps: DropDeps): Promise<ResumeOutcome> {
  const state = await readMergeState(vmDir);
  if (state === null) {
    // A temp of a state never committed: nothing had started.
    await unlink(join(vmDir, `.${MERGE_STATE_FILE}.partial`)).catch(() => undefined);
    return { done: 'nothing' };
  }
  if (state.step === 'merge' && (await exists(join(vmDir, state.parent, SUCCESS_MARKER)))) {
    // Killed between the state file and the marker's deletion: not a byte was merged yet.
    await removeMergeState(vmDir);
    return { done: 'rolled-back', parent: state.parent, child: state.child };
  }
  return { done: 'finished', ...(await runFrom(vmDir, state, deps, true)) };
}

async function runFrom(vmDir: string, state: MergeState, deps: DropDeps, resumed: boolean): Promise<DropResult> {
  const parentDir = join(vmDir, state.parent);
  const childDir = join(vmDir, state.child);
  const merged: DropResult['merged'] = [];

  if (state.step === 'merge') {
    for (const disk of state.disks) {
      const r = await mergeChildIntoParent(join(parentDir, disk.parentFile), join(childDir, disk.childFile), {
        resume: resumed,
        ...(deps.concurrency === undefined ? {} : { concurrency: deps.concurrency }),
      });
      // A resumed merge wrote only part of what the killed one did: its ranges say too little.
      disk.touched = resumed ? null : r.touched;
      merged.push({ file: disk.childFile, blocks: r.blocks, bytesWritten: r.bytesWritten });
    }
    killPoint('merged');
    await advance(vmDir, state, 'rename');
  }

  if (state.step === 'rename') {
    for (const [i, disk] of state.disks.entries()) {
      const from = join(parentDir, disk.parentFile);
      const to = join(childDir, disk.childFile);
      // rename is atomic: the file is in P's folder (not renamed yet) or at C's path (renamed).
      const renamed = !(await exists(from));
      await expectMerged(renamed ? to : from, disk.childSnapshotVdi);
      if (!renamed) await rename(from, to);
      killPoint(`rename-${i + 1}`);
    }
    await fsyncDir(childDir);
    await fsyncDir(parentDir);
    await advance(vmDir, state, 'record');
  }

  if (state.step === 'record') {
    const record = mergedRecord(await readRecord(childDir), state.disks);
    await writeWhole(childDir, DELTA_RECORD_FILE, formatDeltaRecord(record));
    killPoint('record');
    for (const disk of state.disks) {
      await deps.onFileReplaced(join(childDir, disk.childFile), disk.touched ?? null, { folder: parentDir, file: disk.parentFile });
    }
    killPoint('replaced');
    await advance(vmDir, state, 'remove');
  }

  // step 'remove'
  if (await exists(parentDir)) await deps.removeFolder(parentDir);
  killPoint('removed');
  await removeMergeState(vmDir);
  return { parent: state.parent, child: state.child, merged };
}

async function advance(vmDir: string, state: MergeState, step: MergeState['step']): Promise<void> {
  state.step = step;
  await writeMergeState(vmDir, state);
  killPoint(`state-${step}`);
}

/** A check against bugs and hands: a file about to take (or holding) C's name is C's merged full. */
async function expectMerged(path: string, uuid: string): Promise<void> {
  const id = await vhdIdentity(path);
  if (id.diskType !== VHD_DISK_TYPE.dynamic || id.uuid !== uuid.toLowerCase()) {
    throw new VmbackupError(
      'MERGE_STATE_INVALID',
      `${path} should be a merged full VHD of ${uuid}, but is a disk of type ${id.diskType} with uuid ${id.uuid}.`,
      'the backup folder was changed while a merge was pending; check the VM\'s backups with `vmbackup verify` and keep the state file for a bug report',
    );
  }
}
