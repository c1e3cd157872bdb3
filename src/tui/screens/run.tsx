/**
 * The run screen: the engine's progress as one row per VM plus an overall bar and the last log
 * lines (the headless log's own lines). `c` asks, then cancels: the signal aborts, and the
 * engine stops its transfers and removes its snapshots before the run resolves. Ctrl-C (or a
 * SIGTERM, through `interrupt`) cancels without asking, as in a headless run. When the run ends,
 * the final bars stay until the user moves on to the summary.
 */
import { Box, Text, useInput } from 'ink';
import SelectInput from 'ink-select-input';
import { useEffect, useState } from 'react';
import type { RunSummary } from '../../backup/events.js';
import type { EffectiveSettings } from '../../config/index.js';
import { ProgressBar } from '../components/progress-bar.js';
import { bytesText, fit, percent, rateText } from '../components/run-format.js';
import { VmProgressRows } from '../components/vm-progress-rows.js';
import { type StartRun, useBackupRun } from '../hooks/use-backup-run.js';
import { useTerminal, useTerminalSize } from '../hooks/use-terminal.js';

export interface RunScreenProps {
  start: StartRun;
  /** Shown in the title: the pool and where the backups go. */
  title: string;
  settings?: EffectiveSettings;
  onFinished(summary: RunSummary): void;
  /** Subscribes to outside interrupts (SIGINT/SIGTERM); returns the unsubscribe. */
  interrupt?: ((handler: () => void) => () => void) | undefined;
  /** Called after every redraw of the progress (for measurements). */
  onFrame?: () => void;
  /** How many log lines to show (default 4). */
  logLines?: number;
}

const LOG_LINES = 4;

export function RunScreen(props: RunScreenProps) {
  const run = useBackupRun(props.start, props.settings, props.onFrame);
  const { columns, rows } = useTerminalSize();
  const { ascii } = useTerminal();
  const [confirming, setConfirming] = useState(false);
  const finished = run.summary !== null || run.failure !== null;

  useEffect(() => {
    if (!props.interrupt) return undefined;
    return props.interrupt(() => run.cancel());
  }, [props.interrupt]);

  useInput((input, key) => {
    if (key.ctrl && input === 'c') {
      if (!finished) run.cancel();
      return;
    }
    if (finished) {
      if (key.return && run.summary) props.onFinished(run.summary);
      return;
    }
    if (!confirming && !run.cancelled && input === 'c') setConfirming(true);
  });

  const logCount = props.logLines ?? LOG_LINES;
  // Title, overall, blank, log title, log lines, blank, footer (2 with a confirm menu).
  const chrome = 2 + 1 + 1 + logCount + 1 + (confirming ? 3 : 1);
  const width = Math.max(40, columns);
  const { view } = run;
  const log = view.log.slice(-logCount);

  return (
    <Box flexDirection="column" width={width}>
      <Text bold>{fit(props.title, width - 1, ascii)}</Text>
      <Box>
        <Text>{fit('overall', 9)} </Text>
        <ProgressBar fraction={view.overall} width={Math.max(10, width - 46)} color={finished ? 'green' : 'cyan'} />
        <Text>
          {' '}
          {percent(view.overall)} {bytesText(view.bytes)} {rateText(view.rate)}
        </Text>
      </Box>
      <Text> </Text>
      <VmProgressRows vms={view.vms} width={width} maxRows={Math.max(3, rows - chrome - 1)} />
      <Text> </Text>
      <Text dimColor>log</Text>
      {log.map((line, i) => (
        <Text key={i} wrap="truncate-end">
          {line}
        </Text>
      ))}
      <Footer finished={finished} summary={run.summary} failure={run.failure} cancelled={run.cancelled} confirming={confirming} onConfirm={(yes) => {
        setConfirming(false);
        if (yes) run.cancel();
      }} />
    </Box>
  );
}

function Footer(p: { finished: boolean; summary: RunSummary | null; failure: Error | null; cancelled: boolean; confirming: boolean; onConfirm(yes: boolean): void }) {
  if (p.failure) return <Text color="red">internal error (please report it): {p.failure.message}</Text>;
  if (p.summary) {
    const c = p.summary.counts;
    const color = p.summary.status === 'SUCCESS' ? 'green' : p.summary.status === 'WARNING' ? 'yellow' : 'red';
    return (
      <Text>
        <Text color={color} bold>
          {p.summary.interrupted ? 'cancelled' : 'finished'}: {p.summary.status} S:{c.success} W:{c.warning} E:{c.error}
        </Text>
        {'  enter: summary'}
      </Text>
    );
  }
  if (p.cancelled) return <Text color="yellow">cancelling: stopping transfers, removing our snapshots and unfinished files...</Text>;
  if (p.confirming) {
    return (
      <Box flexDirection="column">
        <Text color="yellow">Cancel the run? Finished backups stay; the VMs in flight are cleaned up.</Text>
        <SelectInput
          items={[
            { label: 'No, keep running', value: 'no' },
            { label: 'Yes, cancel the run', value: 'yes' },
          ]}
          onSelect={(item) => p.onConfirm(item.value === 'yes')}
        />
      </Box>
    );
  }
  return <Text dimColor>c: cancel the run</Text>;
}
