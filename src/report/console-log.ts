/**
 * The headless console log: every engine event as a line in the old script's shape,
 * `YYYY-MM-DD-(HH:MM:SS) - message`, with its well-known messages kept word for word where they
 * exist (`VmBackup vm-export web - ***Success*** t:3`, `VmBackup ended - Success - S:2 W:0 E:0`),
 * so cron mails, greps and log watchers keep working. No colours: it is for files and pipes.
 */
import type { ProgressEvent, RunSummary, VmResult } from '../backup/events.js';
import { humanBytes } from '../backup/free-space.js';
import type { EffectiveSettings } from '../config/index.js';
import { extensionSettingsBlock, legacyLine, settingsBlock } from './legacy-console.js';

export type LineSink = (line: string) => void;

const BAR = '===========================';

function minutes(ms: number): number {
  return Math.floor(ms / 60_000);
}

/** `alreadySaid`: warnings the log showed when they happened, not repeated at the end. */
function vmDoneLines(r: VmResult, alreadySaid: ReadonlySet<string> = new Set()): string[] {
  const name = r.name;
  const t = `t:${minutes(r.elapsedMs)}`;
  const size = `${humanBytes(r.bytes)} at ${r.rateMBps.toFixed(1)} MB/s`;
  switch (r.status) {
    case 'success':
      return [`VmBackup ${r.mode} ${name} - ***Success*** ${t} (${size})`];
    case 'warning':
      return [...r.warnings.filter((w) => !alreadySaid.has(w)).map((w) => `WARNING ${name}: ${w}`), `VmBackup ${r.mode} ${name} - ***WARNING*** ${t} (${size})`];
    case 'cancelled':
      return [`VmBackup ${r.mode} ${name} - ***CANCELLED*** ${t}`];
    default:
      return [
        `ERROR ${r.mode} ${name}: ${r.error?.message ?? 'failed'} [${r.error?.code ?? 'ERROR'}]`,
        ...(r.error?.hint ? [`  fix: ${r.error.hint}`] : []),
        `VmBackup ${r.mode} ${name} - ***ERROR*** ${t}`,
      ];
  }
}

export function endLines(summary: RunSummary): string[] {
  const counts = `S:${summary.counts.success} W:${summary.counts.warning} E:${summary.counts.error}`;
  const verdict = summary.status === 'ERROR' ? '**ERRORS DETECTED**' : summary.status === 'WARNING' ? '**WARNING(s)**' : 'Success';
  return [
    BAR,
    ...summary.problems.flatMap((p) => [`ERROR ${p.message} [${p.code}]`, ...(p.hint ? [`  fix: ${p.hint}`] : [])]),
    ...summary.warnings.flatMap((w) => [`WARNING ${w.message} [${w.code}]`, ...(w.hint ? [`  fix: ${w.hint}`] : [])]),
    ...(summary.interrupted ? ['VmBackup interrupted: VMs not finished were cleaned up and reported as cancelled'] : []),
    `VmBackup ended - ${verdict} - ${counts}`,
  ];
}

/**
 * Turns events into log lines; `now` stamps them (tests pass a fixed clock). Names go in as
 * they are: legacyLine escapes control characters in the whole line.
 */
export function consoleLogger(out: LineSink, now: () => Date = () => new Date(), settings?: EffectiveSettings): (event: ProgressEvent) => void {
  const emit = (message: string) => out(legacyLine(now(), message));
  let section: string | undefined;
  // Per VM, the warnings already logged: a VM's result lists them again.
  const said = new Map<string, Set<string>>();
  return (event) => {
    switch (event.type) {
      case 'run-start':
        // The block the old script logged before every run: greps for "backup_dir" keep working.
        if (settings) for (const line of [...settingsBlock(settings, event.scope), ...extensionSettingsBlock(settings, event.scope)]) emit(line);
        emit(BAR);
        emit(`VmBackup running: ${event.vms.length} VM${event.vms.length === 1 ? '' : 's'} to back up`);
        emit(BAR);
        return;
      case 'vm-start': {
        if (section !== event.vm.mode) {
          section = event.vm.mode;
          emit(`************ ${event.vm.mode}= ***************`);
        }
        const entry = `${event.vm.name}:${event.vm.maxBackups}`;
        emit(`*** ${event.vm.mode} begin ${entry} (estimated ${humanBytes(event.vm.estimate)})`);
        return;
      }
      case 'log':
        emit(event.message);
        return;
      case 'warning':
        if (event.vm !== undefined) said.set(event.vm, (said.get(event.vm) ?? new Set()).add(event.message));
        emit(`WARNING ${event.vm === undefined ? '' : `${event.vm}: `}${event.message}`);
        return;
      case 'vm-done':
        for (const line of vmDoneLines(event.result, said.get(event.result.name))) emit(line);
        said.delete(event.result.name);
        return;
      case 'pool-db':
        emit(event.result.status === 'success' ? `pool database saved: ${event.result.file}` : `ERROR failed to backup pool metadata: ${event.result.error?.message ?? ''}`);
        return;
      case 'run-done':
        for (const line of endLines(event.summary)) emit(line);
        return;
      default:
        // phase, bytes and task-progress are for interactive faces.
        return;
    }
  };
}
