/**
 * A vertical menu: ↑/↓ (or k/j) move, Enter picks, a digit picks that line. Each key of a chunk
 * counts (`jj` typed fast moves two lines; ink-select-input compared the whole chunk to one key
 * and did nothing); a key after a pick goes to what the pick put on screen.
 */
import { Box, Text } from 'ink';
import { useKeys, useLiveState } from '../hooks/use-keys.js';
import { useTerminal } from '../hooks/use-terminal.js';

export interface MenuItem<T> {
  label: string;
  value: T;
  /** React key when labels repeat; default: the label. */
  key?: string;
}

export interface MenuProps<T> {
  items: readonly MenuItem<T>[];
  onSelect(item: MenuItem<T>): void;
  /** Lines shown at most; the window follows the highlighted item. */
  limit?: number;
  isActive?: boolean;
}

function roomOf(count: number, limit: number | undefined): number {
  return Math.max(1, Math.min(limit ?? count, count));
}

/** First item shown: the highlighted one stays on the last line once it is past the first window. */
function startOf(at: number, room: number, count: number): number {
  return Math.min(Math.max(0, at - room + 1), Math.max(0, count - room));
}

export function Menu<T>({ items, onSelect, limit, isActive = true }: MenuProps<T>) {
  const { ascii } = useTerminal();
  const [index, setIndex, live] = useLiveState(0);
  const count = items.length;
  useKeys(
    ({ input, key }) => {
      if (count === 0) return;
      const at = Math.min(live.current, count - 1);
      if (key.upArrow || (input === 'k' && !key.ctrl)) setIndex((at - 1 + count) % count);
      else if (key.downArrow || (input === 'j' && !key.ctrl)) setIndex((at + 1) % count);
      else if (key.home) setIndex(0);
      else if (key.end) setIndex(count - 1);
      else if (key.return || /^[1-9]$/.test(input)) {
        // A digit picks the n-th line shown, as it did with ink-select-input.
        const chosen = key.return ? at : startOf(at, roomOf(count, limit), count) + Number(input) - 1;
        if (chosen >= count) return;
        onSelect(items[chosen]!);
      }
    },
    { isActive },
  );

  const at = Math.min(index, Math.max(0, count - 1));
  const room = roomOf(count, limit);
  const start = startOf(at, room, count);
  return (
    <Box flexDirection="column">
      {items.slice(start, start + room).map((item, i) => {
        const selected = start + i === at;
        return (
          <Text key={item.key ?? item.label} color={selected ? 'blue' : undefined}>
            {selected ? (ascii ? '>' : '❯') : ' '} {item.label}
          </Text>
        );
      })}
    </Box>
  );
}
