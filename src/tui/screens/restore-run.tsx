/**
 * A restore in progress: the phase, one bar of the bytes sent against the estimate (with the
 * rate and the time left), the pool's own import task progress, and the last log lines.
 * Ctrl-C, Esc or `c` (and a SIGTERM, through `interrupt`) cancel it at once: the signal aborts,
 * the engine cancels the import task and removes what it created before the restore settles.
 * When it settles, enter goes on to the summary.
 */
import { Box, Text } from 'ink';
import { useEffect } from 'react';
import { ProgressBar } from '../components/progress-bar.js';
import { LogTail, useWrappedLog } from '../components/run-log.js';
import { bytesText, durationText, fit, percent, rateText } from '../components/run-format.js';
import { type RestoreOutcome, type StartRestore, useRestoreRun } from '../hooks/use-restore-run.js';
import { useKeys } from '../hooks/use-keys.js';
import { useTerminal, useTerminalSize } from '../hooks/use-terminal.js';
import { PHASE_TEXT } from '../state/restore-progress.js';

export interface RestoreRunProps {
  start: StartRestore;
  title: string;
  onFinished(outcome: RestoreOutcome): void;
  /** The restore settled (before enter moves on): nothing is left to cancel. */
  onSettled?(): void;
  interrupt?: ((handler: () => void) => () => void) | undefined;
  size?: { columns: number; rows: number };
}

export function RestoreRunScreen(props: RestoreRunProps) {
  const run = useRestoreRun(props.start);
  const terminal = useTerminalSize();
  const { columns, rows } = props.size ?? terminal;
  const { ascii } = useTerminal();
  const width = Math.max(40, columns);
  const { view, outcome } = run;
  const log = useWrappedLog(view.log, width - 1);

  useEffect(() => {
    if (!props.interrupt) return undefined;
    return props.interrupt(() => run.cancel());
  }, [props.interrupt]);

  useEffect(() => {
    if (outcome) props.onSettled?.();
  }, [outcome]);

  useKeys(({ input, key }) => {
    if (outcome) {
      if (key.return) props.onFinished(outcome);
      return;
    }
    if ((key.ctrl && input === 'c') || key.escape || input === 'c') run.cancel();
  });

  const failed = outcome?.kind === 'failed';
  const color = outcome ? (failed ? (outcome.cancelled ? 'yellow' : 'red') : 'green') : 'cyan';
  const phase = view.phase ? PHASE_TEXT[view.phase] : 'starting';
  const logCount = Math.max(3, rows - 10);
  return (
    <Box flexDirection="column" width={width}>
      <Text bold>{fit(props.title, width - 1, ascii)}</Text>
      <Text> </Text>
      <Text>{fit(`phase: ${outcome ? (failed ? (outcome.cancelled ? 'cancelled' : 'failed') : 'done') : phase}`, width - 1, ascii)}</Text>
      <Box>
        <Text>{fit('sent', 9)} </Text>
        <ProgressBar fraction={view.fraction} width={Math.max(10, width - 46)} color={color} />
        <Text>
          {' '}
          {percent(view.fraction)} {bytesText(view.done)} {rateText(outcome ? 0 : view.rate)} {fit(outcome ? '' : durationText(view.etaSeconds), 8)}
        </Text>
      </Box>
      <Text dimColor>{fit(`of about ${bytesText(view.estimate).trim()}; the pool's import task: ${view.task === null ? 'no progress reported yet' : percent(view.task).trim()}`, width - 1, ascii)}</Text>
      <Text> </Text>
      <LogTail lines={log} count={logCount} />
      <Footer outcome={outcome} cancelled={run.cancelled} />
    </Box>
  );
}

function Footer({ outcome, cancelled }: { outcome: RestoreOutcome | null; cancelled: boolean }) {
  if (outcome?.kind === 'done') return <Text color="green">{'restored.  enter: summary'}</Text>;
  if (outcome?.kind === 'failed') return <Text color={outcome.cancelled ? 'yellow' : 'red'}>{`${outcome.cancelled ? 'cancelled' : `failed: ${outcome.error.code}`}.  enter: summary`}</Text>;
  if (cancelled) return <Text color="yellow">cancelling: stopping the import, removing what it created...</Text>;
  return <Text dimColor>c / esc / ctrl-c: cancel the restore (what it created is removed)</Text>;
}
