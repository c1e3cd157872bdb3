/**
 * One VM, start to end, in the old script's order where it was right:
 * remove the previous unsuccessful folder → sweep our leftover snapshots → pre_clean →
 * check free space → new dated folder → snapshot → export (verified, temp name, task result,
 * fsync, rename) → metadata → `success` marker last → remove the snapshot → retention.
 * Whatever fails, our snapshot is removed and a folder without its marker is deleted: nothing
 * partial is ever left looking like a backup, and no good backup is touched.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { VmbackupError } from '../errors.js';
import { poolError } from '../xapi/errors.js';
import type { VmInfo } from '../xapi/records.js';
import type { RunContext } from './context.js';
import { type FileSums, SUMS_FILE, sumsRecord } from './content-sums.js';
import { downloadToFile } from './download.js';
import type { Phase, PlannedVm, VmResult } from './events.js';
import { prepareDeltaExport } from './delta-export.js';
import { dropBackup, resumeInterruptedMerge } from './delta-retention.js';
import { type ExportPart, plannedFormat, prepareVdiExport, prepareVmExport, type PreparedExport } from './exports.js';
import { writeSmallFile } from './finalize.js';
import { fileSystemError } from './fs-errors.js';
import { checkRoom, freeBytes } from './free-space.js';
import { backupFolderName, insideBackupDir } from './layout.js';
import { metadataFiles } from './metadata.js';
import { afterSuccess, foreignFolderWarnings, type ListingEntry, preClean, readListing, removeFolder, unsuccessfulToRemove } from './retention.js';
import { sweepLeftovers } from './sweep.js';
import { existingVmFolder } from './vm-folder.js';

/** Relative to backup_dir, "/"-separated, for reports and logs. */
function rel(ctx: RunContext, path: string): string {
  return path.slice(ctx.backupDir.length).replace(/^\/+/, '');
}

export async function backupVm(ctx: RunContext, planned: PlannedVm): Promise<VmResult> {
  const started = Date.now();
  const result: VmResult = {
    name: planned.name,
    uuid: planned.uuid,
    mode: planned.mode,
    // Cancelled or failed before its export started, it is still reported as planned.
    format: plannedFormat(planned.mode, ctx.settings),
    status: 'failed',
    folder: null,
    files: [],
    bytes: 0,
    elapsedMs: 0,
    rateMBps: 0,
    warnings: [],
    deleted: [],
  };
  const log = (message: string) => ctx.emit({ type: 'log', vm: planned.name, message });
  const warn = (message: string) => {
    result.warnings.push(message);
    ctx.emit({ type: 'warning', vm: planned.name, message });
  };
  let phase: Phase = 'sweep';
  const enter = (p: Phase) => {
    phase = p;
    ctx.emit({ type: 'phase', vm: planned.name, phase: p });
  };
  let prepared: PreparedExport | null = null;
  let folder: string | null = null;
  let marked = false;

  try {
    // A pool that went away during an earlier VM fails this one at once, before any folder.
    ctx.conn.link.throwIfLost(`${planned.mode} of ${planned.name}`);
    const vm: VmInfo | null = ctx.conn.vm(ctx.conn.vms().find((v) => v.uuid === planned.uuid)?.ref ?? '');
    if (!vm) throw new VmbackupError('VM_NOT_FOUND', `${planned.name} (${planned.uuid}) is no longer in the pool`, 'check the VM list');
    const base = await existingVmFolder(ctx.backupDir, vm.name, ctx.ownNames);
    const vmDir = insideBackupDir(ctx.backupDir, base);
    await mkdir(vmDir, { recursive: true });
    log(`${planned.mode} - vm_name: ${vm.name} max_backups: ${planned.maxBackups}`);
    for (const w of planned.warnings ?? []) warn(w);

    // Retention reads whose each backup is (vm.cfg): another VM's of the same name is never touched.
    const listing = () => readListing(vmDir, vm.uuid);
    // A merge a kill interrupted is finished first: its parent folder has lost its marker and
    // must not be taken for this VM's unfinished backup below.
    const resumed = await resumeInterruptedMerge(ctx.backupDir, vmDir);
    if (resumed) log(resumed);
    const first = await listing();
    for (const w of foreignFolderWarnings(base, vm.name, first)) warn(w);
    for (const name of unsuccessfulToRemove(first)) {
      log(`Delete last **unsuccessful** backup ${join(vmDir, name)}`);
      await removeFolder(ctx.backupDir, join(vmDir, name));
    }

    enter('sweep');
    const swept = await sweepLeftovers(ctx.conn, vm, ctx.retry, log, planned.mode === 'delta');
    for (const line of swept.removed) log(`cleanup of a leftover from an earlier run: ${line}`);
    for (const line of swept.inUse) log(line);
    for (const line of swept.warnings) warn(line);

    if (ctx.settings.preClean) {
      for (const name of preClean(await listing(), planned.maxBackups)) {
        log(`pre_clean: Deleting oldest backup ${join(vmDir, name)}`);
        await drop(ctx, vmDir, name, result, log, warn);
      }
    }
    const room = checkRoom(await freeBytes(vmDir), planned.estimate, `${planned.mode} of ${vm.name}`);
    if (room) throw room;

    const folderName = await newBackupFolder(ctx, vmDir);
    folder = insideBackupDir(ctx.backupDir, base, folderName);
    result.folder = rel(ctx, folder);
    log(`new backup_dir: ${folder}`);

    enter('snapshot');
    prepared = await prepareExport(ctx, planned, vm, base, vmDir, first, warn);
    result.format = prepared.format;
    log(`snap-uuid: ${prepared.snapshotUuid}`);

    enter('export');
    const written = await exportFiles(ctx, planned, prepared, insideBackupDir(ctx.backupDir, base, folderName), result);
    enter('verify');
    log(`${planned.mode} success`);

    enter('metadata');
    const meta = metadataFiles(vm);
    for (const w of meta.warnings) warn(w);
    for (const file of meta.files) {
      const path = insideBackupDir(ctx.backupDir, base, folderName, ...file.path.split('/'));
      await mkdir(join(path, '..'), { recursive: true });
      await writeSmallFile(path, file.content);
      result.files.push(rel(ctx, path));
    }
    for (const path of (await prepared.writeMetadata?.(folder)) ?? []) result.files.push(rel(ctx, path));
    // What was written, for `vmbackup verify` to find bits that rot at rest (content-sums.ts).
    const sums = sumsRecord(Object.fromEntries(written.map((f) => [f.name, f.sums])));
    await writeSmallFile(join(folder, SUMS_FILE), `${JSON.stringify(sums)}\n`);
    result.files.push(rel(ctx, join(folder, SUMS_FILE)));
    await writeSmallFile(join(folder, 'success'), '');
    marked = true;
    for (const file of written) log(`*** success: ${file.path} : ${Math.floor(file.bytes / 2 ** 30)}G`);

    enter('cleanup');
    try {
      await (prepared.commit ? prepared.commit(folderName) : prepared.cleanup());
    } catch (err) {
      warn(snapshotLeft(prepared.snapshotUuid, err));
    }

    if (ctx.checkWritten) {
      enter('verify');
      const verdict = await ctx.checkWritten(folder, vm.name, ctx.signal);
      // Kept as it is, marker and all: a verify never deletes a backup. But it is not one to
      // count on, so no older backup makes room for it.
      if (!verdict.ok) throw new VmbackupError('VERIFY_FAILED', `read back from the disk after the backup (verify_after): ${verdict.detail}`, `the backup in ${result.folder} is kept and no older backup was deleted; check the disk that holds backup_dir (dmesg, SMART) and run \`vmbackup verify\` on it`);
      log(`verify_after: ${result.folder} read back from the disk: OK (${verdict.bytes} bytes)`);
    }

    enter('retention');
    for (const name of afterSuccess(await listing(), planned.maxBackups, folderName)) {
      log(`Deleting oldest backup ${join(vmDir, name)}`);
      await drop(ctx, vmDir, name, result, log, warn);
    }
    result.status = result.warnings.length > 0 ? 'warning' : 'success';
  } catch (err) {
    const doing = `${planned.mode} of ${planned.name}`;
    const error = ctx.signal.aborted ? new VmbackupError('INTERRUPTED', 'the run was interrupted', 'run it again') : (fileSystemError(err, doing) ?? poolError(err, doing));
    result.status = ctx.signal.aborted ? 'cancelled' : 'failed';
    result.error = { code: error.code, message: error.message, phase, ...(error.hint ? { hint: error.hint } : {}) };
  } finally {
    if (!marked) await abandon(ctx, prepared, folder, result, warn);
    result.elapsedMs = Date.now() - started;
    result.rateMBps = result.elapsedMs > 0 ? result.bytes / 1e6 / (result.elapsedMs / 1000) : 0;
  }
  return result;
}

/**
 * The export's files into `folder`, one after the other (several with vdi_disks=all), each
 * verified, checked against its task and renamed (download.ts). Bytes and the task's progress
 * add up over the whole VM, each file weighted by its estimate. Adds to `result` as it goes.
 */
async function exportFiles(ctx: RunContext, planned: PlannedVm, prepared: PreparedExport, folder: string, result: VmResult): Promise<{ path: string; name: string; bytes: number; sums: FileSums }[]> {
  const written: { path: string; name: string; bytes: number; sums: FileSums }[] = [];
  const weights = prepared.parts.map((p) => (prepared.parts.length === 1 ? 1 : Math.max(1, p.estimate)));
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  let weightBefore = 0;
  for (const [i, first] of prepared.parts.entries()) {
    const target = insideBackupDir(folder, first.fileName);
    if (prepared.parts.length > 1) ctx.emit({ type: 'log', vm: planned.name, message: `export of ${first.what} to ${first.fileName}` });
    const before = { bytes: result.bytes, weight: weightBefore };
    const once = async (part: ExportPart) => {
      const ticket = await part.start(ctx.signal);
      const stopProgress = ctx.conn.onTaskProgress(ticket.taskRef, (progress) =>
        ctx.emit({ type: 'task-progress', vm: planned.name, progress: (before.weight + progress * weights[i]!) / totalWeight }),
      );
      const identity = part.vhdIdentity?.();
      return downloadToFile({
        ticket,
        finalPath: target,
        verifier: part.verifier,
        sparse: part.sparse,
        signal: ctx.signal,
        onProgress: (done, rate) => ctx.emit({ type: 'bytes', vm: planned.name, done: before.bytes + done, estimate: planned.estimate, rate }),
        stallTimeoutS: ctx.settings.stallTimeoutS,
        onQuiet: (seconds) => ctx.emit({ type: 'log', vm: planned.name, message: `no data from the pool for ${seconds} s (the export is given up after ${ctx.settings.stallTimeoutS} s: stall_timeout)` }),
        ...(identity ? { vhdIdentity: identity } : {}),
      }).finally(stopProgress);
    };
    // A part may be tried once more in another way (a delta the pool refused, as a full).
    const { bytes, sums } = await once(first).catch((err: unknown) => {
      const instead = first.fallback?.(err);
      if (!instead) throw err;
      return once(instead);
    });
    result.bytes += bytes;
    weightBefore += weights[i]!;
    written.push({ path: target, name: first.fileName, bytes, sums });
    result.files.push(rel(ctx, target));
  }
  return written;
}

/** Retention's removal of one point; the oldest point of a delta chain is merged into its child. */
async function drop(ctx: RunContext, vmDir: string, name: string, result: VmResult, log: (m: string) => void, warn: (m: string) => void): Promise<void> {
  const dropped = await dropBackup(ctx.backupDir, vmDir, name);
  if (dropped.how === 'kept') return warn(`${name} is kept: ${dropped.why}`);
  if (dropped.how === 'merged') log(`merged ${name} into ${dropped.into} (the next point of its delta chain), then removed it`);
  result.deleted.push(rel(ctx, join(vmDir, name)));
}

/** Snapshot and transfers of the VM's mode (exports.ts, delta-export.ts). */
function prepareExport(ctx: RunContext, planned: PlannedVm, vm: VmInfo, base: string, vmDir: string, listing: ListingEntry[], warn: (m: string) => void): Promise<PreparedExport> {
  if (planned.mode === 'delta') return prepareDeltaExport(ctx, vm, base, vmDir, listing, warn);
  return planned.mode === 'vm-export' ? prepareVmExport(ctx, vm, base) : prepareVdiExport(ctx, vm, base);
}

/**
 * Creates the dated folder, never reusing one: names have one-second resolution, and a second
 * run within the same second must not write into (and on failure delete) a good backup.
 */
async function newBackupFolder(ctx: RunContext, vmDir: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const name = backupFolderName(ctx.now(), ctx.folderStyle);
    try {
      await mkdir(join(vmDir, name));
      return name;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw err;
      await sleep(1_000 - (ctx.now().getTime() % 1_000) + 10);
    }
  }
}

/** A snapshot we could not remove (the pool refused, or is gone): said, with what happens to it. */
function snapshotLeft(uuid: string, err: unknown): string {
  const e = poolError(err, 'removing it');
  const why = e.code === 'CONNECTION_LOST' ? 'the pool cannot be reached' : `removing it failed: ${e.message}`;
  return `the snapshot ${uuid} is left on the pool (${why}); it is tagged as ours, and the next run removes it`;
}

/** After a failure: our snapshot goes, the unmarked folder goes; both are logged if they fail. */
async function abandon(ctx: RunContext, prepared: PreparedExport | null, folder: string | null, result: VmResult, warn: (m: string) => void): Promise<void> {
  if (prepared) {
    try {
      await prepared.cleanup();
    } catch (err) {
      warn(snapshotLeft(prepared.snapshotUuid, err));
    }
  }
  if (folder) {
    await removeFolder(ctx.backupDir, folder).catch((err: unknown) => warn(`could not remove the unfinished folder ${folder}: ${String(err)}`));
    result.folder = null;
    result.files = [];
  }
}
