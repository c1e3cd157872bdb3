/**
 * The filter line under the list. Closed: the filter in force and the counts. Open: the text
 * input with the live match count; an invalid pattern is shown with a caret under its column
 * (the list keeps the last valid filter meanwhile).
 */
import { Box, Text } from 'ink';
import TextInput from 'ink-text-input';
import type { SelectState } from '../state/selection.js';

export interface FilterBarProps {
  state: SelectState;
  open: boolean;
  onChange(text: string): void;
  onSubmit(): void;
  /** A message to show instead of the counts (e.g. why saving was refused). */
  message: string | null;
}

const PROMPT = 'filter /';

function kindNote(state: SelectState): string {
  if (state.filter.kind === 'name') return ' (a simple name is one exact VM, as in a cfg; add .* for a prefix)';
  return '';
}

export function FilterBar({ state, open, onChange, onSubmit, message }: FilterBarProps) {
  const counts = `${state.visible.length} of ${state.rows.length} VMs shown, ${state.selectedCount} selected`;
  const error = state.filterError;
  return (
    <Box flexDirection="column">
      {open ? (
        <Box>
          <Text>{PROMPT}</Text>
          <TextInput value={state.filterText} onChange={onChange} onSubmit={onSubmit} />
          <Text color={error ? 'red' : 'cyan'}>{error ? '  invalid' : `  ${state.visible.length} match`}</Text>
        </Box>
      ) : (
        <Text wrap="truncate">
          {state.filterText === '' ? 'no filter' : `filter /${state.filterText}`}
          {'  '}
          <Text color="cyan">{counts}</Text>
        </Text>
      )}
      {message !== null ? (
        <Text color="yellow" wrap="truncate">
          {message}
        </Text>
      ) : error ? (
        <Text color="red" wrap="truncate">
          {' '.repeat(PROMPT.length + error.column - 1)}^ column {error.column}: {error.message}
        </Text>
      ) : (
        <Text dimColor wrap="truncate">
          {open ? `Python re.match on the name's bytes, as in a cfg; enter keeps, esc clears${kindNote(state)}` : kindNote(state).trim()}
        </Text>
      )}
    </Box>
  );
}
