/**
 * A fixed-width text bar. Ink's own measuring bars need a sized parent; rows of a table want a
 * known width, so this one is plain characters.
 */
import { Text } from 'ink';
import { useTerminal } from '../hooks/use-terminal.js';

export function barText(fraction: number, width: number, ascii: boolean): string {
  const w = Math.max(1, width);
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const full = Math.floor(f * w);
  const [on, off] = ascii ? ['#', '-'] : ['█', '░'];
  return on.repeat(full) + off.repeat(w - full);
}

export function ProgressBar({ fraction, width, color }: { fraction: number; width: number; color?: string }) {
  const { ascii } = useTerminal();
  return <Text {...(color ? { color } : {})}>{barText(fraction, width, ascii)}</Text>;
}
