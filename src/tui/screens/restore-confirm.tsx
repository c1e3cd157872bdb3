/**
 * The confirm screen: the plan's own lines of what will be created (plan.willCreate, exactly
 * as the engine wrote them, as `--dry-run` prints them), its warnings, then each confirmation
 * the engine needs (an unfinished backup, a halted VM replaced) as a y/n question, one after
 * the other, and last "Restore now?". A no goes back to the options; nothing was sent.
 */
import { Box, Text } from 'ink';
import type { RestorePlan } from '../../restore/types.js';
import { clipToWidth } from '../components/text-fit.js';
import { wrapLines } from '../components/wrap-lines.js';
import { plain, type ScreenLine, ScreenLines } from '../components/screen-lines.js';
import { useKeys, useLiveState } from '../hooks/use-keys.js';
import { useTerminal, useTerminalSize } from '../hooks/use-terminal.js';

export interface RestoreConfirmProps {
  plan: RestorePlan;
  /** Every question answered yes: the engine may go ahead (runRestore's `confirmed`). */
  onConfirm(): void;
  /** A no, or esc: back to the options, with why. */
  onBack(note: string): void;
  size?: { columns: number; rows: number };
}

/** The plan as lines: what will be created, what replaces what, the warnings. */
export function planLines(plan: RestorePlan, width: number): ScreenLine[] {
  const w = Math.max(20, width - 1);
  const out: ScreenLine[] = [plain('This restore will create:', { bold: true })];
  for (const line of plan.willCreate) out.push(...wrapLines(`  - ${line}`, w, '    ').map((l) => plain(l)));
  if (plan.replaces) out.push(...wrapLines(`  It replaces the halted VM ${plan.replaces.name} (${plan.replaces.uuid}).`, w, '    ').map((l) => plain(l, { color: 'yellow' })));
  if (plan.warnings.length > 0) out.push(plain(''));
  for (const warning of plan.warnings) out.push(...wrapLines(`warning: ${warning}`, w, '  ').map((l) => plain(l, { color: 'yellow' })));
  return out;
}

export function RestoreConfirmScreen(props: RestoreConfirmProps) {
  const terminal = useTerminalSize();
  const { ascii } = useTerminal();
  const { columns, rows } = props.size ?? terminal;
  // Which question is asked: each confirmation in order, then "Restore now?".
  const [asking, setAsking, live] = useLiveState(0);
  const questions = props.plan.confirmations;
  const done = () => live.current > questions.length;

  useKeys(({ input, key }) => {
    if (done()) return;
    const yes = input === 'y' || input === 'Y' || (key.return && live.current === questions.length);
    const no = input === 'n' || input === 'N' || key.escape;
    if (no) {
      const q = questions[live.current];
      setAsking(questions.length + 1);
      props.onBack(q ? `Not restored: ${q.code} was not agreed to.` : 'Not restored.');
      return;
    }
    if (!yes) return;
    const next = live.current + 1;
    setAsking(next);
    if (next > questions.length) props.onConfirm();
  });

  const lines = planLines(props.plan, columns);
  // Room for the questions and the key line below the plan.
  const room = Math.max(3, rows - 4 - questions.length * 2);
  const cut = lines.length > room;
  const width = columns - 1;
  return (
    <Box flexDirection="column">
      <ScreenLines lines={cut ? [...lines.slice(0, room - 1), plain(`... ${lines.length - room + 1} more lines`, { dim: true })] : lines} />
      <Text> </Text>
      {questions.map((q, i) =>
        i <= asking ? (
          <Text key={q.code} color="yellow" wrap="wrap">
            {`${q.message} ${i < asking ? 'yes' : 'y/n'}`}
          </Text>
        ) : null,
      )}
      {asking >= questions.length ? (
        <Text bold wrap="truncate-end">
          {clipToWidth(`Restore now? y/n   (enter: yes, esc: back to the options)`, width, ascii)}
        </Text>
      ) : (
        <Text dimColor>{clipToWidth('y: yes   n / esc: no, back to the options', width, ascii)}</Text>
      )}
    </Box>
  );
}
