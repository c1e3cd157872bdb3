/**
 * catalogJson (the --json contract: its keys, dates in ISO 8601 with the local offset), the pure
 * readers of parse.ts, and the screen text of report/catalog-text.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { catalogJson, exportFormatOf, isoLocal, scanCatalog } from '../../src/catalog/index.js';
import { parseVerifyRecord, parseVmCfg, vmUuidOfMetadataXml } from '../../src/catalog/parse.js';
import { catalogText } from '../../src/report/catalog-text.js';
import { tempDirForTest } from '../helpers/temp.js';
import { datedBackup, SPARSE, writeTree } from './tree.js';

const UUID = '22222222-2222-4222-8222-222222222222';

let savedTz: string | undefined;
beforeEach(() => {
  savedTz = process.env.TZ;
  // Folder names are local time: the offset in the JSON must be the local zone's.
  process.env.TZ = 'Europe/Paris';
});
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

function tree(): string {
  const dir = tempDirForTest('catalog-json');
  writeTree(dir, {
    ...datedBackup('%win%2F2019', 'backup-2026-12-07-(14:45:18)', { uuid: UUID, name: 'win/2019', disk: 'hda', exports: { '%win%2F2019.raw': SPARSE(2 ** 20) } }),
    ...datedBackup('%win%2F2019', 'backup-2026-07-01-(08-00-00)', { uuid: UUID, name: 'win/2019', disk: 'hda', exports: {}, success: false }),
    '%win%2F2019/backup-2026-12-07-(14:45:18)/vmbackup-verify.json': JSON.stringify({ at: '2026-12-08T10:00:00+01:00', result: 'failed', detail: 'chunk 3 of xvda: bad checksum' }),
    'METADATA_xcp1/pool_db_20261207-144518.dump': 'dump',
    'stray.txt': '',
  });
  return dir;
}

describe('catalogJson', () => {
  it('has the contract keys, dates with the local offset, and the added keys', async () => {
    const dir = tree();
    const json = JSON.parse(JSON.stringify(catalogJson(await scanCatalog(dir))));
    expect(Object.keys(json)).toEqual(['backupDir', 'vms', 'poolDb', 'strays']);
    expect(json.backupDir).toBe(dir);
    const [vm] = json.vms;
    expect(vm).toMatchObject({ name: 'win/2019', folder: '%win%2F2019' });
    const [newest, older] = vm.backups;
    for (const key of ['folder', 'date', 'status', 'mode', 'format', 'files', 'bytes', 'origUuid']) expect(newest).toHaveProperty(key);
    expect(newest).toMatchObject({
      folder: 'backup-2026-12-07-(14:45:18)',
      date: '2026-12-07T14:45:18+01:00',
      status: 'success',
      mode: 'vdi-export',
      format: 'raw',
      files: ['%win%2F2019.raw', 'DISK-hda/vbd.cfg', 'DISK-hda/vdi.cfg', 'success', 'vm.cfg', 'vmbackup-verify.json'],
      exportFiles: ['%win%2F2019.raw'],
      origUuid: UUID,
      vmName: 'win/2019',
      verification: { at: '2026-12-08T10:00:00+01:00', result: 'failed', detail: 'chunk 3 of xvda: bad checksum' },
      problems: [],
    });
    expect(newest.bytes).toBeGreaterThan(2 ** 20);
    expect(newest.diskBytes).toBeLessThan(newest.bytes);
    // Summer time: the offset is the one of that date, not of today.
    expect(older).toMatchObject({ date: '2026-07-01T08:00:00+02:00', status: 'unfinished', mode: 'unknown', format: 'unknown' });
    expect(json.poolDb).toEqual([{ folder: 'METADATA_xcp1', file: 'pool_db_20261207-144518.dump', path: `${dir}/METADATA_xcp1/pool_db_20261207-144518.dump`, date: '2026-12-07T14:45:18+01:00', bytes: 4 }]);
    expect(json.strays).toEqual([{ path: 'stray.txt', kind: 'file', reason: 'not a VM folder' }]);
  });

  it('the screen text: the decoded name and its folder, a line per backup, pool dumps, strays', async () => {
    const text = catalogText(await scanCatalog(tree()));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/: 1 VM, 2 backups \(1 successful, 1 unfinished\), /);
    expect(lines).toContain('win/2019  (folder %win%2F2019)');
    expect(text).toMatch(/^ {2}2026-12-07 14:45:18 {2}success {5}vdi-export {2}raw {6}1\.0 MiB \(\d+(\.\d)? KiB on disk\) +uuid 22222222-2222-4222-8222-222222222222 {2}verify FAILED 2026-12-08 10:00:00: chunk 3 of xvda: bad checksum {2}backup-2026-12-07-\(14:45:18\)$/m);
    expect(text).toMatch(/^ {2}2026-07-01 08:00:00 {2}unfinished {2}unknown .* not verified {2}backup-2026-07-01-\(08-00-00\)$/m);
    expect(text).toMatch(/^Pool database dumps\n {2}2026-12-07 14:45:18 {2}METADATA_xcp1\/pool_db_20261207-144518\.dump {2}4 B$/m);
    expect(text).toMatch(/^Strays \(not backups; vmbackup leaves them alone\)\n {2}stray\.txt {2}\(file: not a VM folder\)$/m);
  });
});

describe('parse', () => {
  it('isoLocal writes the offset of the date itself, half hours and west included', () => {
    expect(isoLocal(new Date(2026, 11, 7, 14, 45, 18))).toBe('2026-12-07T14:45:18+01:00');
    process.env.TZ = 'America/St_Johns';
    expect(isoLocal(new Date(2026, 6, 1, 0, 0, 5))).toBe('2026-07-01T00:00:05-02:30');
    process.env.TZ = 'UTC';
    expect(isoLocal(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))).toBe('2026-01-02T03:04:05+00:00');
  });

  it('exportFormatOf reads the suffix, never a hidden or temporary file', () => {
    expect(['a.xva', 'a.xva.gz', 'a.xva.zst', 'a.raw', 'a.hdb.raw', 'a.vhd'].map(exportFormatOf)).toEqual(['xva', 'xva.gz', 'xva.zst', 'raw', 'raw', 'vhd']);
    expect(['.a.xva.partial', '.a.xva', '.xva', 'a.gz', 'a.zst', 'vm.cfg', 'a.XVA'].map(exportFormatOf)).toEqual([null, null, null, null, null, null, null]);
  });

  it('vm.cfg, vm-metadata.xml and the verify record', () => {
    expect(parseVmCfg('name_label=web = 01\r\norig_uuid= abc \r\n')).toEqual({ vmName: 'web = 01', origUuid: 'abc' });
    expect(parseVmCfg('name_description=x\n')).toEqual({ vmName: null, origUuid: null });
    const vm = '<value><struct><member><name>class</name><value>VM</value></member><member><name>id</name><value>Ref:1</value></member><member><name>snapshot</name><value><struct><member><name>uuid</name><value>3b2c1663-f398-1298-846b-1b3152a50cc3</value></member>';
    expect(vmUuidOfMetadataXml(vm)).toBe('3b2c1663-f398-1298-846b-1b3152a50cc3');
    // A uuid of another class's object is not the VM's.
    expect(vmUuidOfMetadataXml('<member><name>class</name><value>VM</value></member><member><name>class</name><value>VDI</value></member><member><name>uuid</name><value>3b2c1663-f398-1298-846b-1b3152a50cc3</value></member>')).toBeNull();
    expect(vmUuidOfMetadataXml('<xml/>')).toBeNull();
    expect(parseVerifyRecord('{"at":"2026-12-08T10:00:00+01:00","result":"ok"}')).toEqual({ at: '2026-12-08T10:00:00+01:00', result: 'ok' });
    expect(parseVerifyRecord('[]')).toEqual({ problem: 'not a JSON object' });
    expect(parseVerifyRecord('{"at":"2026-12-08","result":"maybe"}')).toEqual({ problem: '"result" is neither "ok" nor "failed"' });
    expect(parseVerifyRecord('{"at":"2026-12-08","result":"ok","detail":3}')).toEqual({ problem: '"detail" is not text' });
  });
});
