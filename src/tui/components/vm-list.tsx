/**
 * The windowed VM list: a header and only the rows inside the window, one <Text> each, so the
 * cost of a frame depends on the terminal's height, not on the pool's size.
 */
import { Box, Text } from 'ink';
import { memo } from 'react';
import { useTerminal } from '../hooks/use-terminal.js';
import type { SelectState } from '../state/selection.js';
import { windowRange } from '../state/window.js';
import { wrapToWidth } from './text-fit.js';
import { headerLine, rowParts } from './vm-columns.js';

export interface VmListProps {
  state: SelectState;
  columns: number;
  now: Date;
}

/** What the list area says when it has no row to show. */
export function emptyListText(state: SelectState): string {
  if (state.rows.length === 0) return 'The pool has no VMs to back up.';
  // The one place with room for the whole hint: a simple name matches one VM exactly.
  if (state.filter.kind === 'name') return `No VM is named exactly "${state.filter.selector}": a simple name is one exact VM, as in a cfg; add .* for a prefix.`;
  return 'No VM matches the filter.';
}

function VmListView({ state, columns, now }: VmListProps) {
  const { ascii } = useTerminal();
  const { start, end } = windowRange(state.win, state.visible.length);
  const lines = [];
  for (let i = start; i < end; i++) {
    const index = state.visible[i]!;
    const choice = state.choices[index]!;
    const cursor = i === state.win.cursor;
    const parts = rowParts(state.rows[index]!, choice, { columns, cursor, defaultKeep: state.defaultKeep, now, vdiDisks: state.vdiDisks, ascii });
    lines.push(
      <Text key={index} inverse={cursor} color={choice.excluded ? 'red' : choice.selected ? 'green' : undefined} dimColor={choice.excluded && !cursor} wrap="truncate">
        {parts.left}
        {parts.diskWarning ? <Text color="yellow">{parts.disks}</Text> : parts.disks}
        {parts.right}
      </Text>,
    );
  }
  if (lines.length === 0) {
    for (const [i, line] of wrapToWidth(emptyListText(state), columns - 2).slice(0, state.win.pageSize).entries()) {
      lines.push(
        <Text key={`empty-${i}`} dimColor>
          {'  '}
          {line}
        </Text>,
      );
    }
  }
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        {headerLine(columns, ascii)}
      </Text>
      {lines}
      {/* Keep the height constant so the bars below do not jump while filtering. */}
      {Array.from({ length: Math.max(0, state.win.pageSize - lines.length) }, (_, i) => (
        <Text key={`pad-${i}`}> </Text>
      ))}
    </Box>
  );
}

export const VmList = memo(VmListView);
