/**
 * scanCatalog on backup trees built in a temp dir: decoded VM names, both dated-folder styles,
 * unfinished backups, formats and modes from the files, sizes of sparse files, uuids from vm.cfg
 * and from a VmBackup.py 3.22 vm-metadata.xml, verify records, pool dumps, strays and own files.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ownNamesIn } from '../../src/backup/layout.js';
import { scanCatalog } from '../../src/catalog/index.js';
import { VmbackupError } from '../../src/errors.js';
import { tempDirForTest } from '../helpers/temp.js';
import { datedBackup, SPARSE, writeTree } from './tree.js';

const MiB = 2 ** 20;
const WIN = '11111111-1111-4111-8111-111111111111';
const WEB = '22222222-2222-4222-8222-222222222222';
const DB = '33333333-3333-4333-8333-333333333333';

const METADATA_XML = `<?xml version="1.0"?>
<value>
  <struct>
    <member>
      <name>objects</name>
      <value>
        <array>
          <data>
            <value>
              <struct>
                <member>
                  <name>class</name>
                  <value>VM</value>
                </member>
                <member>
                  <name>snapshot</name>
                  <value>
                    <struct>
                      <member>
                        <name>uuid</name>
                        <value>${DB}</value>
                      </member>
                    </struct>
                  </value>
                </member>
              </struct>
            </value>
            <value><struct><member><name>class</name><value>VDI</value></member><member><name>snapshot</name><value><struct><member><name>uuid</name><value>44444444-4444-4444-8444-444444444444</value></member></struct></value></member></struct></value>
          </data>
        </array>
      </value>
    </member>
  </struct>
</value>
`;

/** The tree most tests read: three VMs, an empty VM folder, pool dumps, own files and strays. */
function mainTree(): string {
  const dir = tempDirForTest('catalog');
  writeTree(dir, {
    // win/2019: a vdi-export of two disks (the boot disk's file first), sparse; and an older nas-style unfinished one.
    ...datedBackup('%win%2F2019', 'backup-2026-12-07-(14:45:18)', { uuid: WIN, name: 'win/2019', disk: 'hda', exports: { '%win%2F2019.raw': SPARSE(4 * MiB), '%win%2F2019.hdb.raw': SPARSE(2 * MiB) } }),
    ...datedBackup('%win%2F2019', 'backup-2026-12-06-(14-45-18)', { uuid: WIN, name: 'win/2019', disk: 'hda', exports: { '.%win%2F2019.raw.partial': SPARSE(MiB) }, success: false }),
    // web 01: zstd and gzip vm-exports, one verified, one with a broken verify record; a stray file and folder.
    ...datedBackup('web 01', 'backup-2026-12-05-(01:00:00)', { uuid: WEB, name: 'web 01', exports: { 'web 01.xva.zst': 'zst' } }),
    ...datedBackup('web 01', 'backup-2026-12-07-(01:00:00)', { uuid: WEB, name: 'web 01', exports: { 'web 01.xva.gz': 'gz' } }),
    'web 01/backup-2026-12-07-(01:00:00)/vmbackup-verify.json': JSON.stringify({ at: '2026-12-07T02:00:00+00:00', result: 'ok' }),
    'web 01/backup-2026-12-05-(01:00:00)/vmbackup-verify.json': '{"at": "yesterday"',
    'web 01/notes.txt': 'mine',
    'web 01/old copy/': '',
    // db: VmBackup.py 3.22 (vm-metadata.xml, no vm.cfg) with its success_compress marker.
    'db/backup-2026-12-01-(00:00:00)/vm-metadata.xml': METADATA_XML,
    'db/backup-2026-12-01-(00:00:00)/db.xva': 'xva',
    'db/backup-2026-12-01-(00:00:00)/success_compress': '',
    'empty vm/': '',
    'METADATA_xcp1/pool_db_20261207-144518.dump': 'dump two',
    'METADATA_xcp1/pool_db_20261206-000000.dump': 'dump',
    'METADATA_xcp1/readme.txt': 'x',
    // Ours: not strays.
    '.vmbackup.lock': '{}',
    '00VMbackupWriteTest': '',
    'status.log': '',
    'vmbackup-2026-12-07-(01:00:00).log': '',
    'vmbackup-2026-12-07-(01:00:00).json': '{}',
    // Strays.
    '%bad%zz/backup-2026-12-01-(00:00:00)/success': '',
    '%win%2f2019/': '',
    '.snapshot/': '',
    'random.txt': 'x',
  });
  symlinkSync(join(dir, 'web 01'), join(dir, 'link'));
  return dir;
}

describe('scanCatalog', () => {
  it('lists every VM folder by its decoded name, every backup newest first, with status, mode, format, sizes, uuid and verification', async () => {
    const dir = mainTree();
    const c = await scanCatalog(dir);
    expect(c.backupDir).toBe(dir);
    expect(c.vms.map((v) => [v.name, v.folder, v.backups.map((b) => b.folder)])).toEqual([
      ['db', 'db', ['backup-2026-12-01-(00:00:00)']],
      ['empty vm', 'empty vm', []],
      ['web 01', 'web 01', ['backup-2026-12-07-(01:00:00)', 'backup-2026-12-05-(01:00:00)']],
      ['win/2019', '%win%2F2019', ['backup-2026-12-07-(14:45:18)', 'backup-2026-12-06-(14-45-18)']],
    ]);
    const [db, , web, win] = c.vms;
    const [winNew, winOld] = win!.backups;
    expect(winNew).toMatchObject({ status: 'success', mode: 'vdi-export', format: 'raw', origUuid: WIN, vmName: 'win/2019', verification: null, exportFiles: ['%win%2F2019.raw', '%win%2F2019.hdb.raw'] });
    expect(winNew!.path).toBe(join(dir, '%win%2F2019', 'backup-2026-12-07-(14:45:18)'));
    expect(winNew!.date).toEqual(new Date(2026, 11, 7, 14, 45, 18));
    expect(winNew!.files).toEqual(['%win%2F2019.hdb.raw', '%win%2F2019.raw', 'DISK-hda/vbd.cfg', 'DISK-hda/vdi.cfg', 'success', 'vm.cfg']);
    // Apparent size counts the holes; on disk they take nothing.
    expect(winNew!.bytes).toBeGreaterThan(6 * MiB);
    expect(winNew!.diskBytes).toBeLessThan(winNew!.bytes / 4);
    expect(winNew!.problems).toBeUndefined();
    expect(winOld).toMatchObject({ status: 'unfinished', mode: 'unknown', format: 'unknown', exportFiles: [], date: new Date(2026, 11, 6, 14, 45, 18) });
    expect(winOld!.files).toContain('.%win%2F2019.raw.partial');

    expect(web!.backups[0]).toMatchObject({ status: 'success', mode: 'vm-export', format: 'xva.gz', verification: { at: '2026-12-07T02:00:00+00:00', result: 'ok' } });
    expect(web!.backups[1]).toMatchObject({ format: 'xva.zst', verification: null, problems: [expect.stringMatching(/^vmbackup-verify\.json is unreadable: not JSON/)] });
    expect(db!.backups[0]).toMatchObject({ status: 'success', format: 'xva', mode: 'vm-export', origUuid: DB, vmName: null });
  });

  it('lists the pool dumps newest first, and the strays with their reasons; the own files are neither', async () => {
    const dir = mainTree();
    const c = await scanCatalog(dir);
    expect(c.poolDb.map((d) => [d.folder, d.file, d.bytes, d.date])).toEqual([
      ['METADATA_xcp1', 'pool_db_20261207-144518.dump', 8, new Date(2026, 11, 7, 14, 45, 18)],
      ['METADATA_xcp1', 'pool_db_20261206-000000.dump', 4, new Date(2026, 11, 6, 0, 0, 0)],
    ]);
    expect(c.strays).toEqual([
      { path: '%bad%zz', kind: 'folder', reason: 'not a folder name vmbackup gives a VM' },
      { path: '%win%2f2019', kind: 'folder', reason: 'not a folder name vmbackup gives a VM' },
      { path: '.snapshot', kind: 'folder', reason: 'not a folder name vmbackup gives a VM' },
      { path: 'METADATA_xcp1/readme.txt', kind: 'file', reason: expect.stringMatching(/^not a pool database dump/) },
      { path: 'link', kind: 'other', reason: 'a symbolic link, not followed' },
      { path: 'random.txt', kind: 'file', reason: 'not a VM folder' },
      { path: 'web 01/notes.txt', kind: 'file', reason: 'not a dated backup folder' },
      { path: 'web 01/old copy', kind: 'folder', reason: 'not a dated backup folder name' },
    ]);
  });

  it('--vm keeps that VM (exact decoded name) and the strays in its folder, no pool dumps', async () => {
    const dir = mainTree();
    const c = await scanCatalog(dir, { vm: 'web 01' });
    expect(c.vms.map((v) => v.name)).toEqual(['web 01']);
    expect(c.poolDb).toEqual([]);
    expect(c.strays.map((s) => s.path)).toEqual(['web 01/notes.txt', 'web 01/old copy']);
    expect((await scanCatalog(dir, { vm: 'win/2019' })).vms.map((v) => v.folder)).toEqual(['%win%2F2019']);
    expect((await scanCatalog(dir, { vm: 'web' })).vms).toEqual([]);
    expect((await scanCatalog(dir, { vm: '%win%2F2019' })).vms).toEqual([]);
  });

  it("skips the run's own names (the status log's folder) when given them, and reads that folder as a VM's when not", async () => {
    const dir = tempDirForTest('catalog');
    writeTree(dir, { 'logs/status.log': '', ...datedBackup('%logs', 'backup-2026-12-07-(14:45:18)', { uuid: WEB, name: 'logs', exports: { '%logs.xva': 'x' } }) });
    const own = ownNamesIn(dir, [join(dir, 'logs', 'status.log')]);
    const withOwn = await scanCatalog(dir, { own });
    expect(withOwn.vms.map((v) => [v.name, v.folder, v.backups.length])).toEqual([['logs', '%logs', 1]]);
    expect(withOwn.strays).toEqual([]);
    // Without the cfg, `logs` is an ordinary VM folder (its status.log a stray in it), and `%logs` no spelling of any name.
    const without = await scanCatalog(dir);
    expect(without.vms.map((v) => [v.name, v.folder])).toEqual([['logs', 'logs']]);
    expect(without.strays.map((s) => s.path)).toEqual(['%logs', 'logs/status.log']);
  });

  it('says when a folder holds exports of two formats, or a successful one none, instead of guessing', async () => {
    const dir = tempDirForTest('catalog');
    writeTree(dir, {
      ...datedBackup('vm', 'backup-2026-12-07-(14:45:18)', { uuid: WEB, name: 'vm', exports: { 'vm.xva': 'x', 'vm.raw': 'y' } }),
      ...datedBackup('vm', 'backup-2026-12-08-(14:45:18)', { uuid: WEB, name: 'vm', exports: {} }),
    });
    const [newer, older] = (await scanCatalog(dir)).vms[0]!.backups;
    expect(newer).toMatchObject({ format: 'unknown', mode: 'unknown', status: 'success', problems: ['no export file (.xva, .xva.gz, .xva.zst, .raw, .vhd)'] });
    expect(older).toMatchObject({ format: 'unknown', mode: 'unknown', problems: ['export files of more than one format: vm.raw, vm.xva'] });
  });

  it('orders the same instant in both folder styles by name, whatever readdir says', async () => {
    const dir = tempDirForTest('catalog');
    writeTree(dir, { 'vm/backup-2026-12-07-(14:45:18)/success': '', 'vm/backup-2026-12-07-(14-45-18)/success': '', 'vm/backup-2026-12-07-(14:45:19)/': '' });
    expect((await scanCatalog(dir)).vms[0]!.backups.map((b) => b.folder)).toEqual(['backup-2026-12-07-(14:45:19)', 'backup-2026-12-07-(14:45:18)', 'backup-2026-12-07-(14-45-18)']);
  });

  it('refuses a backup_dir that is missing or not a folder, with its path and a fix', async () => {
    const dir = tempDirForTest('catalog');
    const missing = join(dir, 'nope');
    await expect(scanCatalog(missing)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining(missing), hint: expect.stringMatching(/mounted/) });
    writeFileSync(join(dir, 'file'), '');
    await expect(scanCatalog(join(dir, 'file'))).rejects.toBeInstanceOf(VmbackupError);
    await expect(scanCatalog(join(dir, 'file'))).rejects.toMatchObject({ code: 'NOT_A_DIRECTORY' });
    mkdirSync(join(dir, 'empty'));
    expect(await scanCatalog(join(dir, 'empty'))).toEqual({ backupDir: join(dir, 'empty'), vms: [], poolDb: [], strays: [] });
  });
});
