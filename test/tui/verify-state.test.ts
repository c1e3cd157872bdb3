/**
 * The verify parts of the Backups screen that are pure: space marks backups and v names what to
 * verify (the marked ones, else the one under the cursor), a catalog read again keeps the
 * cursor, the filter and the marks; the line's mark and verification cell; the fold of verify
 * events into the progress view; the summary's lines.
 */
import { describe, expect, it } from 'vitest';
import type { BackupVerdict, VerifyTarget } from '../../src/verify/types.js';
import { backupLine, verificationText } from '../../src/tui/components/backup-columns.js';
import { type BackupsListEffect, backupsListState, clearMarks, countsText, cursorBackup, pressBackupsList, reloadList, verifyTargets } from '../../src/tui/state/backups-list.js';
import type { KeyPress } from '../../src/tui/state/key-split.js';
import { findingText, VerifyTracker } from '../../src/tui/state/verify-progress.js';
import { verifySummaryLines, verifyTitle } from '../../src/tui/screens/verify-summary.js';
import { verdictLine } from '../../src/tui/screens/verify-run.js';
import { backup, catalog, GiB } from './backups-data.js';

const k = (input: string, key: KeyPress['key'] = {}): KeyPress => ({ input, key });
const DOWN = k('', { downArrow: true });
const SPACE = k(' ');

function fold(state: ReturnType<typeof backupsListState>, ...presses: KeyPress[]) {
  return presses.reduce((s, p) => pressBackupsList(s, p).state, state);
}

const names = (targets: { vm: { name: string }; backup: { status: string } }[]) => targets.map((t) => `${t.vm.name} ${t.backup.status}`);

describe('marks and v', () => {
  it('v without marks verifies the backup under the cursor', () => {
    const s = fold(backupsListState(catalog(), 10), DOWN);
    const r = pressBackupsList(s, k('v'));
    expect(r.effect?.type).toBe('verify');
    expect(names((r.effect as Extract<BackupsListEffect, { type: 'verify' }>).targets)).toEqual(['web-01 unfinished']);
  });

  it('space marks and unmarks; v verifies every mark in catalog order, even one the filter hides', () => {
    const s0 = backupsListState(catalog(), 10);
    // Mark web-01's older backup, then db's, then web-01's newer one and unmark it again.
    const s1 = fold(s0, DOWN, DOWN, SPACE, k('g'), SPACE, DOWN, SPACE, SPACE);
    expect([...s1.marked]).toHaveLength(2);
    expect(countsText(s1)).toBe('2 VMs, 3 backups (1 unfinished), 2 marked');
    expect(names(verifyTargets(s1))).toEqual(['db success', 'web-01 success']);
    const filtered = fold(s1, k('/'), k('w'), k('e'), k('', { return: true }));
    expect(filtered.lines.some((l) => l.vm.name === 'db')).toBe(false);
    const r = pressBackupsList(filtered, k('v'));
    expect(names((r.effect as Extract<BackupsListEffect, { type: 'verify' }>).targets)).toEqual(['db success', 'web-01 success']);
    expect(clearMarks(s1).marked.size).toBe(0);
  });

  it('v with nothing shown does nothing', () => {
    const none = fold(backupsListState(catalog(), 10), k('/'), k('z'), k('', { return: true }));
    expect(pressBackupsList(none, k('v')).effect).toBeUndefined();
    expect(pressBackupsList(none, SPACE).state.marked.size).toBe(0);
  });

  it('a catalog read again keeps the cursor on the same backup, the filter, and the marks that still exist', () => {
    const s0 = fold(backupsListState(catalog(), 10), DOWN, DOWN, SPACE);
    const before = cursorBackup(s0)!.backup;
    const again = catalog();
    // The same backups, a new record on the older web-01 backup, and a new VM before it.
    again.vms[1]!.backups[1]!.verification = { at: '2026-05-08T10:00:00+02:00', result: 'failed', detail: 'web-01.xva.zst: zstd frame at byte 4096: bad checksum' };
    again.vms.splice(1, 0, { name: 'app', folder: 'app', path: '/srv/b/app', backups: [backup('app', new Date(2026, 4, 1))] });
    const s1 = reloadList(s0, again, 10);
    expect(cursorBackup(s1)!.backup.path).toBe(before.path);
    expect(cursorBackup(s1)!.backup.verification?.result).toBe('failed');
    expect([...s1.marked]).toEqual([before.path]);
    // Its backup gone, a mark goes too; the cursor lands on a backup.
    again.vms[2]!.backups.pop();
    const s2 = reloadList(s0, again, 10);
    expect(s2.marked.size).toBe(0);
    expect(s2.lines[s2.win.cursor]!.kind).toBe('backup');
  });
});

describe('a backup’s line', () => {
  it('a mark before the cursor; ok and FAILED in the verification cell, within 80 columns', () => {
    const b = backup('web-01', new Date(2026, 4, 7, 14, 45, 18), { verification: { at: '2026-05-08T10:00:00+02:00', result: 'failed', detail: 'x' } });
    const marked = backupLine(b, 80, true, false, true);
    expect(marked).toMatch(/^\*❯ 2026-05-07 14:45:18 .* FAILED 2026-05-0\d$/);
    expect(marked.length).toBeLessThanOrEqual(79);
    expect(backupLine(b, 80, false, true, true)).toMatch(/^\* {2}2026/);
    expect(backupLine(b, 80, true, true, false)).toMatch(/^ > 2026/);
    expect(verificationText(b)).toEqual({ text: expect.stringMatching(/^FAILED /), color: 'red' });
    expect(verificationText({ verification: { at: '2026-05-08T10:00:00+02:00', result: 'ok' } })).toEqual({ text: expect.stringMatching(/^ok 2026-05-0\d$/), color: 'green' });
  });
});

const targets: VerifyTarget[] = [
  { vm: 'db', backup: backup('db', new Date(2026, 4, 2, 1, 2, 3), { bytes: 2 * GiB }) },
  { vm: 'web-01', backup: backup('web-01', new Date(2026, 4, 6, 14, 45, 18), { bytes: 4 * GiB }) },
];
const rel = (t: VerifyTarget) => `${t.vm}/${t.backup.folder}`;

function verdict(t: VerifyTarget, ok: boolean, over: Partial<BackupVerdict> = {}): BackupVerdict {
  return {
    vm: t.vm,
    folder: rel(t),
    path: t.backup.path,
    ok,
    findings: ok ? [] : [{ folder: rel(t), file: 'web-01.xva.zst', layer: 'chunk checksum', member: 'Ref:12/00000042', offset: 44_040_704, decompressed: false, reason: 'the XXH64 of the chunk is 0123 where its checksum member says 4567' }],
    bytes: t.backup.bytes,
    elapsedMs: 4000,
    recordProblem: null,
    notes: [],
    recorded: true,
    ...over,
  };
}

describe('the progress fold', () => {
  it('estimates from the catalog, then the engine’s totals; the rate and the backup being read; the verdicts', () => {
    const t = new VerifyTracker(targets);
    expect(t.view()).toMatchObject({ targets: 2, checked: 0, done: 0, total: 6 * GiB, fraction: 0, running: [] });
    const v0 = t.version;
    t.apply({ type: 'backup-start', vm: 'db', folder: rel(targets[0]!), totalBytes: 2 * GiB + 100 });
    t.apply({ type: 'bytes', vm: 'db', folder: rel(targets[0]!), done: GiB, total: 2 * GiB + 100, rate: 200e6 });
    expect(t.version).toBe(v0 + 2);
    let v = t.view();
    expect(v).toMatchObject({ done: GiB, total: 6 * GiB + 100, rate: 200e6, running: [{ vm: 'db', done: GiB, total: 2 * GiB + 100 }] });
    expect(v.fraction).toBeCloseTo(GiB / (6 * GiB + 100));
    expect(v.etaSeconds).toBeCloseTo((5 * GiB + 100) / 200e6);
    t.apply({ type: 'backup-done', verdict: verdict(targets[0]!, true, { bytes: 2 * GiB + 100 }) });
    t.apply({ type: 'backup-start', vm: 'web-01', folder: rel(targets[1]!), totalBytes: 4 * GiB });
    v = t.view();
    expect(v).toMatchObject({ checked: 1, ok: 1, failed: 0, done: 2 * GiB + 100, rate: 0, running: [{ vm: 'web-01', done: 0 }] });
    t.apply({ type: 'backup-done', verdict: verdict(targets[1]!, false, { bytes: GiB }) });
    v = t.view();
    // The failed backup stopped early: counted as read, the bar full.
    expect(v).toMatchObject({ checked: 2, ok: 1, failed: 1, fraction: 1, running: [], etaSeconds: null });
    expect(v.verdicts.map((x) => x.ok)).toEqual([true, false]);
  });

  it('the words of a FAILED line: file, layer, member, offset, reason', () => {
    const f = verdict(targets[1]!, false).findings[0]!;
    expect(findingText(f)).toBe('web-01.xva.zst: chunk checksum Ref:12/00000042 at byte 44040704: the XXH64 of the chunk is 0123 where its checksum member says 4567');
    expect(findingText({ ...f, member: null, offset: null, layer: 'file', file: 'success', reason: 'missing' })).toBe('success: file: missing');
    expect(verdictLine(targets, verdict(targets[0]!, true))).toBe('OK      db 2026-05-02 01:02:03');
    expect(verdictLine(targets, verdict(targets[1]!, false))).toMatch(/^FAILED {2}web-01 2026-05-06 14:45:18: web-01\.xva\.zst: chunk checksum Ref:12\/00000042 at byte 44040704: /);
  });
});

describe('the summary', () => {
  const summary = (verdicts: BackupVerdict[], cancelled = false) => ({ checked: verdicts.length, ok: verdicts.filter((v) => v.ok).length, failed: verdicts.flatMap((v) => v.findings), bytes: 6 * GiB, elapsedMs: 20_000, verdicts, cancelled });
  const text = (lines: ReturnType<typeof verifySummaryLines>) => lines.map((l) => l.map((p) => p.text).join('')).join('\n');

  it('OK and FAILED lines, each finding whole (wrapped), the record problem, the total', () => {
    const verdicts = [verdict(targets[0]!, true, { recordProblem: 'EROFS: read-only file system' }), verdict(targets[1]!, false)];
    const outcome = { kind: 'done' as const, summary: summary(verdicts) };
    const lines = verifySummaryLines(outcome, targets, 80);
    const all = text(lines);
    expect(all).toMatch(/^OK {6}db 2026-05-02 01:02:03 {2}2\.0 GiB$/m);
    expect(all).toMatch(/^FAILED {2}web-01 2026-05-06 14:45:18$/m);
    expect(all.replace(/\n {6}/g, ' ')).toContain('  web-01.xva.zst: chunk checksum Ref:12/00000042 at byte 44040704: the XXH64 of the chunk is 0123 where its checksum member says 4567');
    expect(all.replace(/\n {6}/g, ' ')).toContain('the result could not be recorded beside the backup: EROFS: read-only file system');
    expect(all).toMatch(/2 checked: 1 OK, 1 FAILED; 6\.0 GiB read in 0:20, 322\.1 MB\/s/);
    expect(lines.every((l) => l.map((p) => p.text).join('').length <= 79)).toBe(true);
    expect(lines.find((l) => l[0]!.text.startsWith('FAILED'))![0]!.color).toBe('red');
    expect(verifyTitle(outcome, 2)).toEqual({ text: 'Verify: 1 of 2 FAILED', color: 'red' });
    expect(verifyTitle({ kind: 'done', summary: summary([verdicts[0]!]) }, 1).text).toBe('Verified: the backup is OK');
  });

  it('an OK line carries the engine’s notes; a folder without its marker is said to be unrecorded', () => {
    const verdicts = [verdict(targets[0]!, true, { notes: ['raw disk: length only'] }), verdict(targets[1]!, false, { recorded: false })];
    const all = text(verifySummaryLines({ kind: 'done', summary: summary(verdicts) }, targets, 80));
    expect(all).toMatch(/^OK {6}db 2026-05-02 01:02:03 {2}2\.0 GiB \(raw disk: length only\)$/m);
    expect(all.replace(/\n {6}/g, ' ')).toContain('not recorded: the folder has no success marker');
    expect(all.match(/not recorded/g)).toHaveLength(1);
    expect(verdictLine(targets, verdicts[0]!)).toBe('OK      db 2026-05-02 01:02:03 (raw disk: length only)');
  });

  it('cancelled: the backups not read are named, their records unchanged', () => {
    const outcome = { kind: 'done' as const, summary: summary([verdict(targets[0]!, true)], true) };
    const all = text(verifySummaryLines(outcome, targets, 80));
    expect(all).toContain('Not checked (1): their last record stays as it was.');
    expect(all).toMatch(/^ {2}web-01 2026-05-06 14:45:18$/m);
    expect(verifyTitle(outcome, 2)).toEqual({ text: 'Verify cancelled: 1 of 2 checked', color: 'yellow' });
    const thrown = { kind: 'failed' as const, error: { code: 'NOT_FOUND', message: 'no such folder', hint: 'list the backups again' }, cancelled: false, verdicts: [] };
    expect(text(verifySummaryLines(thrown, targets, 80))).toMatch(/^NOT_FOUND: no such folder\nfix: list the backups again/);
    expect(verifyTitle(thrown, 2)).toEqual({ text: 'Verify stopped: NOT_FOUND', color: 'red' });
  });
});
