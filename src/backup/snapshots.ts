/**
 * Our snapshots: taken with a tag that proves they are ours, and removed the way `xe
 * vm-uninstall` removes a snapshot. The tag lives in other_config. It is put on the source
 * first, so the snapshot is born with it (VM.snapshot copies other_config): there is no moment
 * when an untagged snapshot of ours exists, even if we are killed between two calls. The sweep
 * of a later run finds leftovers by this tag, never by name (the old script destroyed a real VM
 * named RESTORE_<vm>, NAU #96).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { VmbackupError } from '../errors.js';
import type { PoolConnection } from '../xapi/connection.js';
import { poolError, XapiCallError } from '../xapi/errors.js';
import { NULL_REF, str } from '../xapi/records.js';

export const RUN_TAG = 'vmbackup:run';
export const TIME_TAG = 'vmbackup:time';

export interface RetryPolicy {
  /** Attempts at VDI.destroy while it answers VDI_IN_USE. */
  attempts: number;
  /** First pause; doubled after each attempt. */
  delayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, delayMs: 2_000 };

export async function setTag(conn: PoolConnection, cls: 'VM' | 'VDI', ref: string, key: string, value: string): Promise<void> {
  await conn.call(`tagging ${cls} ${ref}`, `${cls}.remove_from_other_config`, ref, key);
  await conn.call(`tagging ${cls} ${ref}`, `${cls}.add_to_other_config`, ref, key, value);
}

export async function untag(conn: PoolConnection, cls: 'VM' | 'VDI', ref: string, key: string): Promise<void> {
  await conn.call(`untagging ${cls} ${ref}`, `${cls}.remove_from_other_config`, ref, key).catch(() => undefined);
}

/** VM.snapshot named RESTORE_<vm> (as the old script), tagged, turned into a plain halted VM. */
export async function takeVmSnapshot(conn: PoolConnection, vm: { ref: string; name: string }, runId: string, signal?: AbortSignal): Promise<string> {
  await setTag(conn, 'VM', vm.ref, RUN_TAG, runId);
  let snap: string;
  try {
    snap = await conn.callAsync<string>(`snapshot of ${vm.name}`, signal, 'VM.snapshot', vm.ref, `RESTORE_${vm.name}`);
  } finally {
    await untag(conn, 'VM', vm.ref, RUN_TAG);
  }
  // Belt and braces: should the pool not copy other_config, tag the snapshot itself.
  await setTag(conn, 'VM', snap, RUN_TAG, runId);
  await setTag(conn, 'VM', snap, TIME_TAG, new Date().toISOString());
  // Its disks too: if VM.destroy works but a VDI.destroy never does, the sweep still finds them.
  for (const vdi of await ownedDisks(conn, snap)) await setTag(conn, 'VDI', vdi, RUN_TAG, runId);
  // Exports and imports of templates misbehave (XO notes the same); a snapshot must not start
  // itself after a host failure either.
  await conn.call('clearing the template flag', 'VM.set_is_a_template', snap, false);
  await conn.call('clearing ha_always_run', 'VM.set_ha_always_run', snap, false);
  return snap;
}

/** VDI.snapshot labelled SNAP_<vm>_<disk label> with spaces as "-" (as the old script), tagged. */
export async function takeVdiSnapshot(conn: PoolConnection, vdi: { ref: string; nameLabel: string }, vmName: string, runId: string, signal?: AbortSignal): Promise<string> {
  await setTag(conn, 'VDI', vdi.ref, RUN_TAG, runId);
  let snap: string;
  try {
    snap = await conn.callAsync<string>(`snapshot of disk ${vdi.nameLabel}`, signal, 'VDI.snapshot', vdi.ref, {});
  } finally {
    await untag(conn, 'VDI', vdi.ref, RUN_TAG);
  }
  await setTag(conn, 'VDI', snap, RUN_TAG, runId);
  await conn.call('labelling the disk snapshot', 'VDI.set_name_label', snap, `SNAP_${vmName}_${vdi.nameLabel}`.replace(/ /g, '-'));
  return snap;
}

/** VDI.destroy, retried with a growing pause while the pool answers VDI_IN_USE (XO #7826). */
export async function destroyVdi(conn: PoolConnection, vdi: string, retry: RetryPolicy, log: (message: string) => void = () => undefined): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await conn.call(`destroying disk snapshot ${vdi}`, 'VDI.destroy', vdi);
      return;
    } catch (err) {
      if (err instanceof XapiCallError && err.xapiCode === 'HANDLE_INVALID') return; // already gone
      if (!(err instanceof XapiCallError && err.xapiCode === 'VDI_IN_USE') || attempt >= retry.attempts) throw err;
      const pause = retry.delayMs * 2 ** (attempt - 1);
      log(`VDI_IN_USE destroying disk snapshot ${vdi}: retry ${attempt}/${retry.attempts - 1} in ${pause / 1000} s`);
      await sleep(pause);
    }
  }
}

/** The VM snapshot is gone, some of its disks are not (VDI_IN_USE...): they stay tagged as ours. */
export class DisksLeftError extends VmbackupError {
  constructor(
    readonly disks: { ref: string; uuid: string }[],
    cause: VmbackupError,
  ) {
    super('SNAPSHOT_DISKS_LEFT', `the disk snapshot${disks.length === 1 ? '' : 's'} ${disks.map((d) => d.uuid).join(', ')} could not be removed: ${cause.message}`, cause.hint);
    this.name = 'DisksLeftError';
  }
}

/**
 * Removes a VM snapshot as `xe vm-uninstall` does: VM.destroy (which keeps disks), then
 * VDI.destroy for exactly the VDIs whose VBD other_config carries "owner". Every disk is tried
 * even when one refuses; those left are named (DisksLeftError).
 */
export async function destroyVmSnapshot(conn: PoolConnection, snap: string, retry: RetryPolicy, log?: (message: string) => void): Promise<void> {
  const owned = await ownedDisks(conn, snap);
  await conn.call('destroying the snapshot', 'VM.destroy', snap);
  const left: { ref: string; uuid: string }[] = [];
  let cause: VmbackupError | null = null;
  for (const vdi of owned) {
    try {
      await destroyVdi(conn, vdi, retry, log);
    } catch (err) {
      if ((err as { code?: unknown }).code === 'CONNECTION_LOST') throw err;
      left.push({ ref: vdi, uuid: str(conn.lookup(vdi)?.uuid) || vdi });
      cause ??= poolError(err, `destroying disk snapshot ${vdi}`);
    }
  }
  if (cause) throw new DisksLeftError(left, cause);
}

/** The VDIs whose VBD on `vm` has "owner" in other_config: what `xe vm-uninstall` destroys. */
export async function ownedDisks(conn: PoolConnection, vm: string): Promise<string[]> {
  const record = await conn.call<Record<string, unknown>>('reading the snapshot', 'VM.get_record', vm);
  const owned: string[] = [];
  for (const vbdRef of (record.VBDs as string[] | undefined) ?? []) {
    const vbd = await conn.call<Record<string, unknown>>('reading a snapshot disk', 'VBD.get_record', vbdRef);
    const vdi = str(vbd.VDI);
    if (vdi !== NULL_REF && Object.hasOwn((vbd.other_config as Record<string, unknown>) ?? {}, 'owner')) owned.push(vdi);
  }
  return owned;
}
