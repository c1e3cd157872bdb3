/**
 * The select screen's rows: real VMs only, and the age column read from backup_dir (the newest
 * folder with a `success` marker; an unfinished newer one does not count).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupFolderName, vmFolderName } from '../../src/backup/layout.js';
import { loadRows } from '../../src/tui/load-rows.js';
import type { VmInfo } from '../../src/xapi/records.js';
import { tempDir } from '../helpers/cli.js';

function vm(name: string, over: Partial<VmInfo> = {}): VmInfo {
  return {
    ref: `OpaqueRef:${name}`, uuid: `uuid-${name}`, name, description: '', powerState: 'Halted', isTemplate: false, isSnapshot: false, isControlDomain: false,
    snapshotOf: '', snapshotTime: null, otherConfig: {}, memoryDynamicMax: 0, vcpusMax: 1, vcpusAtStartup: 1, osVersion: '', vbds: [], vifs: [], ...over,
  };
}

function folder(backupDir: string, vmName: string, at: Date, style: 'legacy' | 'nas', finished: boolean): void {
  const dir = join(backupDir, vmFolderName(vmName), backupFolderName(at, style));
  mkdirSync(dir, { recursive: true });
  if (finished) writeFileSync(join(dir, 'success'), '');
}

describe('loadRows', () => {
  it('lists real VMs by name with the time of their newest finished backup, or null', async () => {
    const dir = tempDir();
    const older = new Date(2026, 10, 20, 2, 0, 0);
    const newer = new Date(2026, 10, 25, 2, 0, 0);
    folder(dir, 'web 01', older, 'legacy', true);
    folder(dir, 'web 01', newer, 'legacy', false); // unfinished: does not count
    folder(dir, 'win/2019', newer, 'nas', true); // a "/" in the name, NAS-style folder
    mkdirSync(join(dir, 'db')); // a VM folder with no backup in it
    writeFileSync(join(dir, 'stray.txt'), '');
    const rows = await loadRows(
      [vm('web 01'), vm('win/2019'), vm('db'), vm('new'), vm('tpl', { isTemplate: true }), vm('snap', { isSnapshot: true }), vm('Control domain', { isControlDomain: true })],
      dir,
    );
    expect(rows.map((r) => [r.name, r.lastBackup?.getTime() ?? null])).toEqual([
      ['db', null],
      ['new', null],
      ['web 01', older.getTime()],
      ['win/2019', newer.getTime()],
    ]);
  });

  it('a backup_dir that does not exist gives "never" for every VM', async () => {
    const rows = await loadRows([vm('a')], join(tempDir(), 'missing'));
    expect(rows).toMatchObject([{ name: 'a', lastBackup: null }]);
  });
});
