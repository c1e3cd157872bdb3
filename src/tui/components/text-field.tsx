/**
 * A one-line text field: the pool URL, the user, a password, the cfg path. It edits with the
 * same pure line editor as the filter (state/line-edit.ts), so a paste, keys typed faster than
 * Ink reads them and Backspace held down each count (ink-text-input took a chunk of two
 * Backspaces as text: two DEL characters in the field). Enter submits what the field holds.
 */
import { Text } from 'ink';
import { useKeys, useLiveState } from '../hooks/use-keys.js';
import { useTerminalSize } from '../hooks/use-terminal.js';
import { editLine, lineAtEnd, type LineEdit, visibleLine } from '../state/line-edit.js';

export interface TextFieldProps {
  /** What the field holds when it appears. */
  initial?: string;
  /** Shown dimmed while the field is empty. */
  placeholder?: string;
  /** Draw every character as `*` (passwords). */
  masked?: boolean;
  /** Columns for the text; default: what is left of the line after a short label. */
  width?: number;
  isActive?: boolean;
  onChange?(text: string): void;
  onSubmit(text: string): void;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The edit with each grapheme drawn as `*`, the cursor on the same grapheme. */
function maskedEdit(edit: LineEdit): LineEdit {
  let before = 0;
  let all = 0;
  for (const { index } of graphemes.segment(edit.text)) {
    if (index < edit.cursor) before++;
    all++;
  }
  return { text: '*'.repeat(all), cursor: before };
}

export function TextField(props: TextFieldProps) {
  const { columns } = useTerminalSize();
  const [edit, setEdit, live] = useLiveState<LineEdit>(() => lineAtEnd(props.initial ?? ''));
  useKeys(
    (press) => {
      if (press.key.return) return props.onSubmit(live.current.text);
      const next = editLine(live.current, press);
      if (next === null) return;
      const changed = next.text !== live.current.text;
      setEdit(next);
      if (changed) props.onChange?.(next.text);
    },
    { isActive: props.isActive ?? true },
  );

  const active = props.isActive ?? true;
  if (edit.text === '' && props.placeholder) {
    return (
      <Text>
        {active ? <Text inverse> </Text> : null}
        <Text dimColor>{props.placeholder}</Text>
      </Text>
    );
  }
  const shown = props.masked ? maskedEdit(edit) : edit;
  const { before, at, after } = visibleLine(shown, props.width ?? Math.max(10, columns - 24));
  return (
    <Text>
      {before}
      {active ? <Text inverse>{at}</Text> : at}
      {after}
    </Text>
  );
}
