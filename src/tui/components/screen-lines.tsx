/**
 * Lines laid out before drawing (wrapped and cut by us, see wrap-lines.ts), drawn one <Text>
 * each so a window of N of them takes exactly N terminal lines.
 */
import { Box, Text } from 'ink';

export interface LinePart {
  text: string;
  color?: string;
  dim?: boolean;
  bold?: boolean;
}

export type ScreenLine = LinePart[];

export const plain = (text: string, style: Omit<LinePart, 'text'> = {}): ScreenLine => [{ text, ...style }];

export function ScreenLines({ lines }: { lines: readonly ScreenLine[] }) {
  return (
    <Box flexDirection="column">
      {lines.map((line, i) => (
        // Already cut to the width; "truncate" only guards against a miscount.
        <Text key={i} wrap="truncate-end">
          {line.every((p) => p.text === '') ? ' ' : line.map((p, j) => (
            <Text key={j} {...(p.color ? { color: p.color } : {})} dimColor={p.dim ?? false} bold={p.bold ?? false}>
              {p.text}
            </Text>
          ))}
        </Text>
      ))}
    </Box>
  );
}
