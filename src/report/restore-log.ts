/**
 * The console log of `vmbackup restore`: the backup run's line format (legacyLine: timestamp,
 * control characters escaped), built from the restore's plan and events. Progress events
 * (bytes, task progress, phases) are for interactive faces and print nothing here.
 */
import { humanBytes } from '../backup/free-space.js';
import type { RestoreEvent, RestorePlan, RestoreResult } from '../restore/types.js';
import type { LineSink } from './console-log.js';
import { legacyLine } from './legacy-console.js';

/** What the plan says, before anything is sent (and all that --dry-run prints). */
export function planLines(plan: RestorePlan): string[] {
  const from = plan.backup ? `${plan.backup.path} (${plan.backup.status}, ${plan.backup.format})` : plan.files.map((f) => f.path).join(', ');
  return [
    `restore ${plan.kind === 'vm' ? 'of the VM' : 'of the disk'}${plan.source?.name ? ` ${plan.source.name}` : ''} from ${from}`,
    `  SR: ${plan.sr.name} (${plan.sr.uuid}), ${humanBytes(plan.sr.freeBytes)} free, ${humanBytes(plan.neededBytes)} needed`,
    ...plan.willCreate.map((l) => `  will create: ${l}`),
    ...plan.confirmations.map((c) => `  needs a yes: ${c.message}`),
  ];
}

export function resultLine(result: RestoreResult, name: string): string {
  const status = result.warnings.length > 0 ? '***Warning***' : '***Success***';
  const seconds = Math.round(result.elapsedMs / 1000);
  const rate = result.elapsedMs > 0 ? ` at ${humanBytes(Math.round((result.bytes / result.elapsedMs) * 1000))}/s` : '';
  const what = result.vm ? `${result.vm.name} (${result.vm.uuid})` : result.vdis.map((v) => `${v.name} (${v.uuid})`).join(', ') || name;
  return `VmBackup restore ${what} - ${status} t:${seconds} (${humanBytes(result.bytes)}${rate}, verified)`;
}

export function restoreLogger(out: LineSink, now: () => Date = () => new Date()): (event: RestoreEvent) => void {
  const emit = (message: string) => out(legacyLine(now(), message));
  return (event) => {
    switch (event.type) {
      case 'log':
        emit(event.message);
        return;
      case 'warning':
        emit(`WARNING ${event.message}`);
        return;
      case 'restore-done':
        emit(resultLine(event.result, ''));
        return;
      default:
        return;
    }
  };
}
