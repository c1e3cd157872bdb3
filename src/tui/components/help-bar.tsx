/** The bottom line of keys; short enough for 80 columns (the help screen has the long form: a and +- are only there). */
import { Text } from 'ink';

export interface HelpBarProps {
  items: readonly (readonly [string, string])[];
}

export function HelpBar({ items }: HelpBarProps) {
  return (
    <Text wrap="truncate">
      {items.map(([key, what], i) => (
        <Text key={key}>
          {i > 0 ? ' ' : ''}
          <Text bold color="cyan">
            {key}
          </Text>
          {` ${what}`}
        </Text>
      ))}
    </Text>
  );
}

export const SELECT_BAR = [
  ['spc', 'pick'],
  ['/', 'filter'],
  ['m', 'mode'],
  ['x', 'excl'],
  ['p', 'plan'],
  ['s', 'save'],
  ['r', 'restore'],
  ['ret', 'run'],
  ['?', 'help'],
  ['q', 'quit'],
] as const;
