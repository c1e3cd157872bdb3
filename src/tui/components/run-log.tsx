/**
 * The run screen's log: the console log's lines of this run, wrapped to the screen (a failure's
 * message and its `fix:` line are read in full, not cut at the edge). Two sizes: the last few
 * lines under the VM rows, or the whole log in place of the rows, scrolled with the keys of
 * scroll.ts and following new lines while it is at the end.
 */
import { Box, Text } from 'ink';
import { useRef } from 'react';
import { fit } from './run-format.js';
import { positionText, windowAt } from './scroll.js';
import { wrapLines } from './wrap-lines.js';

/** Continuation lines start under the message, after `YYYY-MM-DD-(HH:MM:SS) - `. */
const CONTINUATION = '    ';

/**
 * Wraps log lines, remembering each line's wrap for the width: the log grows by a few lines a
 * frame and is redrawn ten times a second, so each line is measured once, not every frame.
 */
export function useWrappedLog(log: readonly string[], width: number): string[] {
  const cache = useRef<{ width: number; lines: Map<string, string[]> }>({ width, lines: new Map() });
  if (cache.current.width !== width || cache.current.lines.size > 4 * Math.max(1000, log.length)) cache.current = { width, lines: new Map() };
  const lines = cache.current.lines;
  const out: string[] = [];
  for (const line of log) {
    let wrapped = lines.get(line);
    if (!wrapped) {
      wrapped = wrapLines(line, width, CONTINUATION);
      lines.set(line, wrapped);
    }
    out.push(...wrapped);
  }
  return out;
}

export function LogTail({ lines, count }: { lines: readonly string[]; count: number }) {
  return (
    <Box flexDirection="column">
      <Text dimColor>log</Text>
      {lines.slice(-count).map((line, i) => (
        <Text key={i} wrap="truncate-end">
          {line || ' '}
        </Text>
      ))}
    </Box>
  );
}

/** The scrolled log: `top` is its first line, or null to follow the end. */
export function LogView(p: { lines: readonly string[]; height: number; top: number | null; dropped: number; width: number; ascii: boolean }) {
  const total = p.lines.length;
  const { from, to } = windowAt(p.top ?? total, p.height, total);
  const where = total > p.height ? positionText(from, to, total) : `${total} lines`;
  const older = p.dropped > 0 && from === 0 ? `, ${p.dropped} older lines only in the log file` : '';
  const arrows = p.ascii ? 'up/down' : '↑/↓';
  return (
    <Box flexDirection="column">
      <Text dimColor wrap="truncate-end">
        {fit(`log, ${where}${older}${p.top === null ? ' (following)' : ''}   ${arrows} PgUp/PgDn Home/End`, p.width - 1, p.ascii).trimEnd()}
      </Text>
      {p.lines.slice(from, to).map((line, i) => (
        <Text key={i} wrap="truncate-end">
          {line || ' '}
        </Text>
      ))}
    </Box>
  );
}
