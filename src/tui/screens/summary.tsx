/**
 * The end of a run, from the object `--json` prints (report/json-report.ts): the TUI and a
 * headless run describe a run with the same data, field for field.
 */
import { Box, Text, useInput } from 'ink';
import type { RunSummary } from '../../backup/events.js';
import { printable } from '../../report/printable.js';
import { jsonReport } from '../../report/json-report.js';
import { bytesText, durationText, fit, rateText } from '../components/run-format.js';
import { useTerminal, useTerminalSize } from '../hooks/use-terminal.js';

export interface SummaryScreenProps {
  summary: RunSummary;
  exitCode: number;
  /** Back to the VM list for another run. */
  onBack(): void;
  onQuit(): void;
}

const STATUS_COLOR: Record<string, string> = { success: 'green', warning: 'yellow', failed: 'red', cancelled: 'yellow', skipped: 'yellow' };

export function SummaryScreen({ summary, exitCode, onBack, onQuit }: SummaryScreenProps) {
  const report = jsonReport(summary, exitCode);
  const { columns, rows } = useTerminalSize();
  const { ascii } = useTerminal();
  const width = Math.max(40, columns);
  useInput((input, key) => {
    if (input === 'q') onQuit();
    else if (key.return || input === 'b') onBack();
  });
  const color = report.status === 'SUCCESS' ? 'green' : report.status === 'WARNING' ? 'yellow' : 'red';
  const nameWidth = Math.max(10, Math.min(28, width - 50));
  // Title 3 lines, pool DB and problems, footer 2.
  const room = Math.max(3, rows - 7 - (report.problems.length + report.warnings.length) * 2);
  const vms = report.vms.slice(0, room);
  return (
    <Box flexDirection="column" width={width}>
      <Text>
        <Text bold color={color}>
          {report.interrupted ? 'Run cancelled' : 'Run finished'}: {report.status}
        </Text>
        {`  S:${report.counts.success} W:${report.counts.warning} E:${report.counts.error}  exit code ${report.exitCode}`}
      </Text>
      <Text wrap="truncate-end">{`pool ${report.pool.name} (${report.pool.url}) -> ${report.backupDir}`}</Text>
      <Text dimColor wrap="truncate-end">{`${report.startedAt} to ${report.finishedAt}`}</Text>
      {vms.map((vm) => (
        <Box key={vm.uuid} flexDirection="column">
          <Text wrap="truncate-end">
            <Text color={STATUS_COLOR[vm.status] ?? 'white'}>{fit(vm.status, 9)}</Text> {fit(printable(vm.name), nameWidth, ascii)} {fit(vm.format, 7)}
            {bytesText(vm.bytes)} {fit(durationText(vm.durationMs / 1000), 7)}
            {rateText(vm.rateMBps * 1e6)}
          </Text>
          {vm.error ? <Text color="red" wrap="truncate-end">{`          ${vm.error.code}: ${vm.error.message}`}</Text> : null}
        </Box>
      ))}
      {report.vms.length > vms.length ? <Text dimColor>{`  ... ${report.vms.length - vms.length} more (vmbackup --json gives every one)`}</Text> : null}
      {report.poolDb ? <Text wrap="truncate-end">{`pool database: ${report.poolDb.status}${report.poolDb.file ? ` ${report.poolDb.file}` : ''}`}</Text> : null}
      {report.problems.map((p, i) => (
        <Box key={i} flexDirection="column">
          <Text color="red" wrap="truncate-end">{`${p.code}: ${p.message}`}</Text>
          {p.hint ? <Text wrap="truncate-end">{`  fix: ${p.hint}`}</Text> : null}
        </Box>
      ))}
      {report.warnings.map((w, i) => (
        <Box key={`w${i}`} flexDirection="column">
          <Text color="yellow" wrap="truncate-end">{`${w.code}: ${w.message}`}</Text>
          {w.hint ? <Text wrap="truncate-end">{`  fix: ${w.hint}`}</Text> : null}
        </Box>
      ))}
      <Text dimColor>enter: back to the VM list   q: quit</Text>
    </Box>
  );
}
