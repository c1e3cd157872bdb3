/**
 * chooseBases: which disks of a delta backup are differences, and every reason a disk falls
 * back to a full (delta-restore.md §A.5), from a VM folder on disk and what the pool keeps.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseBases, type PoolBase } from '../../src/backup/delta-base.js';
import type { VmDisk } from '../../src/backup/vdi-disks.js';
import { DELTA_RECORD_FILE, type DeltaDisk, formatDeltaRecord } from '../../src/chain/record.js';
import { tempDir } from '../helpers/cli.js';
import { uuidOf, writeVhd } from '../chain/helpers.js';

const SIZE = 4 * 2 ** 20;
const F0 = 'backup-2026-12-01-(02-00-00)';
const F1 = 'backup-2026-12-02-(02-00-00)';

function liveDisk(key: string, n: number, sr = 'sr-1', size = SIZE): VmDisk {
  return { key, boot: key === 'xvda', vbd: { userdevice: String(n) } as VmDisk['vbd'], vdi: { ref: `OpaqueRef:live-${key}`, uuid: uuidOf(100 + n), srUuid: sr, virtualSize: size } as VmDisk['vdi'] };
}

/** A point on disk: its record and a VHD per disk whose footer uuid is `snap` (or `footer`). */
async function point(vmDir: string, folder: string, parent: string | null, disks: { key: string; n: number; snap: number; kind: 'full' | 'diff'; parentSnap?: number; footer?: number }[], marker = true): Promise<void> {
  const dir = join(vmDir, folder);
  mkdirSync(dir, { recursive: true });
  const entries: DeltaDisk[] = [];
  for (const d of disks) {
    const file = `app.${d.key}.vhd`;
    await writeVhd(join(dir, file), SIZE, [0], d.snap, uuidOf(d.footer ?? d.snap), d.kind === 'diff' ? uuidOf(d.parentSnap!) : undefined);
    entries.push({ key: d.key, userdevice: String(d.n), vdi: uuidOf(100 + d.n), sr: 'sr-1', snapshotVdi: uuidOf(d.snap), file, kind: d.kind, parentSnapshotVdi: d.kind === 'diff' ? uuidOf(d.parentSnap!) : null, virtualSize: SIZE });
  }
  writeFileSync(join(dir, DELTA_RECORD_FILE), formatDeltaRecord({ format: 'vmbackup-delta', version: 1, vm: { uuid: 'vm', name: 'app' }, snapshot: { uuid: uuidOf(900) }, parent, disks: entries }));
  if (marker) writeFileSync(join(dir, 'success'), '');
}

/** The pool's base: the snapshot of `folder`, with copies of each live disk as snapshot uuids `snaps`. */
function poolBase(folder: string, snaps: Record<string, number>): PoolBase {
  return { base: { ref: 'OpaqueRef:base', uuid: uuidOf(900), folder }, copies: new Map(Object.entries(snaps).map(([key, snap]) => [`OpaqueRef:live-${key}`, { vdiRef: `OpaqueRef:snap-${snap}`, vdiUuid: uuidOf(snap) }])) };
}

const disks = [liveDisk('xvda', 0), liveDisk('xvdb', 1)];
const twoFull = [{ key: 'xvda', n: 0, snap: 1, kind: 'full' as const }, { key: 'xvdb', n: 1, snap: 2, kind: 'full' as const }];

describe('chooseBases', () => {
  it('both disks against the base when pool and disk agree; depth counts the chain', async () => {
    const vm = tempDir();
    await point(vm, F0, null, twoFull);
    const c = await chooseBases({ vmDir: vm, disks, pool: poolBase(F0, { xvda: 1, xvdb: 2 }), fullEvery: 7, hadDeltaPoint: true });
    expect(c.parent).toBe(F0);
    expect(c.depth).toBe(1);
    expect([...c.bases.values()].map((b) => b?.vdiUuid)).toEqual([uuidOf(1), uuidOf(2)]);
    expect(c.warnings).toEqual([]);
  });

  it('the first delta of a VM is a planned full: a log line, no warning', async () => {
    const c = await chooseBases({ vmDir: tempDir(), disks, pool: null, fullEvery: 7, hadDeltaPoint: false });
    expect(c.parent).toBeNull();
    expect(c.warnings).toEqual([]);
    expect(c.logs).toEqual(['a full backup of every disk: the first delta backup of this VM']);
  });

  it('a base deleted by hand: a full with a warning', async () => {
    const vm = tempDir();
    await point(vm, F0, null, twoFull);
    const c = await chooseBases({ vmDir: vm, disks, pool: null, fullEvery: 7, hadDeltaPoint: true });
    expect(c.parent).toBeNull();
    expect(c.warnings[0]).toMatch(/the pool keeps no base snapshot for this VM/);
  });

  it('full_every reached: a planned full', async () => {
    const vm = tempDir();
    await point(vm, F0, null, twoFull);
    await point(vm, F1, F0, [{ key: 'xvda', n: 0, snap: 3, kind: 'diff', parentSnap: 1 }, { key: 'xvdb', n: 1, snap: 4, kind: 'diff', parentSnap: 2 }]);
    const c = await chooseBases({ vmDir: vm, disks, pool: poolBase(F1, { xvda: 3, xvdb: 4 }), fullEvery: 2, hadDeltaPoint: true });
    expect(c.parent).toBeNull();
    expect(c.warnings).toEqual([]);
    expect(c.logs[0]).toMatch(/full_every=2 is reached \(the chain of backup-2026-12-02-\(02-00-00\) has 1 delta\)/);
    expect((await chooseBases({ vmDir: vm, disks, pool: poolBase(F1, { xvda: 3, xvdb: 4 }), fullEvery: 3, hadDeltaPoint: true })).depth).toBe(2);
  });

  it('the base point unfinished, or a link of its chain failed verify: a full with the link named', async () => {
    const vm = tempDir();
    await point(vm, F0, null, twoFull);
    await point(vm, F1, F0, [{ key: 'xvda', n: 0, snap: 3, kind: 'diff', parentSnap: 1 }, { key: 'xvdb', n: 1, snap: 4, kind: 'full' }], false);
    let c = await chooseBases({ vmDir: vm, disks, pool: poolBase(F1, { xvda: 3, xvdb: 4 }), fullEvery: 7, hadDeltaPoint: true });
    expect(c.warnings[0]).toContain(`${F1}, and it is unfinished`);
    writeFileSync(join(vm, F1, 'success'), '');
    writeFileSync(join(vm, F0, 'vmbackup-verify.json'), JSON.stringify({ at: '2026-12-03T00:00:00Z', result: 'failed' }));
    c = await chooseBases({ vmDir: vm, disks, pool: poolBase(F1, { xvda: 3, xvdb: 4 }), fullEvery: 7, hadDeltaPoint: true });
    expect(c.parent).toBeNull();
    expect(c.warnings[0]).toContain(`holds ${F0}, and its last \`vmbackup verify\` failed`);
  });

  it('per disk: a file whose footer is another disk, a disk moved to another SR, one resized, one the base lacks', async () => {
    const vm = tempDir();
    await point(vm, F0, null, [{ key: 'xvda', n: 0, snap: 1, kind: 'full', footer: 77 }, { key: 'xvdb', n: 1, snap: 2, kind: 'full' }]);
    const moved = [disks[0]!, liveDisk('xvdb', 1, 'sr-2')];
    let c = await chooseBases({ vmDir: vm, disks: moved, pool: poolBase(F0, { xvda: 1, xvdb: 2 }), fullEvery: 7, hadDeltaPoint: true });
    expect(c.parent).toBeNull();
    expect(c.warnings).toEqual([
      `a full backup of disk xvda: the file ${F0}/app.xvda.vhd says it holds ${uuidOf(77)}, not the base's ${uuidOf(1)}`,
      'a full backup of disk xvdb: it moved from SR sr-1 to SR sr-2 since the backup ' + F0,
    ]);
    c = await chooseBases({ vmDir: vm, disks: [liveDisk('xvda', 0, 'sr-1', 2 * SIZE), disks[1]!, liveDisk('xvdc', 2)], pool: poolBase(F0, { xvda: 1, xvdb: 2 }), fullEvery: 7, hadDeltaPoint: true });
    expect(c.parent).toBe(F0);
    expect(c.bases.get('xvdb')?.vdiUuid).toBe(uuidOf(2));
    expect(c.warnings).toEqual([
      `a full backup of disk xvda: its size changed since the backup ${F0} (${SIZE} → ${2 * SIZE} bytes)`,
      `a full backup of disk xvdc: the base snapshot ${uuidOf(900)} has no copy of it (a disk added since, or recreated)`,
    ]);
  });
});
