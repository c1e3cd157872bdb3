/**
 * CHS geometry of a VHD footer, computed as vhd-lib's `_computeGeometryForSize` does (the VHD
 * spec's appendix "CHS calculation", but with real division and cylinders rounded UP).
 *
 * The rounding matters for qemu: with a creator like `caml` qemu takes the disk size from the
 * geometry, not from currentSize. Rounding up (vhd-lib) makes that size ≥ currentSize, so qemu
 * sees the whole disk plus a zero tail; the spec's integer division (ocaml-vhd, XAPI) makes it ≤
 * currentSize, so qemu silently drops the last sectors. See vhd-writer.ts for how the BAT is sized.
 */
const SECTOR = 512;
/** 65535 cylinders × 16 heads × 255 sectors: the largest geometry; qemu then trusts currentSize. */
export const VHD_MAX_CHS_SECTORS = 65535 * 16 * 255;

export interface VhdGeometry {
  readonly cylinders: number;
  readonly heads: number;
  readonly sectorsPerTrack: number;
  /** cylinders × heads × sectorsPerTrack × 512: the size a CHS-trusting reader (qemu) sees. */
  readonly chsSize: number;
}

export function computeVhdGeometry(size: number): VhdGeometry {
  const totalSectors = Math.min(Math.ceil(size / SECTOR), VHD_MAX_CHS_SECTORS);
  let sectorsPerTrack: number;
  let heads: number;
  let cylinderTimesHeads: number;
  if (totalSectors >= 65535 * 16 * 63) {
    sectorsPerTrack = 255;
    heads = 16;
    cylinderTimesHeads = totalSectors / sectorsPerTrack;
  } else {
    sectorsPerTrack = 17;
    cylinderTimesHeads = totalSectors / sectorsPerTrack;
    heads = Math.max(4, Math.floor((cylinderTimesHeads + 1023) / 1024));
    if (cylinderTimesHeads >= heads * 1024 || heads > 16) {
      sectorsPerTrack = 31;
      heads = 16;
      cylinderTimesHeads = totalSectors / sectorsPerTrack;
    }
    if (cylinderTimesHeads >= heads * 1024) {
      sectorsPerTrack = 63;
      heads = 16;
      cylinderTimesHeads = totalSectors / sectorsPerTrack;
    }
  }
  const cylinders = Math.ceil(cylinderTimesHeads / heads);
  return { cylinders, heads, sectorsPerTrack, chsSize: cylinders * heads * sectorsPerTrack * SECTOR };
}
