/**
 * The run screen's table: one line per VM (state, name, bar, %, bytes, MB/s, ETA), windowed so
 * the VMs in flight stay visible on a 24-line terminal however long the list.
 */
import { Box, Text } from 'ink';
import { printable } from '../../report/printable.js';
import { useTerminal } from '../hooks/use-terminal.js';
import type { VmProgress, VmState } from '../run-progress.js';
import { ProgressBar } from './progress-bar.js';
import { bytesText, durationText, fit, percent, rateText } from './run-format.js';

const STATE_COLOR: Partial<Record<VmState, string>> = { done: 'green', warning: 'yellow', failed: 'red', cancelled: 'yellow', skipped: 'yellow', export: 'cyan' };

const FINISHED: ReadonlySet<VmState> = new Set(['done', 'warning', 'failed', 'cancelled', 'skipped']);

/** state 9 + name + bar + pct 4 + bytes 9 + rate 10 + eta 8, with single spaces between. */
const FIXED = 9 + 1 + 1 + 4 + 1 + 9 + 1 + 10 + 1 + 8 + 1;

export function columnsFor(width: number): { name: number; bar: number } {
  const rest = Math.max(20, width - FIXED - 1);
  const name = Math.max(8, Math.min(24, Math.floor(rest * 0.45)));
  return { name, bar: Math.max(6, rest - name) };
}

/** Which rows to show when not all fit: start just before the first VM not finished. */
export function windowOf(vms: readonly VmProgress[], max: number): { start: number; end: number } {
  if (vms.length <= max) return { start: 0, end: vms.length };
  const active = vms.findIndex((v) => !FINISHED.has(v.state));
  const first = active === -1 ? vms.length - max : Math.max(0, active - 1);
  const start = Math.min(first, vms.length - max);
  return { start, end: start + max };
}

function Row({ vm, cols }: { vm: VmProgress; cols: { name: number; bar: number } }) {
  const { ascii } = useTerminal();
  const color = STATE_COLOR[vm.state];
  const live = vm.state === 'export';
  return (
    <Box>
      <Text {...(color ? { color } : {})}>{fit(vm.state, 9)} </Text>
      <Text>{fit(printable(vm.name), cols.name, ascii)} </Text>
      <ProgressBar fraction={vm.fraction} width={cols.bar} {...(color ? { color } : {})} />
      <Text>
        {' '}
        {percent(vm.fraction)} {bytesText(vm.done)} {live ? rateText(vm.rate) : rateText(0)} {fit(live ? durationText(vm.etaSeconds) : '', 8)}
      </Text>
    </Box>
  );
}

export function VmProgressRows({ vms, width, maxRows }: { vms: readonly VmProgress[]; width: number; maxRows: number }) {
  const cols = columnsFor(width);
  const fitRows = Math.max(1, vms.length > maxRows ? maxRows - 1 : maxRows);
  const { start, end } = windowOf(vms, fitRows);
  const before = vms.slice(0, start);
  const after = vms.slice(end);
  const hidden = before.length + after.length;
  return (
    <Box flexDirection="column">
      {vms.slice(start, end).map((vm) => (
        <Row key={vm.name} vm={vm} cols={cols} />
      ))}
      {hidden > 0 ? (
        <Text dimColor>
          {`  (${before.length} above, ${after.length} below: ${[...before, ...after].filter((v) => FINISHED.has(v.state)).length} finished, ${[...before, ...after].filter((v) => v.state === 'waiting').length} waiting)`}
        </Text>
      ) : null}
    </Box>
  );
}
