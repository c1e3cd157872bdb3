/**
 * Which SR a restore writes to: `--sr NAME|UUID`, else the pool's default SR. Only SRs that
 * can hold a VM's disks count: ISO libraries, removable media (udev) and the tools SR cannot,
 * and neither can one the pool refuses VDI.create on.
 */
import { VmbackupError } from '../errors.js';
import type { PoolConnection } from '../xapi/connection.js';
import { defaultSrRef, srRecords, type SrRecord } from './pool-view.js';
import type { SrChoice } from './types.js';

const NOT_FOR_DISKS = new Set(['iso', 'udev', 'tools']);

function writable(sr: SrRecord): boolean {
  if (NOT_FOR_DISKS.has(sr.type) || NOT_FOR_DISKS.has(sr.contentType)) return false;
  // An SR whose allowed operations are known but exclude vdi_create cannot take a new disk.
  if (sr.allowedOperations.length > 0 && !sr.allowedOperations.includes('vdi_create')) return false;
  return sr.physicalSize > 0;
}

export function srChoice(sr: SrRecord): SrChoice {
  return { ref: sr.ref, uuid: sr.uuid, name: sr.name, freeBytes: Math.max(0, sr.physicalSize - sr.physicalUtilisation) };
}

/** SRs a restore can write to, the default SR first, then by name. */
export function targetSrs(srs: readonly SrRecord[], defaultRef: string): SrChoice[] {
  return srs
    .filter(writable)
    .map(srChoice)
    .sort((a, b) => (a.ref === defaultRef ? -1 : b.ref === defaultRef ? 1 : a.name.localeCompare(b.name)));
}

export function listTargetSrs(conn: PoolConnection): SrChoice[] {
  return targetSrs(srRecords(conn), defaultSrRef(conn));
}

/** `wanted` (a uuid or a name_label; unique names only), else the default SR. Pure. */
export function chooseSr(choices: readonly SrChoice[], wanted: string | undefined, defaultRef: string): SrChoice {
  const names = choices.map((c) => `${c.name} (${c.uuid})`).join(', ') || 'none';
  if (wanted === undefined || wanted === '') {
    const sr = choices.find((c) => c.ref === defaultRef);
    if (!sr) throw new VmbackupError('NO_DEFAULT_SR', 'the pool has no default SR that can hold disks', `name one with --sr NAME|UUID; SRs that can: ${names}`);
    return sr;
  }
  const byUuid = choices.find((c) => c.uuid === wanted);
  if (byUuid) return byUuid;
  const byName = choices.filter((c) => c.name === wanted);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) throw new VmbackupError('SR_AMBIGUOUS', `${byName.length} SRs are named ${JSON.stringify(wanted)}`, `give the uuid instead: ${byName.map((c) => c.uuid).join(', ')}`);
  throw new VmbackupError('SR_NOT_FOUND', `no SR named ${JSON.stringify(wanted)} that can hold disks`, `SRs that can: ${names}`);
}
