/**
 * `vmbackup verify --json`: `{"checked", "ok", "failed": [{"folder", "file", "layer", "member",
 * "offset", "reason"}], "bytes", "elapsedMs"}` (those keys are a contract), plus `decompressed`
 * in each failure, `cancelled`, and `backups`: each backup's verdict (folder, vm, ok, bytes,
 * notes, `basis`: how each file was judged (its sums, or its format checks), whether the record
 * was written). A delta point's backup adds `chain`: {depth, links (the earlier points, newest
 * first), linksChecked, ok}; a failure in its chain has layer "chain", `file` the link's
 * `<folder>/<file>` and `chainLink` {index, of} counted from the full. Text from the disk stays
 * as it is: JSON escapes it.
 */
import type { VerifySummary } from '../verify/types.js';

export function verifyJson(s: VerifySummary) {
  return {
    checked: s.checked,
    ok: s.ok,
    failed: s.failed.map((f) => ({ folder: f.folder, file: f.file, layer: f.layer, member: f.member, offset: f.offset, decompressed: f.decompressed, reason: f.reason, ...(f.chainLink ? { chainLink: f.chainLink } : {}) })),
    bytes: s.bytes,
    elapsedMs: s.elapsedMs,
    cancelled: s.cancelled,
    backups: s.verdicts.map((v) => ({ vm: v.vm, folder: v.folder, path: v.path, ok: v.ok, bytes: v.bytes, elapsedMs: v.elapsedMs, notes: v.notes, basis: v.basis ?? [], recorded: v.recorded, recordProblem: v.recordProblem, ...(v.chain ? { chain: v.chain } : {}) })),
  };
}
