/** A finding as one line of text, shared by verify's output, its record and verify_after's log. Pure. */
import { whereText } from '../backup/verify-failure.js';
import type { VerifyFinding } from './types.js';

/**
 * `disk.vhd: VHD footer at byte 0: checksum is …`: a finding without its folder. A delta point's
 * bad link: `chain: backup-…/app.xvda.vhd (link 3 of 5): content checksum at byte …: …`.
 */
export function findingText(f: Pick<VerifyFinding, 'file' | 'layer' | 'member' | 'offset' | 'decompressed' | 'reason' | 'chainLink'>): string {
  if (f.layer === 'chain') {
    const link = f.chainLink ? ` (link ${f.chainLink.index}${f.chainLink.of === null ? '' : ` of ${f.chainLink.of}`})` : '';
    return `chain: ${f.file}${link}: ${f.reason}`;
  }
  return `${f.file === '' ? '' : `${f.file}: `}${whereText({ ...f, layer: f.layer })}: ${f.reason}`;
}
