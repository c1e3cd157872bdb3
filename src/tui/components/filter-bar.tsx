/**
 * The lines under the list. First the filter line: closed, the filter in force and the counts;
 * open, the text being edited with its cursor and the live match count (the backup_dir line
 * takes its place while that is edited). Then the info lines: a question (y/n), a message, the
 * inline error of an invalid pattern with a caret under its column, or a hint. Info lines wrap
 * instead of being cut; the screen makes room for them (infoLines tells it how many).
 */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import stringWidth from 'string-width';
import { humanBytes } from '../../backup/free-space.js';
import { type LineEdit, visibleLine } from '../state/line-edit.js';
import { hiddenChosen, type SelectState } from '../state/selection.js';
import type { ScreenState } from '../state/screen.js';
import { clipToWidth, wrapToWidth } from './text-fit.js';

const FILTER_PROMPT = 'filter /';
const DIR_PROMPT = 'backup_dir: ';
/** More than this many lines of a message would push the list off a 24-line terminal. */
const MAX_INFO_LINES = 4;

export interface InfoLine {
  text: string;
  color?: 'red' | 'yellow' | 'cyan';
  bold?: boolean;
  dim?: boolean;
}

export const NAME_HINT = 'a simple name is one exact VM, as in a cfg; add .* for a prefix';

/** "4 of 10 VMs shown, 3 selected (1 hidden by the filter)". */
export function countsText(state: SelectState): string {
  const hidden = hiddenChosen(state);
  return `${state.visible.length} of ${state.rows.length} VMs shown, ${state.selectedCount} selected${hidden > 0 ? ` (${hidden} hidden by the filter)` : ''}`;
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** The code-unit index of a 1-based column counted in characters (code points), as pyre counts. */
function indexOfColumn(text: string, column: number): number {
  return Array.from(text).slice(0, Math.max(0, column - 1)).join('').length;
}

function errorLines(screen: ScreenState, edit: LineEdit, columns: number): InfoLine[] {
  const error = screen.select.filterError!;
  const view = visibleLine(edit, filterEditWidth(columns));
  const at = indexOfColumn(edit.text, error.column);
  // The caret goes under the character in terminal columns: 日 takes two, an accent none.
  const shownBefore = at >= view.skipped ? stringWidth(edit.text.slice(view.skipped, at)) : 0;
  const pad = FILTER_PROMPT.length + shownBefore;
  const text = `^ column ${error.column}: ${error.message}`;
  const wrapped = wrapToWidth(text, Math.max(20, columns - pad));
  return wrapped.map((line, i) => ({ text: (i === 0 ? ' '.repeat(pad) : ' '.repeat(pad + 2)) + line, color: 'red' as const }));
}

/** The info lines for this state, already wrapped to `columns`. */
export function infoLines(screen: ScreenState, columns: number, ascii: boolean): InfoLine[] {
  const { select, overlay } = screen;
  const wrapped = (text: string, style: Omit<InfoLine, 'text'>): InfoLine[] => {
    const lines = wrapToWidth(text, columns);
    if (lines.length > MAX_INFO_LINES) lines.splice(MAX_INFO_LINES - 1, Infinity, clipToWidth(lines.slice(MAX_INFO_LINES - 1).join(' '), columns, ascii));
    return lines.map((line) => ({ text: line, ...style }));
  };
  if (overlay.kind === 'confirm-run') {
    const hidden = overlay.hidden > 0 ? `; ${overlay.hidden} of them hidden by the filter` : '';
    return wrapped(`Back up ${plural(overlay.vms, 'VM')} (~${humanBytes(overlay.bytes)}${hidden}) now? y/n`, { color: 'yellow', bold: true });
  }
  if (overlay.kind === 'confirm-quit') return wrapped('The selection is not saved as a cfg. Quit without saving? y/n', { color: 'yellow', bold: true });
  if (screen.message !== null) return wrapped(screen.message, { color: 'yellow' });
  if (overlay.kind === 'filter') {
    if (select.filterError !== null) return errorLines(screen, overlay.edit, columns);
    if (select.filter.kind === 'name' && select.visible.length === 0) return wrapped(NAME_HINT, { color: 'yellow' });
    return wrapped("Python re.match on the name's bytes, as in a cfg; enter keeps, esc clears", { dim: true });
  }
  if (overlay.kind === 'backup-dir') return wrapped('enter keeps (and remembers) it, esc cancels; the folder must exist before a run', { dim: true });
  if (select.filter.kind === 'name') return wrapped(NAME_HINT, { dim: true });
  return [{ text: '' }];
}

/** Columns the filter text may take: the prompt before it, "  12345 match" after it. */
function filterEditWidth(columns: number): number {
  return Math.max(10, columns - FILTER_PROMPT.length - 14);
}

function EditedLine({ prompt, edit, width, children }: { prompt: string; edit: LineEdit; width: number; children?: ReactNode }) {
  const view = visibleLine(edit, width);
  return (
    <Text wrap="truncate">
      {prompt}
      {view.before}
      <Text inverse>{view.at}</Text>
      {view.after}
      {children}
    </Text>
  );
}

export interface FilterBarProps {
  screen: ScreenState;
  columns: number;
  ascii: boolean;
  /** infoLines(screen, columns, ascii), computed once by the screen for its layout. */
  info: readonly InfoLine[];
}

export function FilterBar({ screen, columns, ascii, info }: FilterBarProps) {
  const { select, overlay } = screen;
  let first: ReactNode;
  if (overlay.kind === 'filter') {
    const error = select.filterError;
    first = (
      <EditedLine prompt={FILTER_PROMPT} edit={overlay.edit} width={filterEditWidth(columns)}>
        <Text color={error ? 'red' : 'cyan'}>{error ? '  invalid' : `  ${select.visible.length} match`}</Text>
      </EditedLine>
    );
  } else if (overlay.kind === 'backup-dir') {
    first = <EditedLine prompt={DIR_PROMPT} edit={overlay.edit} width={columns - DIR_PROMPT.length - 1} />;
  } else {
    const filter = select.filterText === '' ? 'no filter' : `filter /${select.filterText}`;
    const counts = countsText(select);
    first = (
      <Text>
        {clipToWidth(filter, Math.max(12, columns - stringWidth(counts) - 2), ascii)}
        {'  '}
        <Text color="cyan">{counts}</Text>
      </Text>
    );
  }
  return (
    <Box flexDirection="column">
      {first}
      {info.map((line, i) => (
        <Text key={i} color={line.color} bold={line.bold} dimColor={line.dim}>
          {line.text === '' ? ' ' : line.text}
        </Text>
      ))}
    </Box>
  );
}
