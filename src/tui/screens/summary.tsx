/**
 * The end of a run, from the object `--json` prints (report/json-report.ts): the TUI and a
 * headless run describe a run with the same data, field for field. Every error is shown with its
 * fix in full, wrapped; a summary taller than the terminal scrolls (↑/↓, PgUp/PgDn, Home/End)
 * between the title and the key bar, which stay put. Times are local, as in the log.
 */
import { Text } from 'ink';
import type { RunSummary } from '../../backup/events.js';
import { jsonReport } from '../../report/json-report.js';
import { fit, verdict } from '../components/run-format.js';
import { ScrollingPage, useScrollWindow } from '../components/scrolling-page.js';
import { summaryLines } from '../components/summary-lines.js';
import { useKeys } from '../hooks/use-keys.js';
import { useTerminal, useTerminalSize } from '../hooks/use-terminal.js';
import type { RunFiles } from '../run-files.js';

export interface SummaryScreenProps {
  summary: RunSummary;
  exitCode: number;
  /** The console log and JSON report this run wrote, or why not. */
  files?: RunFiles | undefined;
  /** Back to the VM list for another run. */
  onBack(): void;
  onQuit(): void;
  /** The terminal's size (tests); else the terminal's own. */
  size?: { columns: number; rows: number };
}

export function SummaryScreen({ summary, exitCode, files, onBack, onQuit, size }: SummaryScreenProps) {
  const report = jsonReport(summary, exitCode);
  const terminal = useTerminalSize();
  const { columns, rows } = size ?? terminal;
  const { ascii } = useTerminal();
  const width = Math.max(40, columns);
  const lines = summaryLines(report, { width, ascii, files });
  const scroll = useScrollWindow(lines.length, rows);

  // The rest of a chunk goes to the screen that follows: the key router draws between keys.
  useKeys(({ input, key }) => {
    if (input === 'q') return onQuit();
    if (key.return || input === 'b') return onBack();
    scroll.scroll(key);
  });

  const v = verdict(summary);
  const title = `${summary.interrupted ? 'Run cancelled' : `Run finished: ${v.word}`}`;
  const heading = (
    <Text wrap="truncate-end">
      <Text bold color={v.color}>
        {title}
      </Text>
      {fit(`  ${v.counts}  exit code ${report.exitCode}`, Math.max(0, width - 1 - title.length), ascii).trimEnd()}
    </Text>
  );
  return <ScrollingPage title={heading} lines={lines} window={scroll} keys="enter: back to the VM list   q: quit" width={width} ascii={ascii} />;
}
