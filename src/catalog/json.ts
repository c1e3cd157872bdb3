/**
 * `vmbackup list --json`: the catalog as one JSON object. The keys of the contract are
 * kept as they are (`backupDir`, `vms[].name/folder/backups[].folder/date/status/mode/format/
 * files/bytes/origUuid`, `poolDb`); the others are additions, free to grow. Dates are ISO 8601
 * with the local offset (`2026-12-07T14:45:18+01:00`), as the folder names are local time.
 * Names are the real text (no escaping): JSON carries any character.
 */
import { isoLocal } from './parse.js';
import type { Catalog, CatalogBackup } from './types.js';

export function backupJson(b: CatalogBackup): object {
  return {
    folder: b.folder,
    path: b.path,
    date: isoLocal(b.date),
    status: b.status,
    mode: b.mode,
    format: b.format,
    files: b.files,
    exportFiles: b.exportFiles,
    bytes: b.bytes,
    diskBytes: b.diskBytes,
    origUuid: b.origUuid,
    vmName: b.vmName,
    verification: b.verification,
    problems: b.problems ?? [],
    ...(b.chain ? { chain: b.chain } : {}),
  };
}

export function catalogJson(catalog: Catalog): object {
  return {
    backupDir: catalog.backupDir,
    vms: catalog.vms.map((vm) => ({ name: vm.name, folder: vm.folder, path: vm.path, backups: vm.backups.map(backupJson) })),
    poolDb: catalog.poolDb.map((d) => ({ folder: d.folder, file: d.file, path: d.path, date: isoLocal(d.date), bytes: d.bytes })),
    strays: catalog.strays.map((s) => ({ path: s.path, kind: s.kind, reason: s.reason })),
  };
}
