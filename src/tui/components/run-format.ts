/** Numbers as the run and summary screens show them, each in a fixed width for aligned columns. */
import { humanBytes } from '../../backup/free-space.js';

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
