/**
 * `vmbackup verify`, the real executable, on backups a real run wrote: the OK / FAILED lines and
 * the total, --json, the record beside each backup (written whole, shown by `list`), which
 * backups PATH, --vm, --newest and --since select, exit codes, usage errors, and Ctrl-C.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERIFY_FILE } from '../../src/catalog/parse.js';
import { startVmbackup, tempDir, vmbackupAsync } from '../helpers/cli.js';
import { stopAll } from '../helpers/sim.js';
import { makeBackups, type MadeBackups, tarMembers, VM_FOLDER } from '../verify/made-backups.js';

let made: MadeBackups;
beforeAll(async () => {
  made = await makeBackups(['xva', 'vhd']);
}, 180_000);
afterAll(stopAll);

const OLD = 'backup-2020-01-01-(00:00:00)';
const MID = 'backup-2021-06-01-(12:00:00)';
const NEW = 'backup-2022-01-01-(00:00:00)';

/**
 * A backup_dir with db.example.com's XVA three times (2020, 2021 with its chunk damaged, 2022)
 * and win/2019's VHD once (2021).
 */
function tree(): { dir: string; backupDir: string; chunk: string; chunkAt: number } {
  const dir = tempDir();
  const backupDir = join(dir, 'backups');
  for (const dated of [OLD, MID, NEW]) cpSync(made.folder.xva, join(backupDir, VM_FOLDER.xva, dated), { recursive: true });
  cpSync(made.folder.vhd, join(backupDir, VM_FOLDER.vhd, MID), { recursive: true });
  const file = join(backupDir, VM_FOLDER.xva, MID, made.file.xva);
  const chunk = tarMembers(file).find((m) => /^Ref:\d+\/00000001$/.test(m.name))!;
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.from('!'), 0, 1, chunk.data + 1000);
  closeSync(fd);
  return { dir, backupDir, chunk: chunk.name, chunkAt: chunk.header };
}

const run = (args: string[], cwd: string) => vmbackupAsync(['verify', ...args], cwd);

describe('vmbackup verify', () => {
  it('prints OK or FAILED per backup and a total, exits 2 on a failure, and records each verdict that list shows', { timeout: 60_000 }, async () => {
    const { dir, backupDir, chunk, chunkAt } = tree();
    const r = await run(['--backup-dir', backupDir], dir);
    // One fix line for the failure, on stderr like every command's: the backups stay as they are.
    expect(r.stderr).toMatch(/^vmbackup: fix: the failed backups are kept as they are \(verify never deletes one\): .*\n$/);
    expect(r.status).toBe(2);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines.slice(0, 4)).toEqual(
      expect.arrayContaining([
        `OK db.example.com/${NEW}`,
        `OK db.example.com/${OLD}`,
        `OK %win%2F2019/${MID}`,
        // The chunk's tar header is where its member starts; the flipped byte lies in its data.
        expect.stringMatching(new RegExp(`^FAILED db\\.example\\.com/${MID.replace(/[()]/g, '\\$&')} db\\.example\\.com\\.xva: chunk checksum ${chunk} at byte ${chunkAt}: chunk ${chunk} at offset ${chunkAt} does not match its checksum member ${chunk}\\.xxhash`)),
      ]),
    );
    expect(lines[4]).toMatch(/^checked 4 backups: 3 ok, 1 failed; [\d.]+ MiB in [\d.]+ s \([\d.]+ MB\/s\)$/);

    // The records: whole JSON, the date with its offset, no temporary file left.
    for (const [vm, dated, result] of [[VM_FOLDER.xva, OLD, 'ok'], [VM_FOLDER.xva, MID, 'failed'], [VM_FOLDER.xva, NEW, 'ok'], [VM_FOLDER.vhd, MID, 'ok']] as const) {
      const folder = join(backupDir, vm, dated);
      const rec = JSON.parse(readFileSync(join(folder, VERIFY_FILE), 'utf8'));
      expect(rec.result).toBe(result);
      expect(rec.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
      if (result === 'failed') expect(rec.detail).toMatch(/^db\.example\.com\.xva: chunk checksum Ref:\d+\/00000001 at byte \d+: /);
      else expect(rec).not.toHaveProperty('detail');
      expect(readdirSync(folder).filter((f) => f.startsWith('.'))).toEqual([]);
    }
    const list = await vmbackupAsync(['list', '--backup-dir', backupDir], dir);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`verified ok \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  ${NEW.replace(/[()]/g, '\\$&')}$`, 'm'));
    expect(list.stdout).toMatch(new RegExp(`verify FAILED \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d: db\\.example\\.com\\.xva: chunk checksum .*${MID.replace(/[()]/g, '\\$&')}$`, 'm'));
    const listJson = JSON.parse((await vmbackupAsync(['list', '--backup-dir', backupDir, '--json'], dir)).stdout);
    expect(listJson.vms[0].backups.map((b: { verification: { result: string } }) => b.verification.result)).toEqual(['ok', 'failed', 'ok']);

    // A second verify replaces the record (the damage repaired from the pristine copy: ok now).
    cpSync(join(made.folder.xva, made.file.xva), join(backupDir, VM_FOLDER.xva, MID, made.file.xva));
    const again = await run([join(backupDir, VM_FOLDER.xva, MID)], dir);
    expect(again.status).toBe(0);
    expect(again.stdout).toBe(`OK db.example.com/${MID}\n${again.stdout.split('\n')[1]}\n`);
    expect(JSON.parse(readFileSync(join(backupDir, VM_FOLDER.xva, MID, VERIFY_FILE), 'utf8')).result).toBe('ok');
  });

  it('--json has the contract keys; --jobs 2 gives the same verdicts', { timeout: 60_000 }, async () => {
    const { dir, backupDir } = tree();
    const one = await run(['--backup-dir', backupDir, '--json'], dir);
    const two = await run(['--backup-dir', backupDir, '--json', '--jobs', '2'], dir);
    expect(one.status).toBe(2);
    expect(two.status).toBe(2);
    const a = JSON.parse(one.stdout);
    const b = JSON.parse(two.stdout);
    for (const key of ['checked', 'ok', 'failed', 'bytes', 'elapsedMs']) expect(a).toHaveProperty(key);
    expect(a).toMatchObject({ checked: 4, ok: 3, cancelled: false });
    expect(a.failed).toEqual([{ folder: `db.example.com/${MID}`, file: made.file.xva, layer: 'chunk checksum', member: expect.stringMatching(/^Ref:\d+\/00000001$/), offset: expect.any(Number), decompressed: false, reason: expect.stringContaining('does not match its checksum member') }]);
    expect(b.failed).toEqual(a.failed);
    expect(b.bytes).toBe(a.bytes);
    expect(b.backups.map((x: { folder: string; ok: boolean }) => [x.folder, x.ok])).toEqual(a.backups.map((x: { folder: string; ok: boolean }) => [x.folder, x.ok]));
    // How each file was judged: the damaged one through its format's checks, an untouched one by its sums.
    const basisOf = (folder: string) => a.backups.find((x: { folder: string }) => x.folder === folder).basis as string[];
    expect(basisOf(`db.example.com/${MID}`)).toEqual(["read through its format's verifier and compared with its XXH64 sums"]);
    expect(basisOf(`db.example.com/${NEW}`)).toEqual([expect.stringMatching(/^identical to the bytes verified while they streamed \(XXH64 sums/)]);
  });

  it('PATH, --vm, --newest and --since choose the backups', { timeout: 60_000 }, async () => {
    const { dir, backupDir } = tree();
    const folders = async (args: string[]) => {
      const r = await run([...args, '--json'], dir);
      expect(r.stderr).toBe('');
      return JSON.parse(r.stdout).backups.map((b: { folder: string }) => b.folder);
    };
    expect(await folders(['--backup-dir', backupDir, '--newest'])).toEqual([`db.example.com/${NEW}`, `%win%2F2019/${MID}`]);
    expect(await folders(['--backup-dir', backupDir, '--vm', 'win/2019'])).toEqual([`%win%2F2019/${MID}`]);
    expect(await folders(['--backup-dir', backupDir, '--since', '2021-06-01'])).toEqual([`db.example.com/${NEW}`, `db.example.com/${MID}`, `%win%2F2019/${MID}`]);
    expect(await folders(['--backup-dir', backupDir, '--since', '2021-06-01T12:00:01+00:00'])).toEqual([`db.example.com/${NEW}`]);
    expect(await folders(['--backup-dir', backupDir, '--vm', 'db.example.com', '--since', '2020-06-01', '--newest'])).toEqual([`db.example.com/${NEW}`]);
    // A VM folder, a dated folder, one file; a PATH relative to the current folder.
    expect(await folders([join('backups', VM_FOLDER.xva)])).toEqual([`db.example.com/${NEW}`, `db.example.com/${MID}`, `db.example.com/${OLD}`]);
    expect(await folders([join(backupDir, VM_FOLDER.vhd, MID)])).toEqual([`%win%2F2019/${MID}`]);
    const file = await run([join(backupDir, VM_FOLDER.xva, MID, made.file.xva), '--json'], dir);
    expect(JSON.parse(file.stdout).failed).toHaveLength(1);
    // The newest successful one: an unfinished newer folder is passed over.
    mkdirSync(join(backupDir, VM_FOLDER.xva, 'backup-2023-01-01-(00:00:00)'));
    expect(await folders(['--backup-dir', backupDir, '--newest', '--vm', 'db.example.com'])).toEqual([`db.example.com/${NEW}`]);
  });

  it('an unfinished backup, a missing success marker: FAILED, and no record in a folder a run may still be writing', async () => {
    const { dir, backupDir } = tree();
    const folder = join(backupDir, VM_FOLDER.xva, NEW);
    rmSync(join(folder, 'success'));
    const r = await run([folder], dir);
    expect(r.status).toBe(2);
    expect(r.stdout.split('\n')[0]).toBe(`FAILED db.example.com/${NEW} success: file: missing: the run that wrote this backup did not finish (or is still writing it)`);
    expect(existsSync(join(folder, VERIFY_FILE))).toBe(false);
  });

  it('a backup whose files are all whole but has no sums (VmBackup.py, older vmbackup) is OK and says so', async () => {
    const { dir, backupDir } = tree();
    const folder = join(backupDir, VM_FOLDER.vhd, MID);
    rmSync(join(folder, 'vmbackup-sums.json'));
    const r = await run([folder], dir);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`OK %win%2F2019/${MID} (no sums recorded)`);
  });

  it('--config: the cfg backup_dir', async () => {
    const { dir, backupDir } = tree();
    writeFileSync(join(dir, 'main.cfg'), `backup_dir=${backupDir}\nvm-export=db.example.com\n`);
    const r = await run(['--config', 'main.cfg', '--vm', 'win/2019'], dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`OK %win%2F2019/${MID}`);
  });

  it.each([
    [['--jobs', '0'], /--jobs "0": give a number of backups to read at once, 1-16/],
    [['--since', 'yesterday'], /--since "yesterday" is not a date/],
    [['--backup-dir', 'a', '--config', 'b.cfg'], /give --backup-dir DIR or --config FILE.cfg, not both/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
    [['/nonexistent/backups'], /\/nonexistent\/backups does not exist/],
    [['--backup-dir', '.', '--vm', 'nobody'], /no backup to verify in .* with --vm "nobody"/],
  ])('%j: exit 2 with the reason and a fix', async (args, message) => {
    const dir = tempDir();
    const r = await run(args, dir);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^vmbackup: error: .*${message.source}`, 'm'));
    expect(r.stderr).toMatch(/^vmbackup: fix: /m);
  });

  it('Ctrl-C stops the reads: exit 130, the total says so, no record for the backup cut short', { timeout: 60_000 }, async () => {
    const { dir, backupDir } = tree();
    // A 64 GiB sparse raw disk: long enough to read that the signal lands in the middle.
    const folder = join(backupDir, 'big', NEW);
    mkdirSync(join(folder, 'DISK-xvda'), { recursive: true });
    writeFileSync(join(folder, 'vm.cfg'), 'name_label=big\n');
    writeFileSync(join(folder, 'DISK-xvda', 'vdi.cfg'), `virtual_size=${64 * 2 ** 30}\n`);
    writeFileSync(join(folder, 'success'), '');
    writeFileSync(join(folder, 'big.raw'), '');
    truncateSync(join(folder, 'big.raw'), 64 * 2 ** 30);
    // A small backup first: its OK line says the reads are under way, and the big one is read next.
    const child = startVmbackup(['verify', join(backupDir, VM_FOLDER.xva, NEW), folder], dir);
    await child.waitFor(/^OK /m);
    child.child.kill('SIGINT');
    const r = await child.done;
    expect(r.status).toBe(130);
    expect(r.stderr).toMatch(/^vmbackup: interrupted: stopping the reads/m);
    expect(r.stdout).toMatch(/^checked 1 backup: 1 ok, 0 failed; .*; interrupted: the others were not checked$/m);
    expect(existsSync(join(folder, VERIFY_FILE))).toBe(false);
  });
});
