/**
 * Verify of delta points without a pool: chains written by the test (test/restore/delta-fixture.ts:
 * a full and diffs with known blocks, records, sums, markers; plus the DISK-<key>/vdi.cfg the
 * engine writes). A point is judged with its chain: every earlier point's files read (once per
 * run, however many points need them), markers, last verify records, and the VHD identities the
 * records name; a bad link named for the link and for each later point.
 */
import { closeSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VERIFY_FILE } from '../../src/catalog/parse.js';
import { readBackup } from '../../src/catalog/resolve.js';
import { DELTA_RECORD_FILE, type DeltaRecord } from '../../src/chain/record.js';
import { checkWrittenBackup, findingText, verifyBackupFolder, verifyBackups, type VerifyTarget } from '../../src/verify/index.js';
import { BLOCK, type FixturePoint, writeDeltaChain } from '../restore/delta-fixture.js';
import { tempDirForTest } from '../helpers/temp.js';

const signal = () => new AbortController().signal;
const VM = { uuid: '6a1b2c3d-0000-4000-8000-000000000001', name: 'app' };

/** Four points of `app` (xvda 6 MiB, xvdb 2 MiB): a full and three diffs, with the vdi.cfg files verify reads. */
async function chain(): Promise<{ backupDir: string; vmDir: string; points: FixturePoint[] }> {
  const backupDir = tempDirForTest('verify-chain');
  const vmDir = join(backupDir, 'app');
  const disks = [
    { key: 'xvda', userdevice: '0', vdi: '6a1b2c3d-0000-4000-8000-00000000000a', size: 3 * BLOCK },
    { key: 'xvdb', userdevice: '1', vdi: '6a1b2c3d-0000-4000-8000-00000000000b', size: BLOCK },
  ];
  const points = await writeDeltaChain({ vmDir, vm: VM, disks, changes: [{ xvda: [0, 1, 2], xvdb: [0] }, { xvda: [1] }, { xvda: [2, 0], xvdb: [0] }, { xvda: [1] }] });
  for (const p of points) {
    for (const d of disks) {
      mkdirSync(join(p.path, `DISK-${d.key}`));
      writeFileSync(join(p.path, `DISK-${d.key}`, 'vdi.cfg'), `name_label=${d.key}\nvirtual_size=${d.size}\n`);
      writeFileSync(join(p.path, `DISK-${d.key}`, 'vbd.cfg'), `userdevice=${d.userdevice}\nbootable=${d.key === 'xvda' ? 'True' : 'False'}\n`);
    }
  }
  return { backupDir, vmDir, points };
}

async function targetsOf(backupDir: string, points: readonly FixturePoint[]): Promise<VerifyTarget[]> {
  const out: VerifyTarget[] = [];
  for (const p of points) out.push({ vm: 'app', backup: await readBackup(p.path), backupDir });
  return out;
}

const fileBytes = (points: readonly FixturePoint[]) => points.reduce((n, p) => n + p.disks.reduce((m, d) => m + statSync(d.path).size, 0), 0);

function flipByte(path: string, at: number): void {
  const fd = openSync(path, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, at);
  b[0] = b[0]! ^ 0x80;
  writeSync(fd, b, 0, 1, at);
  closeSync(fd);
}

function editRecord(point: FixturePoint, edit: (r: DeltaRecord) => void): void {
  const path = join(point.path, DELTA_RECORD_FILE);
  const record = JSON.parse(readFileSync(path, 'utf8')) as DeltaRecord;
  edit(record);
  writeFileSync(path, JSON.stringify(record));
}

describe('verify of delta points', () => {
  it('a whole chain: every point OK with its depth and links; each file read once in a run of every point; one point alone reads its whole chain', async () => {
    const { backupDir, points } = await chain();
    const targets = (await targetsOf(backupDir, points)).reverse(); // newest first, as --backup-dir lists them
    const s = await verifyBackups(targets, { jobs: 1, signal: signal(), onEvent: () => undefined, backupDir });
    expect(s.failed).toEqual([]);
    expect(s.bytes).toBe(fileBytes(points));
    expect(s.verdicts.map((v) => [v.folder, v.chain])).toEqual([
      [`app/${points[3]!.folder}`, { depth: 3, links: [points[2]!.folder, points[1]!.folder, points[0]!.folder], linksChecked: 3, ok: true }],
      [`app/${points[2]!.folder}`, { depth: 2, links: [points[1]!.folder, points[0]!.folder], linksChecked: 2, ok: true }],
      [`app/${points[1]!.folder}`, { depth: 1, links: [points[0]!.folder], linksChecked: 1, ok: true }],
      [`app/${points[0]!.folder}`, { depth: 0, links: [], linksChecked: 0, ok: true }],
    ]);
    // The newest read everything; the others had been read for it.
    expect(s.verdicts.map((v) => v.bytes)).toEqual([fileBytes(points), 0, 0, 0]);
    expect(s.verdicts[0]!.notes).toContain('delta point, chain depth 3: 3 earlier points checked');

    // Two at a time: still each file once.
    const two = await verifyBackups(await targetsOf(backupDir, points), { jobs: 2, signal: signal(), onEvent: () => undefined, backupDir, record: false });
    expect(two.failed).toEqual([]);
    expect(two.bytes).toBe(fileBytes(points));

    const alone = await verifyBackupFolder(points[3]!.path, { signal: signal() });
    expect(alone.ok).toBe(true);
    expect(alone.bytes).toBe(fileBytes(points));
    // The structural pass accepts a differencing VHD as it does a dynamic one.
    const deep = await verifyBackupFolder(points[3]!.path, { signal: signal(), deep: true, record: false });
    expect(deep.findings).toEqual([]);
    expect(deep.basis?.every((b) => b.includes("read through its format's verifier"))).toBe(true);
  });

  it('a byte flipped in a middle link: that link FAILED with its own finding, every later point FAILED naming it (link k of n), the earlier ones OK; records say so', async () => {
    const { backupDir, points } = await chain();
    const bad = points[1]!.disks[0]!;
    flipByte(bad.path, statSync(bad.path).size - 512 - 1000);
    const s = await verifyBackups((await targetsOf(backupDir, points)).reverse(), { jobs: 1, signal: signal(), onEvent: () => undefined, backupDir });
    const byFolder = new Map(s.verdicts.map((v) => [v.folder.split('/')[1], v]));
    expect(byFolder.get(points[0]!.folder)!.ok).toBe(true);
    const link = byFolder.get(points[1]!.folder)!;
    expect(link.ok).toBe(false);
    expect(findingText(link.findings[0]!)).toMatch(/^app\.xvda\.vhd: content checksum at byte \d+: bytes \d+-\d+ \(.*VHD block 1.*\) differ from what was written/);
    for (const [k, of] of [[2, 3], [3, 4]] as const) {
      const later = byFolder.get(points[k]!.folder)!;
      expect(later.ok).toBe(false);
      expect(later.findings).toHaveLength(1);
      expect(later.findings[0]).toMatchObject({ layer: 'chain', file: `${points[1]!.folder}/app.xvda.vhd`, chainLink: { index: 2, of } });
      expect(findingText(later.findings[0]!)).toMatch(new RegExp(`^chain: ${esc(points[1]!.folder)}/app\\.xvda\\.vhd \\(link 2 of ${of}\\): content checksum at byte \\d+: bytes `));
      expect(later.chain).toMatchObject({ ok: false });
      const record = JSON.parse(readFileSync(join(points[k]!.path, VERIFY_FILE), 'utf8')) as { result: string; detail: string };
      expect(record).toMatchObject({ result: 'failed', detail: expect.stringContaining(`chain: ${points[1]!.folder}/app.xvda.vhd (link 2 of ${of})`) });
    }
    // Each file still read once.
    expect(s.bytes).toBe(fileBytes(points));
  });

  it('links that are not good backups: unfinished (no marker), a failed last verify (only when this run does not verify it again), a missing parent folder', async () => {
    const { backupDir, points } = await chain();
    rmSync(join(points[1]!.path, 'success'));
    let v = await verifyBackupFolder(points[3]!.path, { signal: signal(), record: false });
    expect(v.findings.map(findingText)).toEqual([`chain: ${points[1]!.folder} (link 2 of 4): it is unfinished (no success marker): its backup did not finish`]);
    writeFileSync(join(points[1]!.path, 'success'), '');

    writeFileSync(join(points[2]!.path, VERIFY_FILE), JSON.stringify({ at: '2026-12-05T10:00:00+00:00', result: 'failed', detail: 'app.xvdb.vhd: file: missing' }));
    v = await verifyBackupFolder(points[3]!.path, { signal: signal(), record: false });
    expect(v.findings.map(findingText)).toEqual([`chain: ${points[2]!.folder} (link 3 of 4): its last \`vmbackup verify\` failed (app.xvdb.vhd: file: missing); verify it again, or take a new full`]);
    // Verified again in the same run, the link's fresh verdict counts, not its stale record.
    const s = await verifyBackups(await targetsOf(backupDir, points.slice(2)), { jobs: 1, signal: signal(), onEvent: () => undefined, backupDir });
    expect(s.failed).toEqual([]);
    expect(JSON.parse(readFileSync(join(points[2]!.path, VERIFY_FILE), 'utf8'))).toMatchObject({ result: 'ok' });

    // A record that is no record: the link's, then the point's own.
    const good = readFileSync(join(points[1]!.path, DELTA_RECORD_FILE));
    writeFileSync(join(points[1]!.path, DELTA_RECORD_FILE), '{"format": "vmbackup-delta", ');
    v = await verifyBackupFolder(points[3]!.path, { signal: signal(), record: false });
    expect(v.findings.map(findingText)).toEqual([expect.stringMatching(new RegExp(`^chain: ${esc(points[1]!.folder)}: ${esc(points[1]!.folder)}/vmbackup-delta\\.json: not JSON .*\\(the parent of ${esc(points[2]!.folder)}\\)$`))]);
    v = await verifyBackupFolder(points[1]!.path, { signal: signal(), record: false });
    expect(v.findings.map(findingText)).toEqual([expect.stringMatching(/^vmbackup-delta\.json: file: not JSON /)]);
    expect(v.chain).toBeUndefined();
    writeFileSync(join(points[1]!.path, DELTA_RECORD_FILE), good);

    rmSync(points[0]!.path, { recursive: true });
    v = await verifyBackupFolder(points[2]!.path, { signal: signal(), record: false });
    expect(v.ok).toBe(false);
    expect(v.findings.map(findingText)).toEqual([`chain: ${points[0]!.folder}: the folder is missing (the parent of ${points[1]!.folder})`]);
    // Depth counts the diffs read before the break: this point's and its parent's.
    expect(v.chain).toMatchObject({ depth: 2, links: [points[1]!.folder], ok: false });
  });

  it('VHD files that are not the ones the records name: the file and both uuids named (chain/open-chain through the records)', async () => {
    const { points } = await chain();
    // The records agree with each other, but no longer with the VHDs: the first file whose
    // fields differ from its record is named (the child's parent uuid, checked before its parent's footer).
    const other = '0badc0de-0000-4000-8000-000000000000';
    const real = points[1]!.disks[0]!.snapshotVdi;
    editRecord(points[1]!, (r) => (r.disks[0]!.snapshotVdi = other));
    editRecord(points[2]!, (r) => (r.disks[0]!.parentSnapshotVdi = other));
    const v = await verifyBackupFolder(points[3]!.path, { signal: signal(), record: false });
    expect(v.findings.map(findingText)).toEqual([`chain: ${points[2]!.folder}/app.xvda.vhd (link 3 of 4): its parent uuid is ${real}, but the backup record expects ${other}`]);
    // The point whose own file is the first to differ: its footer against its record.
    const u = await verifyBackupFolder(points[1]!.path, { signal: signal(), record: false });
    expect(u.findings.map(findingText)).toEqual([`chain: ${points[1]!.folder}/app.xvda.vhd (link 2 of 2): its footer uuid is ${real}, but the backup record expects ${other}`]);

    // A record naming a parent snapshot its parent does not hold.
    editRecord(points[2]!, (r) => (r.disks[0]!.parentSnapshotVdi = real));
    const w = await verifyBackupFolder(points[2]!.path, { signal: signal(), record: false });
    expect(w.findings.map(findingText)).toEqual([`chain: ${points[1]!.folder} (link 2 of 3): it holds snapshot ${other} of disk xvda, but ${points[2]!.folder}/app.xvda.vhd is a difference against ${real}`]);
  });

  it("verify_after's re-read (checkWrittenBackup) judges the links by their records: no bytes of theirs read, a failed link still refused", async () => {
    const { points } = await chain();
    const bad = points[1]!.disks[0]!;
    flipByte(bad.path, statSync(bad.path).size - 512 - 1000);
    const own = points[3]!.disks.reduce((n, d) => n + statSync(d.path).size, 0);
    expect(await checkWrittenBackup(points[3]!.path, 'app', signal())).toEqual({ ok: true, bytes: own });
    writeFileSync(join(points[1]!.path, VERIFY_FILE), JSON.stringify({ at: '2026-12-05T10:00:00+00:00', result: 'failed', detail: 'app.xvda.vhd: content checksum at byte 4096: …' }));
    const r = await checkWrittenBackup(points[3]!.path, 'app', signal());
    expect(r).toMatchObject({ ok: false, detail: expect.stringContaining(`chain: ${points[1]!.folder} (link 2 of 4): its last \`vmbackup verify\` failed`) });
  });
});

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
