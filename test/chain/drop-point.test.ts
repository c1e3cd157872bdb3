import { existsSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dropPoint, isPendingMergeFolder, MERGE_STATE_FILE, resumeDrop, type DropDeps } from '../../src/chain/drop-point.js';
import { DELTA_RECORD_FILE, parseDeltaRecord } from '../../src/chain/record.js';
import { tempDirForTest } from '../helpers/temp.js';
import { buildVmFolder, C, DISKS, expectedRaw, MIB, P, parsedRaw, qemuRaw, snapUuid, treeHashes, uuidOf, writeVhd, type DiskSpec } from './helpers.js';


function recordingDeps(): DropDeps & { removed: string[]; replaced: Array<{ path: string; touched: Array<[number, number]> | null; from: { folder: string; file: string } }> } {
  const removed: string[] = [];
  const replaced: Array<{ path: string; touched: Array<[number, number]> | null; from: { folder: string; file: string } }> = [];
  return {
    removed,
    replaced,
    removeFolder: async (path) => {
      removed.push(path);
      await rm(path, { recursive: true });
    },
    onFileReplaced: async (path, touched, from) => {
      replaced.push({ path, touched, from });
    },
  };
}

const readRecord = (vmDir: string, folder: string) => parseDeltaRecord(readFileSync(join(vmDir, folder, DELTA_RECORD_FILE), 'utf8'), 'test');

async function expectChildWhole(vmDir: string): Promise<void> {
  expect(existsSync(join(vmDir, P))).toBe(false);
  expect(existsSync(join(vmDir, MERGE_STATE_FILE))).toBe(false);
  const record = readRecord(vmDir, C);
  expect(record.parent).toBeNull();
  for (const [n, disk] of DISKS.entries()) {
    const d = record.disks[n]!;
    expect(d).toMatchObject({ kind: 'full', parentSnapshotVdi: null, file: `${C}.${disk.key}.vhd`, snapshotVdi: snapUuid('C', n) });
    const file = join(vmDir, C, d.file);
    const raw = expectedRaw(disk, 'C');
    expect(qemuRaw(file, join(vmDir, 'out.raw')).equals(raw)).toBe(true);
    const parsed = await parsedRaw(file);
    expect(parsed).toMatchObject({ diskType: 3, uuid: snapUuid('C', n) });
    expect(parsed.raw.equals(raw)).toBe(true);
  }
  expect(existsSync(join(vmDir, C, 'success'))).toBe(true);
}

async function folder(): Promise<string> {
  const vmDir = join(tempDirForTest('drop'), 'web');
  await buildVmFolder(vmDir, DISKS);
  return vmDir;
}

describe('dropPoint', () => {
  it('merges C into P, renames P\'s files onto C\'s, makes C full and removes P; C restores to its own bytes', async () => {
    const vmDir = await folder();
    const deps = recordingDeps();
    const r = await dropPoint(vmDir, P, C, deps);
    expect(r.merged.map((m) => m.blocks)).toEqual([4, 3]);
    await expectChildWhole(vmDir);
    expect(deps.removed).toEqual([join(vmDir, P)]);
    expect(deps.replaced.map((x) => x.path)).toEqual(DISKS.map((d) => join(vmDir, C, `${C}.${d.key}.vhd`)));
    for (const [n, x] of deps.replaced.entries()) {
      expect(x.from).toEqual({ folder: join(vmDir, P), file: `${P}.${DISKS[n]!.key}.vhd` });
      expect(x.touched!.length).toBeGreaterThan(0);
    }
    expect(await resumeDrop(vmDir, deps)).toEqual({ done: 'nothing' });
  });

  it.each([
    ['C failed its verification', (vmDir: string) => writeFileSync(join(vmDir, C, 'vmbackup-verify.json'), '{"at":"2024-05-02 02:00:00","result":"failed","detail":"x"}\n'), 'MERGE_REFUSED', 'failed its last verification'],
    ['C has no success marker', (vmDir: string) => unlinkSync(join(vmDir, C, 'success')), 'MERGE_REFUSED', 'no success marker'],
    ['C\'s verify record is damaged', (vmDir: string) => writeFileSync(join(vmDir, C, 'vmbackup-verify.json'), '{"at":'), 'MERGE_REFUSED', 'cannot be read'],
    ['P\'s disk is itself a diff', (vmDir: string) => {
      const rec = readRecord(vmDir, P);
      rec.parent = 'backup-2024-04-30-(01-00-00)';
      rec.disks[0] = { ...rec.disks[0]!, kind: 'diff', parentSnapshotVdi: uuidOf(0x55) };
      writeFileSync(join(vmDir, P, DELTA_RECORD_FILE), JSON.stringify(rec));
    }, 'MERGE_REFUSED', 'itself a difference'],
    ['C\'s second file is a diff against another disk than P\'s', async (vmDir: string) => {
      await writeVhd(join(vmDir, C, `${C}.xvdb.vhd`), 8 * MIB, [0], 2, snapUuid('C', 1), uuidOf(0x66));
    }, 'CHAIN_BROKEN', uuidOf(0x66)],
  ])('refuses when %s, and leaves every file as it was', async (_what, spoil, code, words) => {
    const vmDir = await folder();
    await spoil(vmDir);
    const before = treeHashes(vmDir);
    const err = await dropPoint(vmDir, P, C, recordingDeps()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code });
    expect((err as Error).message).toContain(words);
    expect(treeHashes(vmDir)).toEqual(before);
  });

  it('a verified C (result ok) is merged', async () => {
    const vmDir = await folder();
    writeFileSync(join(vmDir, C, 'vmbackup-verify.json'), '{"at":"2024-05-02 02:00:00","result":"ok"}\n');
    await dropPoint(vmDir, P, C, recordingDeps());
    await expectChildWhole(vmDir);
  });

  it('a pending state file protects the folders it names, refuses a second drop, and a damaged one protects every folder', async () => {
    const vmDir = await folder();
    expect(isPendingMergeFolder(vmDir, P)).toBe(false);
    writeFileSync(join(vmDir, MERGE_STATE_FILE), JSON.stringify({ format: 'vmbackup-merge', version: 1, parent: P, child: C, step: 'merge', disks: [] }));
    expect(isPendingMergeFolder(vmDir, P)).toBe(true);
    expect(isPendingMergeFolder(vmDir, C)).toBe(true);
    expect(isPendingMergeFolder(vmDir, 'backup-2024-05-03-(01-00-00)')).toBe(false);
    await expect(dropPoint(vmDir, P, C, recordingDeps())).rejects.toMatchObject({ code: 'MERGE_PENDING' });
    writeFileSync(join(vmDir, MERGE_STATE_FILE), '{"format":');
    expect(isPendingMergeFolder(vmDir, 'backup-2024-05-03-(01-00-00)')).toBe(true);
    await expect(resumeDrop(vmDir, recordingDeps())).rejects.toMatchObject({ code: 'MERGE_STATE_INVALID' });
    rmSync(join(vmDir, MERGE_STATE_FILE));
    expect(await resumeDrop(vmDir, recordingDeps())).toEqual({ done: 'nothing' });
  });
});
