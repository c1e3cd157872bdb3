import fc from 'fast-check';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VmbackupError } from '../../src/errors.js';
import {
  backupFolderName,
  backupFolderSortKey,
  insideBackupDir,
  isBackupFolderName,
  isPoolDbFileName,
  poolDbFileName,
  ownNamesIn,
  poolDbFolderName,
  vmFolderName,
  vmFolderSpellings,
  vmNameOfFolder,
} from '../../src/backup/layout.js';
import { vdiFileDisk, vdiFileName } from '../../src/backup/vdi-disks.js';
import { tempDirForFile } from '../helpers/temp.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof VmbackupError ? err.code : `not a VmbackupError: ${String(err)}`;
  }
  return undefined;
}

describe('vmFolderName', () => {
  it.each([
    ['web 01', 'web 01'],
    ['Überwachung (prod) #2', 'Überwachung (prod) #2'],
    ['日本語 VM', '日本語 VM'],
    ["it's \"quoted\" $HOME `x` : * ? < > |", "it's \"quoted\" $HOME `x` : * ? < > |"],
    // A leading "." would hide the backups from `ls` (and `.vmbackup.lock` is ours).
    ['...', '%...'],
    ['100%', '100%'],
    ['a/b', '%a%2Fb'],
    ['a\\b', '%a%5Cb'],
    ['nul\0byte', '%nul%00byte'],
    ['tab\tx', '%tab%09x'],
    ['line\nfeed', '%line%0Afeed'],
    ['del\x7f', '%del%7F'],
    ['c1\u0085', '%c1%C2%85'],
    ['.', '%.'],
    ['..', '%..'],
    ['', '%'],
    ['%', '%%25'],
    ['%20 off', '%%2520 off'],
    ['../../etc', '%..%2F..%2Fetc'],
    ['/', '%%2F'],
    ['50% a/b', '%50%25 a%2Fb'],
    // Our own entries in backup_dir: no VM can take their place.
    ['.vmbackup.lock', '%.vmbackup.lock'],
    ['.hidden', '%.hidden'],
    ['METADATA_xcp1', '%METADATA_xcp1'],
    ['00VMbackupWriteTest', '%00VMbackupWriteTest'],
  ])('%j → %j', (name, folder) => {
    expect(vmFolderName(name)).toBe(folder);
    expect(vmNameOfFolder(folder)).toBe(name);
  });

  it('throws VM_NAME_TOO_LONG, naming the VM, above 247 bytes (255 less ".xva.zst" for the file inside)', () => {
    expect(vmFolderName('a'.repeat(247))).toHaveLength(247);
    expect(codeOf(() => vmFolderName('a'.repeat(248)))).toBe('VM_NAME_TOO_LONG');
    // 82 × 3-byte characters = 246 bytes; one more is too long.
    expect(vmFolderName('€'.repeat(82))).toBe('€'.repeat(82));
    expect(codeOf(() => vmFolderName('€'.repeat(83)))).toBe('VM_NAME_TOO_LONG');
    // Encoding triples a slash: 82 slashes → 1 + 246 bytes, 83 → 250.
    expect(vmFolderName('/'.repeat(82))).toHaveLength(247);
    expect(codeOf(() => vmFolderName('/'.repeat(83)))).toBe('VM_NAME_TOO_LONG');
    try {
      vmFolderName('big-vm-' + 'x'.repeat(300));
    } catch (err) {
      expect((err as VmbackupError).message).toContain('big-vm-xxx');
      expect((err as VmbackupError).hint).toBeTruthy();
    }
  });

  it('refuses a name that is not valid Unicode (a lone surrogate)', () => {
    expect(codeOf(() => vmFolderName('a\ud800b'))).toBe('VM_NAME_INVALID');
  });

  it.each(['%', '%2F', '%a%2fb', '%a%2', '%a%ZZb', '%abc', '%a/b', 'a\tb', 'a/b', '', '.', '..', '%%C3', '%%FF'])(
    'vmNameOfFolder refuses %j, which vmFolderName never produces',
    (folder) => {
      if (folder === '%') return expect(vmNameOfFolder(folder)).toBe(''); // the one valid short form
      expect(codeOf(() => vmNameOfFolder(folder))).toBe('FOLDER_NAME_INVALID');
    },
  );

  describe('property: any name maps to one safe, reversible, distinct path component', () => {
    const dir = tempDirForFile('layout');
    const special = fc.constantFrom('/', '\\', '\0', '%', '.', '..', '\t', '\n', '\x7f', '\u0085', '\u009f', ' ', 'é', '😀', '%2F', '\u2028');
    const name = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.array(fc.oneof(special, fc.string({ unit: 'binary', maxLength: 3 })), { maxLength: 12 }).map((parts) => parts.join('')),
      fc.constantFrom('', '.', '..', '%', '%%', '/', '\0'),
    );

    it('round-trips, stays inside backup_dir and can be created', async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(name, async (vm) => {
          const folder = vmFolderName(vm);
          expect(vmNameOfFolder(folder)).toBe(vm);
          expect(folder).not.toMatch(/[/\0]/);
          expect(folder).not.toBe('.');
          expect(folder).not.toBe('..');
          expect(folder).not.toBe('');
          const root = join(dir, `r${n++}`);
          mkdirSync(root);
          const path = insideBackupDir(root, folder);
          expect(dirname(path)).toBe(resolve(root));
          mkdirSync(path); // throws if it is not one valid component
          expect(readdirSync(root)).toEqual([folder]);
          rmSync(root, { recursive: true });
        }),
        { numRuns: 500 },
      );
    });

    it('gives distinct folders to distinct names', () => {
      fc.assert(
        fc.property(name, name, (a, b) => {
          fc.pre(a !== b);
          expect(vmFolderName(a)).not.toBe(vmFolderName(b));
        }),
        { numRuns: 2000 },
      );
    });
  });
});

describe("our own files in backup_dir: the status log, the lock, a TUI run's log and report", () => {
  it('the status log inside backup_dir reserves its name (or its first folder); outside, nothing', () => {
    expect([...ownNamesIn('/b', ['/b/status.log'])]).toEqual(['status.log']);
    expect([...ownNamesIn('/b', ['/b/logs/status.log'])]).toEqual(['logs']);
    expect([...ownNamesIn('/b/', ['/b/./Status.LOG'])]).toEqual(['status.log']);
    expect([...ownNamesIn('/b', ['/snapshots/NAUbackup/status.log', '/b', '/bb/status.log', '/'])]).toEqual([]);
  });

  it.each([
    ['status.log', '%status.log'],
    ['STATUS.log', '%STATUS.log'], // SMB shares are case-insensitive
    ['logs', 'logs'], // not reserved by this status log
    ['.vmbackup.lock', '%.vmbackup.lock'],
    ['vmbackup-2026-11-26-(02:00:01).log', '%vmbackup-2026-11-26-(02:00:01).log'],
    ['vmbackup-x.json', '%vmbackup-x.json'],
    ['vmbackup-test', 'vmbackup-test'], // a VM for trying vmbackup keeps its plain folder
    ['vmbackup.log', 'vmbackup.log'],
  ])('%j → %j, and back', (name, folder) => {
    const own = ownNamesIn('/b', ['/b/status.log']);
    expect(vmFolderName(name, own)).toBe(folder);
    expect(vmNameOfFolder(folder, own)).toBe(name);
  });

  it('a folder written verbatim before a name was reserved is still found, but never the status log itself', () => {
    const own = ownNamesIn('/b', ['/b/status.log']);
    expect(vmFolderSpellings('vmbackup-x.log', own)).toEqual(['%vmbackup-x.log', 'vmbackup-x.log']);
    expect(vmNameOfFolder('vmbackup-x.log', own)).toBe('vmbackup-x.log');
    expect(vmFolderSpellings('status.log', own)).toEqual(['%status.log']);
    expect(vmFolderSpellings('web 01', own)).toEqual(['web 01']);
    // Without the status log inside backup_dir, `%status.log` is no spelling of any name.
    expect(codeOf(() => vmNameOfFolder('%status.log'))).toBe('FOLDER_NAME_INVALID');
  });

  it('property: with own names, folders stay reversible and distinct, and never an own name or a vmbackup- log', () => {
    const own = ownNamesIn('/b', ['/b/status.log', '/b/Reports/x.json']);
    const name = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('status.log', 'Status.Log', 'reports', 'vmbackup-a.log', 'vmbackup-.JSON', '%status.log', 'status.log\n'),
      fc.tuple(fc.constantFrom('vmbackup-', 'status', '%', ''), fc.string({ maxLength: 4 }), fc.constantFrom('.log', '.json', '')).map((p) => p.join('')),
    );
    fc.assert(
      fc.property(name, name, (a, b) => {
        const fa = vmFolderName(a, own);
        expect(vmNameOfFolder(fa, own)).toBe(a);
        expect(own.has(fa.toLowerCase())).toBe(false);
        expect(fa).not.toMatch(/^vmbackup-.*\.(log|json)$/i);
        for (const spelling of vmFolderSpellings(a, own)) expect(vmNameOfFolder(spelling, own)).toBe(a);
        if (a !== b) expect(fa).not.toBe(vmFolderName(b, own));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('vdi-export files of every disk (vdi_disks=all)', () => {
  it('the boot disk keeps the legacy name; the others are named by their DISK-<device> folder, and read back', () => {
    expect(vdiFileName('fileserver', 'raw', null)).toBe('fileserver.raw');
    expect(vdiFileName('fileserver', 'vhd', 'xvdb')).toBe('fileserver.xvdb.vhd');
    expect(vdiFileName('db.example.com', 'raw', '1')).toBe('db.example.com.1.raw');
    expect(vdiFileDisk('db.example.com', 'db.example.com.raw')).toEqual({ key: null, format: 'raw' });
    expect(vdiFileDisk('db.example.com', 'db.example.com.xvdb.vhd')).toEqual({ key: 'xvdb', format: 'vhd' });
    expect(vdiFileDisk('db.example.com', 'db.example.com.xva')).toBeNull();
    expect(vdiFileDisk('db.example.com', 'db.raw')).toBeNull();
    expect(codeOf(() => vdiFileName('a', 'raw', 'x.y'))).toBe('DISK_KEY_INVALID');
  });

  it('a name that would pass NAME_MAX fails the VM instead of being cut', () => {
    const folder = vmFolderName('a'.repeat(247));
    expect(vdiFileName(folder, 'raw', null)).toHaveLength(251);
    expect(codeOf(() => vdiFileName(folder, 'raw', 'xvdb'))).toBe('VM_NAME_TOO_LONG');
  });
});

describe('backup folder names', () => {
  const at = new Date(2016, 10, 30, 14, 45, 18); // local time, like the old script
  it('formats both styles in local time', () => {
    expect(backupFolderName(at, 'legacy')).toBe('backup-2016-11-30-(14:45:18)');
    expect(backupFolderName(at, 'nas')).toBe('backup-2016-11-30-(14-45-18)');
    expect(backupFolderName(new Date(2024, 0, 2, 3, 4, 5), 'nas')).toBe('backup-2024-01-02-(03-04-05)');
  });

  it.each([
    ['backup-2016-11-30-(14:45:18)', true],
    ['backup-2016-11-30-(14-45-18)', true],
    ['backup-2017-09-28-(23-42-55)', true],
    ['backup-2016-11-30-(14:45-18)', false],
    ['backup-2016-11-30-(14-45:18)', false],
    ['backup-2016-11-30-(14:45:18)x', false],
    ['xbackup-2016-11-30-(14:45:18)', false],
    ['backup-2016-11-30-14:45:18', false],
    ['backup-2016-1-30-(14:45:18)', false],
    ['backup-2016-13-30-(14:45:18)', false],
    ['backup-2016-11-00-(14:45:18)', false],
    ['backup-2016-11-30-(24:45:18)', false],
    ['backup-2016-11-30-(14:60:18)', false],
    ['backup-2016-11-30-(14_45_18)', false],
    ['backup-2016-11-30', false],
    ['success', false],
    ['', false],
  ])('isBackupFolderName(%j) is %s', (name, expected) => {
    expect(isBackupFolderName(name)).toBe(expected);
  });

  it('sort keys order legacy and nas names by time', () => {
    expect(backupFolderSortKey('backup-2016-11-30-(14:45:18)')).toBe('20161130144518');
    expect(backupFolderSortKey('backup-2016-11-30-(14-45-18)')).toBe('20161130144518');
  });

  it('every name it makes is recognised', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date(1970, 0, 2), max: new Date(9999, 11, 30), noInvalidDate: true }), fc.constantFrom('legacy' as const, 'nas' as const), (d, style) => {
        expect(isBackupFolderName(backupFolderName(d, style))).toBe(true);
      }),
    );
  });
});

describe('insideBackupDir', () => {
  const base = '/srv/backup';
  it.each([
    [['vm'], '/srv/backup/vm'],
    [['vm', 'backup-2016-11-30-(14:45:18)', 'vm.xva'], '/srv/backup/vm/backup-2016-11-30-(14:45:18)/vm.xva'],
    [['..foo'], '/srv/backup/..foo'],
    [['/srv/backup/vm/x'], '/srv/backup/vm/x'],
  ])('accepts %j', (parts, expected) => {
    expect(insideBackupDir(base, ...parts)).toBe(expected);
    expect(insideBackupDir(base + '/', ...parts)).toBe(expected);
  });

  it.each([[[]], [['']], [['.']], [['..']], [['../backup2']], [['vm', '..', '..', 'etc']], [['/etc/passwd']], [['/srv/backup']], [['a\0b']]])(
    'refuses %j with PATH_OUTSIDE_BACKUP_DIR',
    (parts) => {
      expect(codeOf(() => insideBackupDir(base, ...parts))).toBe('PATH_OUTSIDE_BACKUP_DIR');
    },
  );
});

describe('pool DB names', () => {
  it('builds the folder and dump names', () => {
    expect(poolDbFolderName('xs01')).toBe('METADATA_xs01');
    expect(poolDbFolderName('a/b')).toBe('METADATA_%a%2Fb');
    expect(poolDbFolderName('..')).toBe('METADATA_%..');
    expect(codeOf(() => poolDbFolderName('h'.repeat(250)))).toBe('HOST_NAME_TOO_LONG');
    const name = poolDbFileName(new Date(2016, 10, 30, 4, 5, 6));
    expect(name).toBe('pool_db_20161130-040506.dump');
    expect(isPoolDbFileName(name)).toBe(true);
    expect(isPoolDbFileName('pool_db_20161130-040506.dump.partial')).toBe(false);
  });
});
