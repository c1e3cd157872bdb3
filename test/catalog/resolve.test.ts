/**
 * resolveBackupPath and readBackup: every kind of restore PATH, and every refusal with the code,
 * the path in the message and a fix.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBackup, resolveBackupPath } from '../../src/catalog/index.js';
import { tempDirForTest } from '../helpers/temp.js';
import { datedBackup, SPARSE, writeTree } from './tree.js';

const UUID = '22222222-2222-4222-8222-222222222222';
const NEW = 'backup-2026-12-07-(14:45:18)';
const OLD = 'backup-2026-12-06-(14-45-18)';

function tree(): string {
  const dir = tempDirForTest('resolve');
  writeTree(dir, {
    ...datedBackup('web 01', OLD, { uuid: UUID, name: 'web 01', exports: { 'web 01.xva.zst': 'z' } }),
    ...datedBackup('web 01', NEW, { uuid: UUID, name: 'web 01', exports: { 'web 01.xva': 'x' }, success: false }),
    ...datedBackup('%win%2F2019', NEW, { uuid: UUID, name: 'win/2019', disk: 'hda', exports: { '%win%2F2019.raw': SPARSE(2 ** 20) }, success: false }),
    'METADATA_xcp1/pool_db_20261207-144518.dump': 'dump',
    'loose/disk.vhd': 'v',
    'loose/vm.xva': 'x',
    'loose/vm.xva.gz': 'g',
    'loose/vm.xva.zst': 'z',
    'loose/disk.raw': 'r',
    'loose/notes.txt': 'n',
    'plain folder/': '',
  });
  return dir;
}

describe('resolveBackupPath', () => {
  it('a dated folder is that backup, unfinished or not', async () => {
    const dir = tree();
    const r = await resolveBackupPath(join(dir, 'web 01', NEW));
    expect(r).toMatchObject({ file: null, format: 'xva', backup: { folder: NEW, status: 'unfinished', exportFiles: ['web 01.xva'] } });
  });

  it('a VM folder is its newest successful backup, passing over a newer unfinished one', async () => {
    const dir = tree();
    const r = await resolveBackupPath(join(dir, 'web 01'));
    expect(r).toMatchObject({ file: null, format: 'xva.zst', backup: { folder: OLD, status: 'success', path: join(dir, 'web 01', OLD) } });
  });

  it('a VM folder with only unfinished backups: NO_SUCCESSFUL_BACKUP naming them', async () => {
    const dir = tree();
    await expect(resolveBackupPath(join(dir, '%win%2F2019'))).rejects.toMatchObject({
      code: 'NO_SUCCESSFUL_BACKUP',
      message: expect.stringContaining(`unfinished (no success marker): ${NEW}`),
      hint: expect.stringContaining(join(dir, '%win%2F2019', NEW)),
    });
  });

  it('an export file in a dated folder is that backup and that file', async () => {
    const dir = tree();
    const file = join(dir, '%win%2F2019', NEW, '%win%2F2019.raw');
    expect(await resolveBackupPath(file)).toMatchObject({ file, format: 'raw', backup: { folder: NEW, mode: 'vdi-export', origUuid: UUID } });
  });

  it('a lone export file is the file alone, its format from its name; a relative PATH is taken from the current folder', async () => {
    const dir = tree();
    for (const [name, format] of [['vm.xva', 'xva'], ['vm.xva.gz', 'xva.gz'], ['vm.xva.zst', 'xva.zst'], ['disk.raw', 'raw'], ['disk.vhd', 'vhd']]) {
      expect(await resolveBackupPath(join(dir, 'loose', name!))).toEqual({ backup: null, file: join(dir, 'loose', name!), format });
    }
    expect(await resolveBackupPath(relative(process.cwd(), join(dir, 'loose', 'vm.xva')))).toMatchObject({ file: join(dir, 'loose', 'vm.xva') });
  });

  it('a missing path: NOT_FOUND naming it, and what PATH may be', async () => {
    const dir = tree();
    const missing = join(dir, 'web 01', 'backup-2020-01-01-(00:00:00)');
    await expect(resolveBackupPath(missing)).rejects.toMatchObject({ code: 'NOT_FOUND', message: `${missing} does not exist.`, hint: expect.stringMatching(/PATH is a dated backup folder .*a VM folder .*\.xva\.gz/) });
  });

  it('a backup_dir, a METADATA_ folder, a pool dump, another file or folder: NOT_A_BACKUP with a fix', async () => {
    const dir = tree();
    await expect(resolveBackupPath(dir)).rejects.toMatchObject({ code: 'NOT_A_BACKUP', message: expect.stringContaining('it is a backup_dir'), hint: expect.stringContaining(`vmbackup list --backup-dir ${dir}`) });
    await expect(resolveBackupPath(join(dir, 'METADATA_xcp1'))).rejects.toMatchObject({ code: 'NOT_A_BACKUP', message: expect.stringContaining('pool database dumps'), hint: expect.stringContaining('xe pool-restore-database') });
    await expect(resolveBackupPath(join(dir, 'METADATA_xcp1', 'pool_db_20261207-144518.dump'))).rejects.toMatchObject({ code: 'NOT_A_BACKUP', hint: expect.stringContaining('xe pool-restore-database') });
    for (const path of [join(dir, 'loose', 'notes.txt'), join(dir, 'web 01', OLD, 'vm.cfg'), join(dir, 'web 01', OLD, 'DISK-xvda')]) {
      await expect(resolveBackupPath(path), path).rejects.toMatchObject({ code: 'NOT_A_BACKUP', message: expect.stringContaining(path), hint: expect.stringContaining('vmbackup list') });
    }
    await expect(resolveBackupPath(join(dir, 'plain folder'))).rejects.toMatchObject({ code: 'NOT_A_BACKUP', message: expect.stringContaining('holds no dated backup folder') });
  });
});

describe('readBackup', () => {
  it('reads one dated folder wherever it is, and refuses a folder whose name is no dated name', async () => {
    const dir = tempDirForTest('resolve');
    writeTree(dir, datedBackup('copied elsewhere', NEW, { uuid: UUID, name: 'web 01', exports: { 'web 01.xva': 'x' } }));
    expect(await readBackup(join(dir, 'copied elsewhere', NEW))).toMatchObject({ folder: NEW, status: 'success', format: 'xva', vmName: 'web 01', origUuid: UUID });
    mkdirSync(join(dir, 'not-dated'));
    writeFileSync(join(dir, 'not-dated', 'x.xva'), '');
    await expect(readBackup(join(dir, 'not-dated'))).rejects.toMatchObject({ code: 'NOT_A_BACKUP', message: expect.stringContaining('not a dated backup folder name') });
    await expect(readBackup(join(dir, 'gone'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
