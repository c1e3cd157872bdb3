/** A finding as one line of text, shared by verify's output, its record and verify_after's log. Pure. */
import { whereText } from '../backup/verify-failure.js';
import type { VerifyFinding } from './types.js';

/** `disk.vhd: VHD footer at byte 0: checksum is …`: a finding without its folder. */
export function findingText(f: Pick<VerifyFinding, 'file' | 'layer' | 'member' | 'offset' | 'decompressed' | 'reason'>): string {
  return `${f.file === '' ? '' : `${f.file}: `}${whereText(f)}: ${f.reason}`;
}

