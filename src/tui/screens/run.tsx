/**
 * The run screen: the engine's progress as one row per VM plus an overall bar (with the time
 * left) and the last log lines (the headless log's own lines, wrapped). `l` or PgUp shows this
 * run's whole log in place of the rows, to scroll back through. `c` asks, then cancels (Esc or
 * `n` closes the question and the run goes on): the signal aborts, and the engine stops its
 * transfers and removes its snapshots before the run resolves. Ctrl-C (or a SIGTERM, through
 * `interrupt`) cancels without asking, as in a headless run. When the run ends, the final bars
 * stay until the user moves on to the summary.
 */
import { Box, Text } from 'ink';
import { useEffect } from 'react';
import type { RunSummary } from '../../backup/events.js';
import type { EffectiveSettings } from '../../config/index.js';
import { Menu } from '../components/menu-view.js';
import { ProgressBar } from '../components/progress-bar.js';
import { LogTail, LogView, useWrappedLog } from '../components/run-log.js';
import { bytesText, durationText, fit, percent, rateText, verdict } from '../components/run-format.js';
import { scrollBy } from '../components/scroll.js';
import { VmProgressRows } from '../components/vm-progress-rows.js';
import { type RunOutcome, type StartRun, useBackupRun } from '../hooks/use-backup-run.js';
import { useKeys, useLiveState } from '../hooks/use-keys.js';
import { useTerminal, useTerminalSize } from '../hooks/use-terminal.js';

export interface RunScreenProps {
  start: StartRun;
  /** Shown in the title: the pool and where the backups go. */
  title: string;
  settings?: EffectiveSettings;
  onFinished(outcome: RunOutcome): void;
  /** Subscribes to outside interrupts (SIGINT/SIGTERM); returns the unsubscribe. */
  interrupt?: ((handler: () => void) => () => void) | undefined;
  /** Called after every redraw of the progress (for measurements). */
  onFrame?: () => void;
  /** How many log lines to show under the rows (default 4). */
  logLines?: number;
  /** The terminal's size (tests); else the terminal's own. */
  size?: { columns: number; rows: number };
}

const LOG_LINES = 4;

export function RunScreen(props: RunScreenProps) {
  const run = useBackupRun(props.start, props.settings, props.onFrame);
  const terminal = useTerminalSize();
  const { columns, rows } = props.size ?? terminal;
  const { ascii } = useTerminal();
  // Live: each key of a chunk ("c" then "y") sees what the key before it set.
  const [confirming, setConfirming, liveConfirming] = useLiveState(false);
  const [showLog, setShowLog, liveShowLog] = useLiveState(false);
  // First log line shown in the log view; null follows the end as lines arrive.
  const [logTop, setLogTop, liveLogTop] = useLiveState<number | null>(null);
  const summary = run.outcome?.summary ?? null;
  const finished = run.outcome !== null || run.failure !== null;
  const width = Math.max(40, columns);
  const { view } = run;
  const log = useWrappedLog(view.log, width - 1);

  useEffect(() => {
    if (!props.interrupt) return undefined;
    return props.interrupt(() => run.cancel());
  }, [props.interrupt]);

  const footerLines = confirming ? 3 : 1;
  // Title, overall, blank, log header, footer, and one line spare (a full screen makes Ink
  // redraw everything each frame).
  const logHeight = Math.max(3, rows - 5 - footerLines);
  const logCount = props.logLines ?? LOG_LINES;
  // Title, overall, blank, blank, log header, log lines, footer, spare.
  const rowsRoom = Math.max(3, rows - (6 + logCount + footerLines));

  useKeys(({ input, key }) => {
    if (key.ctrl && input === 'c') {
      if (!finished) run.cancel();
      return;
    }
    if (liveConfirming.current) {
      // The arrows and enter belong to the menu.
      if (key.escape || input === 'n') setConfirming(false);
      else if (input === 'y') {
        setConfirming(false);
        run.cancel();
      }
      return;
    }
    const showingLog = liveShowLog.current;
    if (input === 'l' || (showingLog && key.escape)) {
      setShowLog(!showingLog);
      setLogTop(null);
      return;
    }
    const last = Math.max(0, log.length - logHeight);
    if (!showingLog && key.pageUp) {
      setShowLog(true);
      setLogTop(scrollBy(key, last, logHeight, log.length));
      return;
    }
    const next = showingLog ? scrollBy(key, liveLogTop.current ?? last, logHeight, log.length) : null;
    if (next !== null) {
      // Back at the end, the view follows the new lines again.
      setLogTop(next >= last ? null : next);
      return;
    }
    if (finished) {
      if (key.return && run.outcome) props.onFinished(run.outcome);
      return;
    }
    if (!run.cancelled && input === 'c') setConfirming(true);
  });

  const barColor = summary ? verdict(summary).color : finished ? 'red' : 'cyan';
  return (
    <Box flexDirection="column" width={width}>
      <Text bold>{fit(props.title, width - 1, ascii)}</Text>
      <Box>
        <Text>{fit('overall', 9)} </Text>
        <ProgressBar fraction={view.overall} width={Math.max(10, width - 46)} color={barColor} />
        <Text>
          {' '}
          {percent(view.overall)} {bytesText(view.bytes)} {rateText(view.rate)} {fit(durationText(view.etaSeconds), 8)}
        </Text>
      </Box>
      <Text> </Text>
      {showLog ? (
        <LogView lines={log} height={logHeight} top={logTop} dropped={view.logDropped} width={width} ascii={ascii} />
      ) : (
        <>
          <VmProgressRows vms={view.vms} width={width} maxRows={rowsRoom} />
          <Text> </Text>
          <LogTail lines={log} count={logCount} />
        </>
      )}
      <Footer
        summary={summary}
        failure={run.failure}
        cancelled={run.cancelled}
        confirming={confirming}
        showLog={showLog}
        onConfirm={(yes) => {
          setConfirming(false);
          if (yes) run.cancel();
        }}
      />
    </Box>
  );
}

function Footer(p: { summary: RunSummary | null; failure: Error | null; cancelled: boolean; confirming: boolean; showLog: boolean; onConfirm(yes: boolean): void }) {
  const logKey = p.showLog ? 'l/esc: back to the VMs' : 'l: the whole log';
  if (p.failure) return <Text color="red">internal error (please report it): {p.failure.message}</Text>;
  if (p.summary) {
    const v = verdict(p.summary);
    return (
      <Text wrap="truncate-end">
        <Text color={v.color} bold>
          {p.summary.interrupted ? `cancelled: ${v.counts}` : `finished: ${v.word} ${v.counts}`}
        </Text>
        {`  enter: summary  ${logKey}`}
      </Text>
    );
  }
  if (p.cancelled) return <Text color="yellow">cancelling: stopping transfers, removing our snapshots and unfinished files...</Text>;
  if (p.confirming) {
    return (
      <Box flexDirection="column">
        <Text color="yellow" wrap="truncate-end">
          Cancel the run? Finished backups stay; VMs in flight are cleaned up. (esc: no)
        </Text>
        <Menu
          items={[
            { label: 'No, keep running', value: 'no' },
            { label: 'Yes, cancel the run', value: 'yes' },
          ]}
          onSelect={(item) => p.onConfirm(item.value === 'yes')}
        />
      </Box>
    );
  }
  return <Text dimColor>{`c: cancel the run   ${logKey}`}</Text>;
}
