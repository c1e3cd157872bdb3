/**
 * How full an SR is. The SR's physical_utilisation is the sum of its VDIs' physical_utilisation
 * and its virtual_allocation the sum of their virtual sizes (the pool builder sets both at
 * start); every VDI created or destroyed afterwards moves them by its own figures.
 *
 * A VDI made by VDI.create or an import counts its whole virtual size, as on a thick
 * provisioned (LVM) SR: the room checked before it is made (SR_FULL) is then the room it takes,
 * so a client that checks `physical_size − physical_utilisation` against the virtual sizes it
 * is about to create sees the answer the simulator will give. Fixture disks keep their
 * allocated bytes (thin), as before.
 */
import { XapiFailure } from '../errors.js';
import type { Value } from '../schema/types.js';
import type { SimState } from '../state.js';

/** physical_size − physical_utilisation, never below 0. */
export function srFreeBytes(sim: SimState, sr: string): number {
  const row = sim.store.expect('SR', sr);
  return Math.max(0, Number(row.record.physical_size) - Number(row.record.physical_utilisation));
}

/** SR_FULL [needed, available] (byte counts as strings, as XAPI sends them) when `needed` does not fit. */
export function assertSrRoom(sim: SimState, sr: string, needed: number): void {
  const available = srFreeBytes(sim, sr);
  if (needed > available) throw new XapiFailure('SR_FULL', [String(needed), String(available)]);
}

/** Adds (sign 1) or removes (sign −1) a VDI's figures to its SR's; a VDI of no known SR is ignored. */
export function accountVdi(sim: SimState, vdi: string, sign: 1 | -1): void {
  const row = sim.store.get(vdi);
  const sr = row && sim.store.get(String(row.record.SR));
  if (!row || !sr || sr.cls.name !== 'SR') return;
  const used = Number(sr.record.physical_utilisation) + sign * Number(row.record.physical_utilisation);
  const allocated = Number(sr.record.virtual_allocation) + sign * Number(row.record.virtual_size);
  sim.store.update(sr.ref, { physical_utilisation: Math.max(0, used), virtual_allocation: Math.max(0, allocated) } as Record<string, Value>);
}

/** A new VDI record with its content (zeros) and its room taken on the SR; SR_FULL when it does not fit. */
export function createVdi(sim: SimState, fields: Record<string, Value>): string {
  const sr = String(fields.SR);
  const size = Number(fields.virtual_size ?? 0);
  assertSrRoom(sim, sr, size);
  const ref = sim.store.add('VDI', { ...fields, virtual_size: size, physical_utilisation: size });
  // A file SR names the VHD after the VDI's uuid, as the fixture disks do.
  if (!fields.location) sim.store.update(ref, { location: String(sim.store.get(ref)!.record.uuid) });
  sim.disks.createEmpty(ref, size);
  accountVdi(sim, ref, 1);
  return ref;
}

/** Removes a VDI record and its content, giving its room back (no checks: callers do those). */
export function removeVdi(sim: SimState, vdi: string): void {
  accountVdi(sim, vdi, -1);
  sim.store.remove(vdi);
  sim.disks.forget(vdi);
}
