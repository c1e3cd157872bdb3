import fc from 'fast-check';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VmbackupError } from '../../src/errors.js';
import { backupFolderName, isBackupFolderName } from '../../src/backup/layout.js';
import {
  afterSuccess,
  foreignFolderWarnings,
  poolDbToRemove,
  preClean,
  readListing,
  removeFolder,
  removePoolDump,
  unsuccessfulToRemove,
  type ListingEntry,
} from '../../src/backup/retention.js';
import { tempDirForTest } from '../helpers/temp.js';

/** `backup-2020-01-0D-(10:00:00)`: day d, legacy style unless nas. */
const day = (d: number, style: 'legacy' | 'nas' = 'legacy') => backupFolderName(new Date(2020, 0, d, 10, 0, 0), style);
const ok = (name: string): ListingEntry => ({ name, isDirectory: true, successful: true });
const failed = (name: string): ListingEntry => ({ name, isDirectory: true, successful: false });
const file = (name: string): ListingEntry => ({ name, isDirectory: false, successful: false });

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(VmbackupError);
  expect((err as VmbackupError).code).toBe(code);
}

describe('unsuccessfulToRemove', () => {
  it.each<[string, ListingEntry[], string[]]>([
    ['empty folder', [], []],
    ['a lone failed folder (the old script kept it)', [failed(day(1))], [day(1)]],
    ['newest failed after successes', [ok(day(1)), ok(day(2)), failed(day(3))], [day(3)]],
    ['newest successful', [failed(day(1)), ok(day(2))], []],
    ['only the newest is looked at', [failed(day(1)), failed(day(2))], [day(2)]],
    ['a stray file sorting last is ignored', [failed(day(1)), file('zz-notes.txt'), file(day(9))], [day(1)]],
    ['other folders are ignored', [ok(day(1)), failed('zz-manual-copy'), failed('backup-old')], []],
    ['a symlink named like a backup is ignored', [ok(day(1)), { name: day(2), isDirectory: false, successful: false }], []],
    ['mixed styles compare by time', [failed(day(2, 'legacy')), ok(day(3, 'nas'))], []],
    ['mixed styles compare by time (2)', [ok(day(2, 'nas')), failed(day(3, 'legacy'))], [day(3, 'legacy')]],
  ])('%s', (_what, listing, expected) => {
    expect(unsuccessfulToRemove(listing)).toEqual(expected);
    expect(unsuccessfulToRemove([...listing].reverse())).toEqual(expected);
  });
});

describe('afterSuccess', () => {
  it.each<[string, ListingEntry[], number, string, string[]]>([
    ['keeps `keep` newest', [ok(day(1)), ok(day(2)), ok(day(3)), ok(day(4))], 2, day(4), [day(1), day(2)]],
    ['nothing to do below keep', [ok(day(1)), ok(day(2))], 3, day(2), []],
    ['keep 1 keeps only the new one', [ok(day(1)), ok(day(2)), ok(day(3))], 1, day(3), [day(1), day(2)]],
    ['keep 0 counts as 1', [ok(day(1)), ok(day(2))], 0, day(2), [day(1)]],
    ['negative keep counts as 1', [ok(day(1)), ok(day(2))], -5, day(2), [day(1)]],
    ['NaN keep counts as 1', [ok(day(1)), ok(day(2))], Number.NaN, day(2), [day(1)]],
    ['failed folders do not count and older ones go', [ok(day(1)), failed(day(2)), ok(day(3)), failed(day(4)), ok(day(5))], 3, day(5), [day(2), day(4)]],
    ['stray files and other folders are ignored', [file(day(0)), ok(day(1)), failed('notes'), file('a.txt'), ok(day(2))], 1, day(2), [day(1)]],
    ['mixed legacy and nas names sort by time', [ok(day(1, 'nas')), ok(day(2, 'legacy')), ok(day(3, 'nas')), ok(day(4, 'legacy'))], 2, day(4, 'legacy'), [day(1, 'nas'), day(2, 'legacy')]],
    ['the current folder counts even if listed before its marker', [ok(day(1)), ok(day(2)), failed(day(3))], 2, day(3), [day(1)]],
    // The clock went back: the new backup sorts before the newest. Both stay, even with keep 1.
    ['clock went back: newest and current both kept', [ok(day(1)), ok(day(2)), ok(day(5)), failed(day(6))], 1, day(2), [day(1)]],
  ])('%s', (_what, listing, keep, current, expected) => {
    expect(afterSuccess(listing, keep, current).sort()).toEqual([...expected].sort());
    expect(afterSuccess([...listing].reverse(), keep, current).sort()).toEqual([...expected].sort());
  });

  it('refuses to guess when the current folder is not in the listing', () => {
    expect(() => afterSuccess([ok(day(1))], 1, day(2))).toThrow(VmbackupError);
    expect(() => afterSuccess([ok(day(1)), file(day(2))], 1, day(2))).toThrow(/not a backup folder/);
  });

  it('six runs with keep 3 leave exactly the three newest', () => {
    let listing: ListingEntry[] = [file('README'), failed('manual')];
    for (let run = 1; run <= 6; run++) {
      for (const name of unsuccessfulToRemove(listing)) listing = listing.filter((e) => e.name !== name);
      const current = day(run);
      listing.push(failed(current));
      // Run 3 fails; the others succeed.
      if (run === 3) continue;
      listing = listing.map((e) => (e.name === current ? ok(current) : e));
      const remove = afterSuccess(listing, 3, current);
      listing = listing.filter((e) => !remove.includes(e.name));
    }
    expect(listing.map((e) => e.name).sort()).toEqual(['README', 'manual', day(4), day(5), day(6)].sort());
  });

  it('property: never the current or newest successful, never a non-backup entry, min(keep, successful) remain', () => {
    const backup = fc.record({
      d: fc.integer({ min: 1, max: 28 }),
      style: fc.constantFrom('legacy' as const, 'nas' as const),
      kind: fc.constantFrom('ok', 'failed', 'file', 'symlink'),
    });
    const backups = fc.uniqueArray(backup, { selector: (b) => `${b.d}${b.style}`, minLength: 1, maxLength: 14 });
    const strays = fc.array(fc.oneof(fc.string().map(file), fc.string().map(ok), fc.string().map(failed)), { maxLength: 4 });
    fc.assert(
      fc.property(backups, strays, fc.integer({ min: -2, max: 8 }), fc.boolean(), fc.nat(), (bs, stray, keep, currentIsNewest, pick) => {
        const dirs = bs.filter((b) => b.kind === 'ok' || b.kind === 'failed');
        fc.pre(dirs.length > 0);
        // Oldest first, ties (same time in both styles) by name, as the listing does.
        const order = (a: { d: number; style: string }, b: { d: number; style: string }) => a.d - b.d || (day(a.d, a.style as 'nas') < day(b.d, b.style as 'nas') ? -1 : 1);
        dirs.sort(order);
        // The current backup: the newest (normal), or any (the clock went back).
        const cur = currentIsNewest ? dirs.at(-1)! : dirs[pick % dirs.length]!;
        const listing: ListingEntry[] = bs.map((b) => {
          const name = day(b.d, b.style);
          if (b === cur || b.kind === 'ok') return ok(name);
          if (b.kind === 'failed') return failed(name);
          return { name, isDirectory: false, successful: b.kind === 'symlink' };
        });
        listing.push(...stray);
        const remove = afterSuccess(listing, keep, day(cur.d, cur.style));

        const successfulDirs = dirs.filter((b) => b === cur || b.kind === 'ok');
        const newest = successfulDirs.at(-1)!;
        expect(remove).not.toContain(day(cur.d, cur.style));
        expect(remove).not.toContain(day(newest.d, newest.style));
        for (const name of remove) {
          const e = listing.find((x) => x.name === name)!;
          expect(e.isDirectory && isBackupFolderName(name)).toBe(true);
        }
        const left = successfulDirs.filter((b) => !remove.includes(day(b.d, b.style))).length;
        const protectedCount = cur === newest ? 1 : 2;
        expect(left).toBe(Math.min(successfulDirs.length, Math.max(keep, 1, protectedCount)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('preClean', () => {
  it.each<[string, ListingEntry[], number, string[]]>([
    ['keep 1 deletes nothing (as the old script)', [ok(day(1)), ok(day(2))], 1, []],
    ['keep 0 deletes nothing', [ok(day(1)), ok(day(2))], 0, []],
    ['keep 2 leaves the newest', [ok(day(1)), ok(day(2)), ok(day(3))], 2, [day(1), day(2)]],
    ['keep 3 leaves two', [ok(day(1)), ok(day(2)), ok(day(3))], 3, [day(1)]],
    ['failed folders are not counted or deleted', [ok(day(1)), failed(day(2)), ok(day(3)), failed(day(4))], 2, [day(1)]],
    ['the new empty folder does not count', [ok(day(1)), ok(day(2)), failed(day(3))], 3, []],
    ['strays ignored', [file(day(0)), ok('x'), ok(day(1)), ok(day(2))], 2, [day(1)]],
    ['mixed styles', [ok(day(3, 'legacy')), ok(day(1, 'legacy')), ok(day(2, 'nas'))], 2, [day(1, 'legacy'), day(2, 'nas')]],
  ])('%s', (_what, listing, keep, expected) => {
    expect(preClean(listing, keep)).toEqual(expected);
  });
});

describe('poolDbToRemove', () => {
  const dumps = ['pool_db_20200101-000000.dump', 'pool_db_20200102-000000.dump', 'pool_db_20200103-000000.dump'];
  it('keeps the newest `keep`, ignores other names', () => {
    const files = [...dumps].reverse().concat(['notes.txt', '.pool_db_20190101-000000.dump.partial', 'pool_db_x.dump']);
    expect(poolDbToRemove(files, 2)).toEqual([dumps[0]]);
    expect(poolDbToRemove(files, 1)).toEqual([dumps[0], dumps[1]]);
    expect(poolDbToRemove(files, 0)).toEqual([dumps[0], dumps[1]]);
    expect(poolDbToRemove(files, 5)).toEqual([]);
  });
});

describe('readListing and deleting', () => {
  it('reads markers, and deletes only dated backup folders inside backup_dir', async () => {
    const root = tempDirForTest('retention');
    const vm = join(root, 'web 01');
    for (const [name, marker] of [[day(1), 'success'], [day(2), 'success_compress'], [day(3), 'success_restore'], [day(4), 'success_compressing'], [day(5), null]] as const) {
      mkdirSync(join(vm, name), { recursive: true });
      writeFileSync(join(vm, name, 'web 01.xva'), 'data');
      if (marker) writeFileSync(join(vm, name, marker), '');
    }
    writeFileSync(join(vm, 'notes.txt'), 'x');
    writeFileSync(join(vm, day(6)), 'a file named like a backup');
    mkdirSync(join(root, 'elsewhere', day(7)), { recursive: true });
    symlinkSync(join(root, 'elsewhere', day(7)), join(vm, day(7)));

    const listing = (await readListing(vm)).sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(listing).toEqual([
      ok(day(1)), ok(day(2)), ok(day(3)), ok(day(4)), failed(day(5)), file(day(6)), file(day(7)), file('notes.txt'),
    ].sort((a, b) => (a.name < b.name ? -1 : 1)));
    expect(await readListing(join(root, 'missing'))).toEqual([]);

    expect(unsuccessfulToRemove(listing)).toEqual([day(5)]);
    await removeFolder(root, join(vm, day(5)));
    expect(existsSync(join(vm, day(5)))).toBe(false);
    await removeFolder(root, join('web 01', day(1))); // relative to backup_dir
    expect(existsSync(join(vm, day(1)))).toBe(false);

    await rejectsWith(removeFolder(root, join(vm, 'notes.txt')), 'REFUSED_DELETE');
    await rejectsWith(removeFolder(root, join(vm, day(6))), 'REFUSED_DELETE'); // a file
    await rejectsWith(removeFolder(root, join(vm, day(7))), 'REFUSED_DELETE'); // a symlink
    await rejectsWith(removeFolder(root, vm), 'REFUSED_DELETE');
    await rejectsWith(removeFolder(root, root), 'PATH_OUTSIDE_BACKUP_DIR');
    await rejectsWith(removeFolder(vm, join(vm, day(2))), 'REFUSED_DELETE'); // too shallow
    await rejectsWith(removeFolder(join(root, 'sub'), join(vm, day(2))), 'PATH_OUTSIDE_BACKUP_DIR');
    expect(readdirSync(vm).sort()).toEqual([day(2), day(3), day(4), day(6), day(7), 'notes.txt'].sort());
    expect(existsSync(join(root, 'elsewhere', day(7)))).toBe(true);
  });

  it('deletes pool dumps only in METADATA_ folders', async () => {
    const root = tempDirForTest('retention-pool');
    const meta = join(root, 'METADATA_xs01');
    mkdirSync(meta);
    const dump = 'pool_db_20200101-000000.dump';
    writeFileSync(join(meta, dump), 'x');
    writeFileSync(join(meta, 'notes.txt'), 'x');
    mkdirSync(join(root, 'vm'));
    writeFileSync(join(root, 'vm', dump), 'x');
    await rejectsWith(removePoolDump(root, join(meta, 'notes.txt')), 'REFUSED_DELETE');
    await rejectsWith(removePoolDump(root, join(root, 'vm', dump)), 'REFUSED_DELETE');
    await removePoolDump(root, join(meta, dump));
    expect(readdirSync(meta)).toEqual(['notes.txt']);
    expect(readdirSync(join(root, 'vm'))).toEqual([dump]);
  });
});

describe("another VM's backups in the same folder (one name in two pools)", () => {
  const mine = (e: ListingEntry): ListingEntry => ({ ...e, owner: 'this' });
  const theirs = (e: ListingEntry): ListingEntry => ({ ...e, owner: 'other', otherUuid: 'b2' });
  const unknown = (e: ListingEntry): ListingEntry => ({ ...e, owner: 'unknown' });

  it('are neither counted nor deleted by any step, and said so', () => {
    const listing = [theirs(ok(day(1))), mine(ok(day(2))), theirs(ok(day(3))), mine(ok(day(4))), theirs(failed(day(5))), mine(ok(day(6)))];
    // keep 2: of mine, day 2 goes; theirs stay, counted or not.
    expect(afterSuccess(listing, 2, day(6))).toEqual([day(2)]);
    expect(preClean(listing, 2)).toEqual([day(2), day(4)]);
    // Their failed folder is the newest failed one: not ours to delete.
    expect(unsuccessfulToRemove([...listing, theirs(failed(day(7)))])).toEqual([]);
    expect(foreignFolderWarnings('web-01', 'web-01', listing)).toEqual([expect.stringMatching(/^3 backup folders in web-01\/ belong to another VM named "web-01" \(orig_uuid b2\): neither counted nor deleted .*own backup_dir/)]);
  });

  it('a successful backup that does not say whose it is stays; a failed one is cleared as before', () => {
    const listing = [unknown(ok(day(1))), unknown(failed(day(2))), mine(ok(day(3)))];
    expect(afterSuccess(listing, 1, day(3))).toEqual([day(2)]);
    expect(unsuccessfulToRemove([...listing, unknown(failed(day(4)))])).toEqual([day(4)]);
    expect(foreignFolderWarnings('db', 'db', listing)).toEqual([expect.stringMatching(/^1 successful backup in db\/ \(backup-2020-01-01-\(10:00:00\)\) has no vm\.cfg or vm-metadata\.xml/)]);
    expect(foreignFolderWarnings('db', 'db', [mine(ok(day(1))), failed(day(2))])).toEqual([]);
  });

  it('readListing reads the owner from vm.cfg, or from the VM uuid in VmBackup 3.22+ vm-metadata.xml', async () => {
    const root = tempDirForTest('retention-owner');
    const vm = join(root, 'web-01');
    const folder = (d: number, files: Record<string, string>) => {
      mkdirSync(join(vm, day(d)), { recursive: true });
      for (const [name, text] of Object.entries({ success: '', ...files })) writeFileSync(join(vm, day(d), name), text);
    };
    folder(1, { 'vm.cfg': 'name_label=web-01\norig_uuid=aaaa-1\n' });
    folder(2, { 'vm.cfg': 'name_label=web-01\norig_uuid=bbbb-2\n' });
    folder(3, { 'vm-metadata.xml': '<value>AAAA-1</value>' });
    folder(4, { 'vm-metadata.xml': '<value>bbbb-2</value>' });
    folder(5, {});
    writeFileSync(join(vm, 'notes.txt'), 'x');
    const listing = (await readListing(vm, 'aaaa-1')).sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(listing.map((e) => [e.name, e.owner, e.otherUuid])).toEqual([
      [day(1), 'this', undefined],
      [day(2), 'other', 'bbbb-2'],
      [day(3), 'this', undefined],
      [day(4), 'other', undefined],
      [day(5), 'unknown', undefined],
      ['notes.txt', undefined, undefined],
    ]);
  });
});

describe('a backup whose last vmbackup verify failed', () => {
  const damaged = (e: ListingEntry): ListingEntry => ({ ...e, verifyFailed: true });

  it('is neither counted nor deleted by any step, and said so each run', () => {
    // keep 2 over days 1..4 with day 3 damaged: day 3 neither counts as one of the two nor goes.
    const listing = [ok(day(1)), ok(day(2)), damaged(ok(day(3))), ok(day(4))];
    expect(afterSuccess(listing, 2, day(4))).toEqual([day(1)]);
    expect(preClean(listing, 2)).toEqual([day(1), day(2)]);
    // The damaged one was the newest before today's: the newest good one is still kept.
    expect(afterSuccess([ok(day(1)), damaged(ok(day(2))), ok(day(3))], 1, day(3))).toEqual([day(1)]);
    expect(foreignFolderWarnings('db', 'db', listing)).toEqual([expect.stringMatching(/^1 backup in db\/ \(backup-2020-01-03-\(10:00:00\)\) failed its last vmbackup verify: kept, neither counted nor deleted by retention; delete by hand/)]);
    expect(foreignFolderWarnings('db', 'db', [ok(day(1))])).toEqual([]);
  });

  it('readListing reads it from vmbackup-verify.json; an ok or unreadable record says nothing', async () => {
    const vm = join(tempDirForTest('retention-verify'), 'db');
    const folder = (d: number, record: string | null) => {
      mkdirSync(join(vm, day(d)), { recursive: true });
      writeFileSync(join(vm, day(d), 'success'), '');
      if (record !== null) writeFileSync(join(vm, day(d), 'vmbackup-verify.json'), record);
    };
    folder(1, '{"at":"2020-01-05T10:00:00+00:00","result":"failed","detail":"db.xva: chunk checksum"}\n');
    folder(2, '{"at":"2020-01-05T10:00:00+00:00","result":"ok"}\n');
    folder(3, 'not json');
    folder(4, null);
    const listing = (await readListing(vm)).sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(listing.map((e) => [e.name, e.verifyFailed])).toEqual([
      [day(1), true],
      [day(2), undefined],
      [day(3), undefined],
      [day(4), undefined],
    ]);
  });
});
