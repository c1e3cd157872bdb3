/** A help screen's key table: a bold title, then one `keys  what they do` line each, never wrapped. */
import { Text } from 'ink';

export function KeyTable({ title, rows }: { title: string; rows: readonly (readonly [string, string])[] }) {
  return (
    <>
      <Text bold>{title}</Text>
      {rows.map(([keys, what]) => (
        <Text key={keys} wrap="truncate-end">
          <Text color="cyan">{keys.padEnd(15)}</Text>
          {what}
        </Text>
      ))}
    </>
  );
}
