/**
 * What `GET /export_raw_vdi?format=vhd&base=B` needs beyond a plain export (delta-restore.md §B.1):
 * which base XAPI accepts, which blocks go out, and the identities XAPI writes.
 *
 * XAPI looks the base up after the 200 headers (`Importexport.base_vdi_of_req` inside the attach),
 * so every refusal here is a 200 with an empty body and a failed task:
 *   - neither a VDI ref nor a VDI uuid: UUID_INVALID [VDI, base] (Db.VDI.get_by_uuid);
 *   - a `cbt_metadata` VDI (after VDI.data_destroy) cannot be attached:
 *     VDI_INCOMPATIBLE_TYPE [ref, cbt_metadata] (the same for the exported VDI itself);
 *   - a base not backed by a VHD file (a raw VDI: sm_config type=raw or vdi_type aio/raw, or an SR
 *     of a raw type): vhd_tool_wrapper's `failwith`, which the task reports as
 *     INTERNAL_ERROR ["base VDI is not a vhd; cannot compute differences"];
 *   - the `refuse-base` fault: the same INTERNAL_ERROR, on an ordinary SR.
 */
import { createHash } from 'node:crypto';
import { XapiFailure } from '../errors.js';
import type { Row } from '../db/store.js';
import { BLOCK_SIZE, CHUNK_SIZE, type DiskContent } from '../disks/content.js';
import { changedBlocks } from '../disks/layers.js';
import type { SimState } from '../state.js';

export const NOT_A_VHD = 'base VDI is not a vhd; cannot compute differences';

/** SR types whose VDIs are raw block devices, never VHD files (XCP-ng `rawhba`, `udev`, `iso`). */
const RAW_SR_TYPES = new Set(['rawhba', 'udev', 'iso']);

/** A VDI given as ref or uuid, as `base_vdi_of_req` resolves it. */
export function resolveBase(sim: SimState, id: string): Row {
  const byRef = sim.store.get(id);
  if (byRef && byRef.cls.name === 'VDI') return byRef;
  const byUuid = sim.store.byUuid('VDI', id);
  if (!byUuid) throw new XapiFailure('UUID_INVALID', ['VDI', id]);
  return byUuid;
}

export function assertAttachable(vdi: Row): void {
  if (vdi.record.type === 'cbt_metadata') throw new XapiFailure('VDI_INCOMPATIBLE_TYPE', [vdi.ref, 'cbt_metadata']);
}

/** True when the VDI lives in a VHD file (or VHD on LVM), the only kind vhd-tool can diff against. */
export function isVhdBacked(sim: SimState, vdi: Row): boolean {
  const sm = (vdi.record.sm_config ?? {}) as Record<string, unknown>;
  if (sm.type === 'raw' || sm.vdi_type === 'aio' || sm.vdi_type === 'raw') return false;
  const sr = sim.store.get(String(vdi.record.SR));
  return !RAW_SR_TYPES.has(String(sr?.record.type ?? ''));
}

/** Every refusal of a base, in XAPI's order (attach, then vhd-tool), as a thrown XapiFailure. */
export function checkBase(sim: SimState, vdi: Row, base: Row): void {
  assertAttachable(vdi);
  assertAttachable(base);
  if (sim.faults.baseRefused(base.record) || !isVhdBacked(sim, base)) throw new XapiFailure('INTERNAL_ERROR', [NOT_A_VHD]);
}

/** A uuid made from text: the same text, the same uuid (RFC 4122 layout, version 4 bits). */
function derivedUuid(text: string): string {
  const h = createHash('sha256').update(text).digest();
  h[6] = (h[6]! & 0x0f) | 0x40;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The footer uid of the VHD file holding a VDI's leaf on the SR: what XAPI writes as a delta's
 * parent uuid. SM never makes it the VDI's uuid (a snapshot gets a new leaf file), so neither do
 * we: it is derived from the VDI's uuid, stable for the VDI's life, and different from it.
 */
export function vhdUidOf(vdi: Row): string {
  return derivedUuid(`sm-vhd-leaf:${String(vdi.record.uuid)}`);
}

/** The base's file as vhd-tool names it in the header (parent_unicode_name): its host path. */
export function hostPathOf(sim: SimState, vdi: Row): string {
  const sr = sim.store.get(String(vdi.record.SR));
  const srUuid = String(sr?.record.uuid ?? '');
  const location = String(vdi.record.location || vdi.record.uuid);
  return String(sr?.record.type ?? '').startsWith('lvm') ? `/dev/VG_XenStorage-${srUuid}/VHD-${location}` : `/var/run/sr-mount/${srUuid}/${location}.vhd`;
}

/** Chunk `index` as pieces that must not be modified (no copy where the content can avoid one), or null when empty. */
function chunkParts(content: DiskContent, index: number): Buffer[] | null {
  if (content.pieces) return content.pieces(index)?.parts ?? null;
  const chunk = content.chunk(index);
  return chunk && [chunk];
}

/** Whether 2 MiB block `index` holds data, without building it (a generated chunk is a pattern reference). */
export function blockHasData(content: DiskContent, index: number): boolean {
  if (chunkParts(content, index * 2) !== null) return true;
  return (index * 2 + 1) * CHUNK_SIZE < content.size && chunkParts(content, index * 2 + 1) !== null;
}

/**
 * A 2 MiB block from two 1 MiB chunks, or null when both are empty. One copy of the bytes: the
 * pieces go straight into the block (a generated chunk is a shared pattern and a stamp; joining
 * them first, then zero-filling the block and copying again, tripled the copies of a full export
 * and its garbage), and only a missing chunk is zero-filled.
 */
export function blockOf(content: DiskContent, index: number): Buffer | null {
  const first = chunkParts(content, index * 2);
  const second = (index * 2 + 1) * CHUNK_SIZE < content.size ? chunkParts(content, index * 2 + 1) : null;
  if (!first && !second) return null;
  const length = Math.min(BLOCK_SIZE, content.size - index * BLOCK_SIZE);
  const block = Buffer.allocUnsafe(length);
  for (const [k, parts] of [first, second].entries()) {
    const start = k * CHUNK_SIZE;
    if (start >= length) break;
    const end = Math.min(length, start + CHUNK_SIZE);
    let at = start;
    for (const part of parts ?? []) at += part.copy(block, at);
    block.fill(0, at, end);
  }
  return block;
}

/**
 * The blocks a delta of `content` against `base` carries: from the layers when both describe
 * them (XAPI's superset), else by comparing the bytes of each block.
 */
export function deltaBlocks(content: DiskContent, base: DiskContent): Set<number> {
  const fromLayers = changedBlocks(content, base);
  if (fromLayers) return new Set(fromLayers);
  const out = new Set<number>();
  for (let i = 0; i * BLOCK_SIZE < content.size; i++) {
    const a = blockOf(content, i);
    const b = blockOf(base, i);
    if (a === null ? b !== null : b === null || !a.equals(b)) out.add(i);
  }
  return out;
}
