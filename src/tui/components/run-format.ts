/** Numbers as the run and summary screens show them, each in a fixed width for aligned columns. */
import type { BackupMode, RunSummary, VmResult } from '../../backup/events.js';
import { humanBytes } from '../../backup/free-space.js';
import { legacyTimestamp } from '../../report/legacy-console.js';

export function percent(fraction: number): string {
  return `${Math.floor(Math.min(1, Math.max(0, fraction)) * 100)}%`.padStart(4);
}

export function bytesText(bytes: number): string {
  return humanBytes(bytes).padStart(9);
}

/** Bytes per second as MB/s (10^6 bytes), the unit of the log and the JSON report. */
export function rateText(bytesPerSecond: number): string {
  return bytesPerSecond > 0 ? `${(bytesPerSecond / 1e6).toFixed(1)} MB/s`.padStart(10) : ''.padStart(10);
}

export function durationText(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** The TUI's one cut: terminal columns, … (~ on ASCII terminals); see text-fit.ts. */
export { fit } from './text-fit.js';

/** A backup's kind as the VM list names it (VDI raw, VDI vhd, XVA, delta), with an XVA's compression. */
export function formatLabel(mode: BackupMode, format: VmResult['format']): string {
  if (mode === 'vdi-export') return `VDI ${format}`;
  if (mode === 'delta') return 'delta';
  return format === 'xva.gz' ? 'XVA gz' : format === 'xva.zst' ? 'XVA zst' : 'XVA';
}

/** A report's ISO time on screen in local time, as the console log writes it. */
export function localTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : legacyTimestamp(d);
}

/**
 * How a run ended, in a few words: its status, or "cancelled" for an interrupted run (its
 * status says ERROR because the VMs not finished count as E, which reads as if something broke).
 * The counts stay as the status log and the JSON report have them, with what the E's are.
 */
export function verdict(summary: Pick<RunSummary, 'status' | 'interrupted' | 'counts' | 'vms'>): { word: string; counts: string; color: string } {
  const c = summary.counts;
  const counts = `S:${c.success} W:${c.warning} E:${c.error}`;
  if (summary.interrupted) {
    const cancelled = summary.vms.filter((v) => v.status === 'cancelled').length;
    const other = c.error - cancelled;
    const parts = [...(cancelled > 0 ? [`${cancelled} cancelled`] : []), ...(other > 0 ? [`${other} failed`] : [])];
    return { word: 'cancelled', counts: parts.length > 0 ? `${counts} (${parts.join(', ')})` : counts, color: 'yellow' };
  }
  return { word: summary.status, counts, color: summary.status === 'SUCCESS' ? 'green' : summary.status === 'WARNING' ? 'yellow' : 'red' };
}
