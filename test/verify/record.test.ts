/**
 * The verdict beside the backup and the API others call: verifyBackupFolder's record (written
 * whole, replacing the last one, its date from `now`), a record that cannot be written (the
 * backup is still judged), checkWrittenBackup (verify_after's shape), the bytes events while a
 * file is read and the signal that stops it.
 */
import { cpSync, mkdirSync, openSync, closeSync, readFileSync, statSync, truncateSync, writeFileSync, writeSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERIFY_FILE } from '../../src/catalog/parse.js';
import { readBackup } from '../../src/catalog/resolve.js';
import { checkWrittenBackup, verifyBackupFolder, verifyBackups, type VerifyEvent } from '../../src/verify/index.js';
import { stopAll } from '../helpers/sim.js';
import { tempDirForTest } from '../helpers/temp.js';
import { makeBackups, type MadeBackups, VM_FOLDER } from './made-backups.js';

let made: MadeBackups;
beforeAll(async () => {
  made = await makeBackups(['vhd']);
}, 120_000);
afterAll(stopAll);

const signal = () => new AbortController().signal;

function copy(): string {
  const folder = join(tempDirForTest('verify-record'), VM_FOLDER.vhd, 'backup-2024-03-04-(05:06:07)');
  cpSync(made.folder.vhd, folder, { recursive: true });
  return folder;
}

describe('the verify record', () => {
  it('is written whole with the local date and offset, replaces the last one, and the catalog reads it', async () => {
    const folder = copy();
    const at = new Date(2024, 2, 4, 8, 9, 10);
    const v = await verifyBackupFolder(folder, { signal: signal(), now: () => at });
    expect(v).toMatchObject({ ok: true, vm: 'win/2019', folder: `%win%2F2019/backup-2024-03-04-(05:06:07)`, recorded: true, recordProblem: null, findings: [] });
    const first = readFileSync(join(folder, VERIFY_FILE), 'utf8');
    expect(JSON.parse(first)).toEqual({ at: expect.stringMatching(/^2024-03-04T08:09:10[+-]\d\d:\d\d$/), result: 'ok' });
    const inode = statSync(join(folder, VERIFY_FILE)).ino;

    // Damaged now: the record is replaced by a new file (renamed over the old one, never written in place).
    const fd = openSync(join(folder, made.file.vhd), 'r+');
    writeSync(fd, Buffer.from([0x55]), 0, 1, 40);
    closeSync(fd);
    const again = await verifyBackupFolder(folder, { signal: signal() });
    expect(again.ok).toBe(false);
    const rec = JSON.parse(readFileSync(join(folder, VERIFY_FILE), 'utf8'));
    expect(rec).toMatchObject({ result: 'failed', detail: expect.stringMatching(/^%win%2F2019\.vhd: VHD footer at byte 0: VHD footer copy at offset 0: checksum is [^(]*$/) });
    expect(statSync(join(folder, VERIFY_FILE)).ino).not.toBe(inode);
    expect(readdirSync(folder).filter((f) => f.startsWith('.'))).toEqual([]);
    expect((await readBackup(folder)).verification).toEqual(rec);
  });

  it('one that cannot be written is said, and the backup is still judged', async () => {
    const folder = copy();
    mkdirSync(join(folder, VERIFY_FILE));
    const v = await verifyBackupFolder(folder, { signal: signal() });
    expect(v.ok).toBe(true);
    expect(v.recorded).toBe(false);
    expect(v.recordProblem).toMatch(/^vmbackup-verify\.json could not be written \(E[A-Z]+\)$/);
  });

  it('record: false writes nothing', async () => {
    const folder = copy();
    const v = await verifyBackupFolder(folder, { signal: signal(), record: false });
    expect(v.ok).toBe(true);
    expect(readdirSync(folder)).not.toContain(VERIFY_FILE);
  });
});

describe('checkWrittenBackup (verify_after)', () => {
  it('ok with the bytes read, or the first finding as verify prints it', async () => {
    const folder = copy();
    expect(await checkWrittenBackup(folder, 'win/2019', signal())).toEqual({ ok: true, bytes: statSync(join(folder, made.file.vhd)).size });
    truncateSync(join(folder, made.file.vhd), statSync(join(folder, made.file.vhd)).size - 1);
    const bad = await checkWrittenBackup(folder, 'win/2019', signal());
    expect(bad).toEqual({ ok: false, detail: expect.stringMatching(/^%win%2F2019\.vhd: VHD at byte \d+: VHD stream truncated at offset \d+, in the trailing footer \(511 of 512 bytes\) \(and 1 more\)$/) });
  });
});

describe('events and the signal', () => {
  it('bytes events come while a large file is read; the signal stops it: no verdict, cancelled, no record', { timeout: 60_000 }, async () => {
    const folder = join(tempDirForTest('verify-big'), 'big', 'backup-2024-01-01-(00:00:00)');
    mkdirSync(join(folder, 'DISK-xvda'), { recursive: true });
    writeFileSync(join(folder, 'vm.cfg'), 'name_label=big\n');
    writeFileSync(join(folder, 'DISK-xvda', 'vdi.cfg'), `virtual_size=${64 * 2 ** 30}\n`);
    writeFileSync(join(folder, 'success'), '');
    writeFileSync(join(folder, 'big.raw'), '');
    truncateSync(join(folder, 'big.raw'), 64 * 2 ** 30);
    const controller = new AbortController();
    const events: VerifyEvent[] = [];
    const summary = await verifyBackups([{ vm: 'big', backup: await readBackup(folder) }], {
      jobs: 1,
      signal: controller.signal,
      onEvent: (e) => {
        events.push(e);
        if (events.filter((x) => x.type === 'bytes').length === 2) controller.abort();
      },
    });
    expect(events[0]).toEqual({ type: 'backup-start', vm: 'big', folder, totalBytes: 64 * 2 ** 30 });
    const bytes = events.filter((e): e is Extract<VerifyEvent, { type: 'bytes' }> => e.type === 'bytes');
    expect(bytes).toHaveLength(2);
    expect(bytes[1]!.done).toBeGreaterThan(bytes[0]!.done);
    expect(bytes[1]!.total).toBe(64 * 2 ** 30);
    expect(events.some((e) => e.type === 'backup-done')).toBe(false);
    expect(summary).toMatchObject({ checked: 0, ok: 0, failed: [], verdicts: [], cancelled: true });
    expect(readdirSync(folder)).not.toContain(VERIFY_FILE);
  });
});
