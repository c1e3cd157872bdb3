/**
 * A plain list of VM names, one per line, for checking a cfg offline (`vmbackup preview
 * --vm-names NAMES.txt`). Lines are taken verbatim (a VM name may have spaces at its ends);
 * only the line break and a Windows "\r" are removed, and empty lines are skipped. Templates,
 * snapshots and dom0 are assumed absent, as in `xe vm-list is-control-domain=false
 * is-a-snapshot=false params=name-label`.
 */
import { type ConfigIssue, IssueList } from '../config/index.js';
import { byteLines, decodeLine } from '../util/byte-lines.js';
import type { VmCandidate } from './resolve.js';

export function parseVmNamesList(input: Uint8Array | string, file: string): { vms: VmCandidate[]; issues: ConfigIssue[] } {
  const issues = new IssueList(file);
  const vms: VmCandidate[] = [];
  byteLines(input).forEach((raw, i) => {
    const decoded = decodeLine(raw);
    if (decoded === null) {
      issues.error(i + 1, 'this line is not valid UTF-8', 'save the file as UTF-8');
      return;
    }
    const name = (i === 0 ? decoded.replace(/^\uFEFF/, '') : decoded).replace(/\r$/, '');
    if (name === '') return;
    if (name.trim() !== name) {
      issues.warning(i + 1, `${JSON.stringify(name)} starts or ends with whitespace; it is kept as part of the name`, 'remove the spaces if they are not in the VM name');
    }
    vms.push({ name, origin: `${file}:${i + 1}` });
  });
  return { vms, issues: issues.items };
}
