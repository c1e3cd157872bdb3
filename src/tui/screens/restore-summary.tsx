/**
 * The end of a restore: what was created (the VM's name and uuid, or each VDI's uuid and SR),
 * which network each VIF landed on (a network the import had to create is a warning), the
 * warnings; or the error in full with its `fix:` line; or, cancelled, that what the restore
 * had created was removed. Taller than the terminal, it scrolls as the run summary does.
 */
import { Text } from 'ink';
import { humanBytes } from '../../backup/free-space.js';
import { durationText } from '../components/run-format.js';
import { plain, type ScreenLine, ScreenLines } from '../components/screen-lines.js';
import { ScrollingPage, useScrollWindow } from '../components/scrolling-page.js';
import { wrapLines } from '../components/wrap-lines.js';
import type { RestorePlan } from '../../restore/types.js';
import type { RestoreOutcome } from '../hooks/use-restore-run.js';
import { useKeys } from '../hooks/use-keys.js';
import { useTerminal, useTerminalSize } from '../hooks/use-terminal.js';

export interface RestoreSummaryProps {
  outcome: RestoreOutcome;
  /** The plan that ran: names the SR and the VM a disk was attached to. */
  plan?: Pick<RestorePlan, 'sr' | 'attachTo' | 'start'> | undefined;
  /** enter: the VM list (it shows a restored VM). */
  onList(): void;
  /** b: the Backups screen again. */
  onBackups(): void;
  onQuit(): void;
  size?: { columns: number; rows: number };
}

const block = (text: string, w: number, indent: string, style: Omit<ScreenLine[number], 'text'> = {}) => wrapLines(text, w, indent).map((l) => plain(l, style));

export function restoreSummaryLines(outcome: RestoreOutcome, width: number, plan?: RestoreSummaryProps['plan']): ScreenLine[] {
  const w = Math.max(20, width - 1);
  const out: ScreenLine[] = [];
  if (outcome.kind === 'failed') {
    if (outcome.cancelled) {
      out.push(...block('The restore was cancelled: the import was stopped, and what it had created on the pool was removed.', w, '  ', { color: 'yellow' }));
      // What the engine said when it stopped, for the record.
      out.push(...block(`${outcome.error.code}: ${outcome.error.message}`, w, '  ', { dim: true }));
    } else {
      out.push(...block(`${outcome.error.code}: ${outcome.error.message}`, w, '  ', { color: 'red' }));
      if (outcome.error.hint) out.push(...block(`fix: ${outcome.error.hint}`, w, '     '));
    }
    for (const warning of outcome.warnings) out.push(...block(`warning: ${warning}`, w, '  ', { color: 'yellow' }));
    return out;
  }
  const r = outcome.result;
  // The uuid on a line of its own: whole, where a script or `xe` command wants it.
  if (r.vm) out.push(...block(`VM ${r.vm.name}`, w, '   ', { bold: true }), ...block(`   uuid ${r.vm.uuid}`, w, '   '));
  // The result names the SR by uuid; the plan knows its name.
  const srText = (sr: string) => (plan && (sr === plan.sr.uuid || sr === plan.sr.name) ? plan.sr.name : sr);
  for (const vdi of r.vdis) {
    out.push(...block(`${r.vm ? '  disk' : 'VDI'} ${vdi.name} on SR ${srText(vdi.sr)}`, w, '     ', r.vm ? {} : { bold: true }));
    out.push(...block(`${r.vm ? '     ' : '   '}uuid ${vdi.uuid}`, w, '   ', { dim: Boolean(r.vm) }));
  }
  if (!r.vm && plan?.attachTo) out.push(...block(`attached to the VM ${plan.attachTo.name} (uuid ${plan.attachTo.uuid}) as its next free device`, w, '  '));
  if (r.vm && plan?.start) out.push(...block('started', w, '  '));
  out.push(...block(`${humanBytes(r.bytes)} sent in ${durationText(r.elapsedMs / 1000)}${r.verified ? ', every byte verified while it streamed' : ', NOT verified'}`, w, '  ', { dim: true }));
  if (r.networks.length > 0) {
    out.push(plain(''));
    out.push(plain('Networks:'));
  }
  for (const n of r.networks) {
    const line = `  VIF ${n.device} (${n.mac}) -> ${n.network.name}${n.created ? ': a network the import CREATED (no network of its name or bridge existed); connect it to the right one' : ''}`;
    out.push(...block(line, w, '      ', n.created ? { color: 'yellow' } : {}));
  }
  if (r.warnings.length > 0) out.push(plain(''));
  for (const warning of r.warnings) out.push(...block(`warning: ${warning}`, w, '  ', { color: 'yellow' }));
  return out;
}

export function RestoreSummaryScreen({ outcome, plan, onList, onBackups, onQuit, size }: RestoreSummaryProps) {
  const terminal = useTerminalSize();
  const { columns, rows } = size ?? terminal;
  const { ascii } = useTerminal();
  const width = Math.max(40, columns);
  const lines = restoreSummaryLines(outcome, width, plan);
  const scroll = useScrollWindow(lines.length, rows);

  useKeys(({ input, key }) => {
    if (input === 'q') return onQuit();
    if (key.return) return onList();
    if (input === 'b' || key.escape) return onBackups();
    scroll.scroll(key);
  });

  const title = outcome.kind === 'done' ? 'Restored' : outcome.cancelled ? 'Restore cancelled' : 'Restore failed';
  const color = outcome.kind === 'done' ? (outcome.result.warnings.length > 0 || outcome.result.networks.some((n) => n.created) ? 'yellow' : 'green') : outcome.cancelled ? 'yellow' : 'red';
  const heading = (
    <Text bold color={color}>
      {title}
    </Text>
  );
  return <ScrollingPage title={heading} lines={lines} window={scroll} keys="enter: the VM list   b: the backups   q: quit" width={width} ascii={ascii} />;
}
