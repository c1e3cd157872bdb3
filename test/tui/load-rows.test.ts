/**
 * The select screen's rows: real VMs only, and the age column read from backup_dir (the newest
 * folder with a `success` marker; an unfinished newer one does not count).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupFolderName, ownNamesIn, vmFolderName } from '../../src/backup/layout.js';
import { DELTA_RECORD_FILE, formatDeltaRecord } from '../../src/chain/record.js';
import { loadRows } from '../../src/tui/load-rows.js';
import type { VmInfo } from '../../src/xapi/records.js';
import { tempDir } from '../helpers/cli.js';

function vm(name: string, over: Partial<VmInfo> = {}): VmInfo {
  return {
    ref: `OpaqueRef:${name}`, uuid: `uuid-${name}`, name, description: '', powerState: 'Halted', isTemplate: false, isSnapshot: false, isControlDomain: false,
    snapshotOf: '', snapshotTime: null, otherConfig: {}, memoryDynamicMax: 0, vcpusMax: 1, vcpusAtStartup: 1, osVersion: '', vbds: [], vifs: [], ...over,
  };
}

/** A dated backup folder of `owner` (a VM's uuid, written as vm.cfg's orig_uuid as the engine does). */
function folder(backupDir: string, vmName: string, at: Date, style: 'legacy' | 'nas', finished: boolean, owner = `uuid-${vmName}`, vmFolder = vmFolderName(vmName)): void {
  const dir = join(backupDir, vmFolder, backupFolderName(at, style));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'vm.cfg'), `name_label=${vmName}\norig_uuid=${owner}\n`);
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

  it("another VM's backups in a shared folder (same name, another pool) are not this VM's age", async () => {
    const dir = tempDir();
    const mine = new Date(2026, 10, 20, 2, 0, 0);
    const theirs = new Date(2026, 10, 25, 2, 0, 0);
    folder(dir, 'web-01', mine, 'legacy', true);
    folder(dir, 'web-01', theirs, 'legacy', true, 'uuid-of-the-other-pools-web-01');
    folder(dir, 'db', theirs, 'legacy', true, 'uuid-someone-else');
    const rows = await loadRows([vm('web-01'), vm('db')], dir);
    expect(rows.map((r) => [r.name, r.lastBackup?.getTime() ?? null])).toEqual([
      ['db', null],
      ['web-01', mine.getTime()],
    ]);
  });

  it('a VM named like the status log inside backup_dir is read from its escaped folder, as the engine writes it', async () => {
    const dir = tempDir();
    const at = new Date(2026, 10, 20, 2, 0, 0);
    writeFileSync(join(dir, 'status.log'), '2026/11/20 02:00:00,vmbackup.py,x,end,SUCCESS\n');
    folder(dir, 'status.log', at, 'legacy', true, 'uuid-status.log', vmFolderName('status.log', ownNamesIn(dir, [join(dir, 'status.log')])));
    const rows = await loadRows([vm('status.log')], dir, join(dir, 'status.log'));
    expect(rows.map((r) => [r.name, r.lastBackup?.getTime() ?? null])).toEqual([['status.log', at.getTime()]]);
  });

  it('a backup_dir that does not exist gives "never" for every VM', async () => {
    const rows = await loadRows([vm('a')], join(tempDir(), 'missing'));
    expect(rows).toMatchObject([{ name: 'a', lastBackup: null }]);
  });

  it('the chain depth of the newest finished backup comes from the injected reader, null when it throws', async () => {
    const dir = tempDir();
    const older = new Date(2026, 10, 20, 2, 0, 0);
    const newer = new Date(2026, 10, 25, 2, 0, 0);
    folder(dir, 'web', older, 'legacy', true);
    folder(dir, 'web', newer, 'legacy', true);
    folder(dir, 'db', older, 'legacy', true);
    folder(dir, 'bad', older, 'legacy', true);
    const asked: string[] = [];
    const rows = await loadRows([vm('web'), vm('db'), vm('bad'), vm('new')], dir, null, async (vmDir, name) => {
      asked.push(join(vmDir, name));
      if (vmDir.endsWith('bad')) throw new Error('damaged record');
      return vmDir.endsWith('web') ? 3 : null;
    });
    expect(rows.map((r) => [r.name, r.chainDepth])).toEqual([['bad', null], ['db', null], ['new', undefined], ['web', 3]]);
    expect(asked).toContain(join(dir, 'web', backupFolderName(newer, 'legacy')));
    expect(asked).toHaveLength(3);
  });

  it('by default the depth is read from the records on disk (chain/depth.ts)', async () => {
    const dir = tempDir();
    const at = new Date(2026, 10, 25, 2, 0, 0);
    folder(dir, 'xva-vm', at, 'legacy', true);
    folder(dir, 'delta-vm', at, 'legacy', true);
    const record = {
      format: 'vmbackup-delta' as const, version: 1 as const, vm: { uuid: 'uuid-delta-vm', name: 'delta-vm' }, snapshot: { uuid: 's' }, parent: null,
      disks: [{ key: 'xvda', userdevice: '0', vdi: 'v', sr: 'sr', snapshotVdi: '00000000-0000-4000-8000-000000000001', file: 'delta-vm.xvda.vhd', kind: 'full' as const, parentSnapshotVdi: null, virtualSize: 512 }],
    };
    writeFileSync(join(dir, 'delta-vm', backupFolderName(at, 'legacy'), DELTA_RECORD_FILE), formatDeltaRecord(record));
    const rows = await loadRows([vm('xva-vm'), vm('delta-vm')], dir);
    expect(rows.map((r) => [r.name, r.chainDepth])).toEqual([['delta-vm', 0], ['xva-vm', null]]);
  });
});
