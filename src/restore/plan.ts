/**
 * The pure parts of a restore plan: the name a restored VM gets, what will be created (the
 * lines of a confirm screen and of --dry-run), which questions need a yes, and the SR's room.
 */
import { humanBytes } from '../backup/free-space.js';
import { localDateTime } from '../catalog/parse.js';
import { VmbackupError } from '../errors.js';
import type { RestoreConfirmation, RestorePlan } from './types.js';

/** `<name> (restored <backup date>)`: a restore beside the original is told apart from it. */
export function restoredName(name: string, date: Date | null): string {
  return date ? `${name} (restored ${localDateTime(date)})` : `${name} (restored)`;
}

export function confirmationsFor(input: { unfinished: boolean; folder: string | null; replaces: RestorePlan['replaces'] }): RestoreConfirmation[] {
  const out: RestoreConfirmation[] = [];
  if (input.unfinished) {
    out.push({
      code: 'UNFINISHED_BACKUP',
      message: `${input.folder ?? 'the backup'} has no success marker: its run did not finish (or still runs), so it may be incomplete`,
    });
  }
  if (input.replaces) {
    out.push({
      code: 'REPLACE_HALTED_VM',
      message: `--preserve replaces the halted VM ${input.replaces.name} (${input.replaces.uuid}) on the pool with the backup's copy`,
    });
  }
  return out;
}

type PlanLines = Pick<RestorePlan, 'kind' | 'files' | 'sr' | 'name' | 'preserve' | 'start' | 'attachTo' | 'replaces' | 'neededBytes'>;

export function willCreateLines(plan: PlanLines): string[] {
  const sr = `SR ${plan.sr.name} (${plan.sr.uuid})`;
  if (plan.kind === 'vm') {
    const lines = [
      `a VM named ${plan.name} on ${sr}, from ${plan.files[0]?.path ?? ''} (${humanBytes(plan.files[0]?.bytes ?? 0)})`,
      plan.preserve ? 'keeping the backed-up VM uuid and MAC addresses (--preserve)' : 'with a new uuid and new MAC addresses',
      `its disks: ${humanBytes(plan.neededBytes)} (virtual size)`,
    ];
    if (plan.replaces) lines.push(`replacing the halted VM ${plan.replaces.name} (${plan.replaces.uuid})`);
    lines.push('networks: the one of the same name or bridge on this pool, else a new one (warned)');
    if (plan.start) lines.push('then starts it (--start)');
    return lines;
  }
  const lines = plan.files.map((f) => `a disk named ${f.vdi?.name ?? ''} (${humanBytes(f.vdi?.virtualSize ?? 0)}) on ${sr}, from ${f.path}`);
  lines.push(plan.attachTo ? `attached to the VM ${plan.attachTo.name} (${plan.attachTo.uuid}) as its next free device` : 'left unattached (its uuid is printed)');
  return lines;
}

/** The SR must have room for every disk before a byte is sent. */
export function checkRoom(plan: Pick<RestorePlan, 'sr' | 'neededBytes'>): void {
  if (plan.neededBytes <= plan.sr.freeBytes) return;
  throw new VmbackupError(
    'SR_FULL',
    `SR ${plan.sr.name} has ${humanBytes(plan.sr.freeBytes)} free; the backup's disks need ${humanBytes(plan.neededBytes)} (nothing was sent)`,
    'free space on the SR, or choose another one with --sr NAME|UUID',
  );
}

export function roomWarning(plan: Pick<RestorePlan, 'sr' | 'neededBytes'>): string | null {
  try {
    checkRoom(plan);
    return null;
  } catch (err) {
    return (err as Error).message.replace(' (nothing was sent)', ': the restore will be refused');
  }
}
