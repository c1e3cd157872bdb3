/**
 * The windowed VM list: a header and only the rows inside the window, one <Text> each, so the
 * cost of a frame depends on the terminal's height, not on the pool's size.
 */
import { Box, Text } from 'ink';
import { memo } from 'react';
import type { SelectState } from '../state/selection.js';
import { windowRange } from '../state/window.js';
import { headerLine, rowLine } from './vm-columns.js';

export interface VmListProps {
  state: SelectState;
  columns: number;
  now: Date;
}

function VmListView({ state, columns, now }: VmListProps) {
  const { start, end } = windowRange(state.win, state.visible.length);
  const lines = [];
  for (let i = start; i < end; i++) {
    const index = state.visible[i]!;
    const choice = state.choices[index]!;
    const cursor = i === state.win.cursor;
    const text = rowLine(state.rows[index]!, choice, { columns, cursor, defaultKeep: state.defaultKeep, now });
    lines.push(
      <Text key={index} inverse={cursor} color={choice.excluded ? 'red' : choice.selected ? 'green' : undefined} dimColor={choice.excluded && !cursor} wrap="truncate">
        {text}
      </Text>,
    );
  }
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        {headerLine(columns)}
      </Text>
      {lines.length > 0 ? lines : <Text dimColor>{state.rows.length === 0 ? '  The pool has no VMs to back up.' : '  No VM matches the filter.'}</Text>}
      {/* Keep the height constant so the bars below do not jump while filtering. */}
      {Array.from({ length: Math.max(0, state.win.pageSize - Math.max(1, lines.length)) }, (_, i) => (
        <Text key={`pad-${i}`}> </Text>
      ))}
    </Box>
  );
}

export const VmList = memo(VmListView);
