/**
 * A verify's progress screen model: VerifyEvents (src/verify/types.ts) folded into one view:
 * the bytes read of all the backups against their total, the rate, the backups being read now,
 * and the verdicts so far. As restore-progress.ts, `apply` only mutates and counts a version;
 * the screen copies a view at most 10 times a second (hooks/use-verify-run.ts).
 *
 * The total starts as the catalog's size of each backup (every file of its dated folder: what a
 * verify reads, near enough) and becomes the engine's own `totalBytes` for each backup it starts,
 * so the bar is right from the first frame and exact once every backup has begun.
 */
import type { BackupVerdict, VerifyEvent, VerifyTarget } from '../../verify/types.js';

export interface VerifyRunning {
  vm: string;
  folder: string;
  done: number;
  total: number;
  rate: number;
}

export interface VerifyView {
  targets: number;
  /** Backups with a verdict. */
  checked: number;
  ok: number;
  failed: number;
  /** Bytes read of every backup so far, and the total (estimated until each backup started). */
  done: number;
  total: number;
  /** Bytes per second of the backups being read (their sum). */
  rate: number;
  fraction: number;
  etaSeconds: number | null;
  running: VerifyRunning[];
  /** In the order they came. */
  verdicts: BackupVerdict[];
}

/** Does a folder as the engine names it (relative to backup_dir, or absolute) name this path? */
export function sameFolder(path: string, folder: string): boolean {
  return path === folder || path.endsWith(`/${folder}`);
}

/** A finding in the words of `vmbackup verify`'s FAILED lines (file: layer member at byte N: reason). */
export { findingText } from '../../verify/finding.js';

interface Slot {
  target: VerifyTarget;
  /** The engine's total once the backup started, else the catalog's size. */
  total: number;
  done: number;
  rate: number;
  state: 'waiting' | 'running' | 'done';
  folder: string | null;
}

export class VerifyTracker {
  version = 0;
  private readonly slots: Slot[];
  private readonly verdicts: BackupVerdict[] = [];

  constructor(targets: readonly VerifyTarget[]) {
    this.slots = targets.map((target) => ({ target, total: target.backup.bytes, done: 0, rate: 0, state: 'waiting', folder: null }));
  }

  /** The target an event names: by folder, else (an engine that names folders another way) the first one waiting. */
  private slot(vm: string, folder: string, from: Slot['state'][]): Slot | undefined {
    const open = this.slots.filter((s) => from.includes(s.state));
    return open.find((s) => s.folder === folder) ?? open.find((s) => s.target.vm === vm && sameFolder(s.target.backup.path, folder)) ?? open.find((s) => sameFolder(s.target.backup.path, folder)) ?? open.find((s) => s.state === 'waiting');
  }

  apply(event: VerifyEvent): void {
    switch (event.type) {
      case 'backup-start': {
        const s = this.slot(event.vm, event.folder, ['waiting']);
        if (s) Object.assign(s, { state: 'running', folder: event.folder, total: event.totalBytes, done: 0, rate: 0 });
        break;
      }
      case 'bytes': {
        const s = this.slot(event.vm, event.folder, ['running', 'waiting']);
        if (s) Object.assign(s, { state: 'running', folder: event.folder, done: event.done, total: Math.max(event.total, event.done), rate: event.rate });
        break;
      }
      case 'backup-done': {
        const v = event.verdict;
        const s = this.slot(v.vm, v.folder, ['running', 'waiting']);
        // A backup cut short (a missing file) read less than its total: it counts as read.
        if (s) Object.assign(s, { state: 'done', folder: v.folder, done: Math.max(v.bytes, s.done), total: Math.max(v.bytes, s.done), rate: 0 });
        this.verdicts.push(v);
        break;
      }
    }
    this.version++;
  }

  view(): VerifyView {
    let done = 0;
    let total = 0;
    let rate = 0;
    const running: VerifyRunning[] = [];
    for (const s of this.slots) {
      done += Math.min(s.done, s.total);
      total += s.total;
      if (s.state !== 'running') continue;
      rate += s.rate;
      running.push({ vm: s.target.vm, folder: s.folder ?? s.target.backup.folder, done: s.done, total: s.total, rate: s.rate });
    }
    const ok = this.verdicts.filter((v) => v.ok).length;
    const checked = this.verdicts.length;
    const all = checked >= this.slots.length && this.slots.length > 0;
    const fraction = all ? 1 : total > 0 ? Math.min(1, done / total) : 0;
    const etaSeconds = rate > 0 && total > done && !all ? (total - done) / rate : null;
    return { targets: this.slots.length, checked, ok, failed: checked - ok, done, total, rate, fraction, etaSeconds, running, verdicts: [...this.verdicts] };
  }
}
