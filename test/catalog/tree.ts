/** Builds backup trees for the catalog tests: a spec of relative paths → contents. */
import { closeSync, ftruncateSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A sparse file: `size` bytes long with only its last byte written, so it uses far fewer blocks. */
export const SPARSE = (size: number) => ({ sparse: size });

export type Content = string | { sparse: number };

/** Writes every file of `spec` under `root`; a path ending in "/" is an empty folder. */
export function writeTree(root: string, spec: Record<string, Content>): void {
  for (const [rel, content] of Object.entries(spec)) {
    const path = join(root, rel);
    if (rel.endsWith('/')) {
      mkdirSync(path, { recursive: true });
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    if (typeof content === 'string') writeFileSync(path, content);
    else {
      const fd = openSync(path, 'w');
      ftruncateSync(fd, content.sparse - 1);
      writeSync(fd, 'x', content.sparse - 1);
      closeSync(fd);
    }
  }
}

/** The files of one dated backup as vmbackup writes them (the e2e tree of test/e2e/backup-run.test.ts). */
export function datedBackup(vmFolder: string, dated: string, opts: { uuid: string; name: string; exports: Record<string, Content>; success?: boolean; disk?: string }): Record<string, Content> {
  const base = `${vmFolder}/${dated}`;
  const disk = opts.disk ?? 'xvda';
  const spec: Record<string, Content> = {
    [`${base}/vm.cfg`]: `name_label=${opts.name}\nname_description=\nmemory_dynamic_max=1073741824\nVCPUs_max=1\nVCPUs_at_startup=1\nos_version=\norig_uuid=${opts.uuid}\n`,
    [`${base}/DISK-${disk}/vbd.cfg`]: 'userdevice=0\nbootable=True\nmode=RW\ntype=Disk\nunpluggable=False\nempty=False\norig_uuid=vbd\n',
    [`${base}/DISK-${disk}/vdi.cfg`]: 'name_label=disk\nname_description=\nvirtual_size=1048576\ntype=system\nsharable=False\nread_only=False\norig_uuid=vdi\n',
  };
  for (const [name, content] of Object.entries(opts.exports)) spec[`${base}/${name}`] = content;
  if (opts.success !== false) spec[`${base}/success`] = '';
  return spec;
}
