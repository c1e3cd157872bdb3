/**
 * The Backups screen's verify through a fake engine (no disk): space marks, v starts it, the
 * progress screen shows the bar, the bytes, MB/s and the backup being read; the summary names
 * each FAILED finding and scrolls when it is long; enter goes back to the list, read again, which
 * shows the new records and why the backup under the cursor failed. Esc cancels (the signal
 * reaches the engine), and while the verify runs the flow says it is busy (Ctrl-C cancels the
 * verify instead of ending the app).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/types.js';
import { VmbackupError } from '../../src/errors.js';
import type { BackupVerdict, VerifyEvent, VerifyOptions, VerifySummary, VerifyTarget } from '../../src/verify/types.js';
import { BackupsFlow, type RestoreApi } from '../../src/tui/screens/backups-flow.js';
import type { VerifyApi } from '../../src/tui/screens/backups-verify.js';
import { render } from '../helpers/render-tui.js';
import { KEYS, press, waitForFrame } from '../helpers/ink-wait.js';
import { catalog, GiB } from './backups-data.js';

const SIZE = { columns: 80, rows: 24 };
const PGDN = '\u001b[6~';
let unmount: (() => void) | null = null;
afterEach(() => {
  unmount?.();
  unmount = null;
});

const rel = (t: VerifyTarget) => `${t.vm}/${t.backup.folder}`;
const AT = '2026-05-08T10:00:00+02:00';
const finding = (t: VerifyTarget, i = 0) => ({ folder: rel(t), file: `${t.vm}.xva.zst`, layer: 'chunk checksum' as const, member: `Ref:12/${String(42 + i).padStart(8, '0')}`, offset: 44_040_704 + i * 2 ** 20, decompressed: false, reason: 'the XXH64 of the chunk is 0123 where its checksum member says 4567' });

function verdict(t: VerifyTarget, ok: boolean, findings = 1): BackupVerdict {
  return { vm: t.vm, folder: rel(t), path: t.backup.path, ok, findings: ok ? [] : Array.from({ length: findings }, (_, i) => finding(t, i)), bytes: t.backup.bytes, elapsedMs: 5000, recordProblem: null, notes: [], recorded: true };
}

function summaryOf(verdicts: BackupVerdict[], cancelled = false): VerifySummary {
  return { checked: verdicts.length, ok: verdicts.filter((v) => v.ok).length, failed: verdicts.flatMap((v) => v.findings), bytes: verdicts.reduce((n, v) => n + v.bytes, 0), elapsedMs: 10_000, verdicts, cancelled };
}

/**
 * A fake engine: reads the first target halfway and waits; `finish()` then gives each target a
 * verdict (the ones whose vm is in `bad` FAILED) and records it in the catalog the next scan
 * returns, as the real engine writes vmbackup-verify.json. An abort resolves as cancelled.
 */
function fakes(opts: { bad?: string[]; findings?: number; reject?: VmbackupError } = {}) {
  let cat: Catalog = catalog();
  const calls: { targets: VerifyTarget[]; opts: VerifyOptions }[] = [];
  let finish: (() => void) | null = null;
  const restore = { scanCatalog: async () => cat } as unknown as RestoreApi;
  const verify: VerifyApi = {
    verifyBackups: (targets, o) =>
      new Promise<VerifySummary>((resolve, reject) => {
        calls.push({ targets, opts: o });
        const emit = (e: VerifyEvent) => o.onEvent(e);
        const first = targets[0]!;
        emit({ type: 'backup-start', vm: first.vm, folder: rel(first), totalBytes: first.backup.bytes });
        emit({ type: 'bytes', vm: first.vm, folder: rel(first), done: first.backup.bytes / 2, total: first.backup.bytes, rate: 210e6 });
        if (opts.reject) return reject(opts.reject);
        o.signal.addEventListener('abort', () => resolve(summaryOf([], true)));
        finish = () => {
          const verdicts: BackupVerdict[] = [];
          for (const t of targets) {
            if (t !== first) emit({ type: 'backup-start', vm: t.vm, folder: rel(t), totalBytes: t.backup.bytes });
            const v = verdict(t, !(opts.bad ?? []).includes(t.vm), opts.findings);
            verdicts.push(v);
            emit({ type: 'backup-done', verdict: v });
          }
          // What the engine wrote beside each backup, as the next scan reads it.
          cat = structuredClone(cat);
          for (const vm of cat.vms)
            for (const b of vm.backups) {
              const v = verdicts.find((x) => x.path === b.path);
              if (v) b.verification = v.ok ? { at: AT, result: 'ok' } : { at: AT, result: 'failed', detail: `${v.findings[0]!.file}: chunk checksum at byte ${v.findings[0]!.offset}` };
            }
          resolve(summaryOf(verdicts));
        };
      }),
  };
  return { restore, verify, calls, finish: () => finish!() };
}

function flow(f: ReturnType<typeof fakes>) {
  const busy: boolean[] = [];
  const calls: string[] = [];
  const ui = render(<BackupsFlow backupDir="/srv/b" conn={null} api={f.restore} verifyApi={f.verify} onBack={() => calls.push('back')} onList={() => calls.push('list')} onQuit={() => calls.push('quit')} onBusy={(b) => busy.push(b)} size={SIZE} />);
  unmount = ui.unmount;
  return { ui, busy, calls, until: (test: (frame: string) => boolean) => waitForFrame(ui.lastFrame, test) };
}

const fits = (frame: string) => frame.split('\n').every((l) => l.length <= 80);

describe('verify from the Backups list', () => {
  it('space marks two backups, v: the bar, MB/s and the backup being read; the summary; back to the list with the new records', async () => {
    const f = fakes({ bad: ['web-01'] });
    const { ui, until, busy, calls } = flow(f);
    let frame = await until((l) => l.includes('UNFINISHED'));
    expect(frame).toMatch(/^ +DATE +KIND +SIZE +ON DISK STATUS +VERIFIED$/m);
    expect(frame.split('\n').at(-1)).toMatch(/spc mark v verify/);
    // web-01's older backup, then db's (the first line).
    await press(ui.stdin, 'j', 'j', ' ', 'g', ' ');
    frame = await until((l) => l.includes('2 marked'));
    expect(frame).toMatch(/^\*❯ 2026-05-02 01:02:03 /m);
    expect(frame).toMatch(/^\* {2}2026-05-06 14:45:18 /m);
    await press(ui.stdin, 'v');
    frame = await until((l) => l.includes('now: db') && l.includes('MB/s'));
    expect(frame.split('\n')[0]).toBe('Verify 2 backups in /srv/b');
    // Half of db’s 8 GiB read, web-01’s 2 GiB to come: 40% of 10 GiB.
    expect(frame).toMatch(/^read +█+░+ +40% +4\.0 GiB +210\.0 MB\/s/m);
    expect(frame).toContain('of 10.0 GiB; checked 0 of 2: 0 OK, 0 FAILED');
    expect(frame).toContain('now: db 2026-05-02 01:02:03 (4.0 GiB of 8.0 GiB)');
    expect(frame).toContain('esc / q / c: cancel');
    expect(fits(frame)).toBe(true);
    expect(f.calls[0]!.targets.map((t) => `${t.vm} ${t.backup.folder}`)).toEqual([`db ${catalog().vms[0]!.backups[0]!.folder}`, `web-01 ${catalog().vms[1]!.backups[1]!.folder}`]);
    expect(f.calls[0]!.opts).toMatchObject({ jobs: 1, backupDir: '/srv/b' });
    await waitForFrame(() => String(busy.at(-1)), (b) => b === 'true');

    f.finish();
    frame = await until((l) => l.includes('Verify: 1 of 2 FAILED'));
    expect(frame).toMatch(/^OK {6}db 2026-05-02 01:02:03 {2}8\.0 GiB$/m);
    expect(frame).toMatch(/^FAILED {2}web-01 2026-05-06 14:45:18$/m);
    expect(frame.replace(/\n {6}/g, ' ')).toContain('  web-01.xva.zst: chunk checksum Ref:12/00000042 at byte 44040704: the XXH64 of the chunk is 0123 where its checksum member says 4567');
    expect(frame).toContain('2 checked: 1 OK, 1 FAILED');
    expect(frame.split('\n').at(-1)).toBe('enter / esc: back to the backups');
    // The verify is over: Ctrl-C may end the app again (the effect runs after the frame).
    await waitForFrame(() => String(busy.at(-1)), (b) => b === 'false');

    await press(ui.stdin, KEYS.enter);
    frame = await until((l) => l.includes('Backups in /srv/b'));
    // Read again: the new records; the marks are gone, the cursor is still on db.
    expect(frame.split('\n')[0]).toBe('Backups in /srv/b: 2 VMs, 3 backups (1 unfinished) (no pool connected)');
    expect(frame).toMatch(/^ ❯ 2026-05-02 01:02:03 .* complete +ok 2026-05-0\d$/m);
    expect(frame).toMatch(/^ {3}2026-05-06 14:45:18 .* complete +FAILED 2026-05-0\d$/m);
    expect(frame).not.toMatch(/^\*/m);
    await press(ui.stdin, 'G');
    frame = await until((l) => l.includes('verify FAILED: web-01.xva.zst: chunk checksum at byte 44040704'));
    expect(fits(frame)).toBe(true);
    expect(calls).toEqual([]);
  });

  it('v without marks verifies the backup under the cursor; a long summary scrolls', async () => {
    const f = fakes({ bad: ['web-01'], findings: 40 });
    const { ui, until } = flow(f);
    await until((l) => l.includes('UNFINISHED'));
    await press(ui.stdin, 'j', 'v');
    await until((l) => l.startsWith('Verify web-01 (2026-05-07 14:45:18) in /srv/b') && l.includes('now: web-01'));
    expect(f.calls[0]!.targets).toHaveLength(1);
    expect(f.calls[0]!.targets[0]!.backup.status).toBe('unfinished');
    f.finish();
    let frame = await until((l) => l.includes('Verify: 1 of 1 FAILED'));
    expect(frame.split('\n').length).toBeLessThanOrEqual(23);
    expect(frame.split('\n').at(-1)).toMatch(/PgUp\/PgDn: .*enter \/ esc: back to the backups/);
    expect(frame).not.toContain('Ref:12/00000081');
    await press(ui.stdin, PGDN, PGDN, PGDN, PGDN);
    frame = await until((l) => l.includes('Ref:12/00000081'));
    expect(fits(frame)).toBe(true);
    await press(ui.stdin, 'q');
    await until((l) => l.includes('Backups in /srv/b'));
  });

  it('esc cancels: the engine’s signal aborts, the summary names the backup not checked; busy ends', async () => {
    const f = fakes();
    const { ui, until, busy, calls } = flow(f);
    await until((l) => l.includes('UNFINISHED'));
    await press(ui.stdin, 'v');
    await until((l) => l.includes('now: db'));
    await waitForFrame(() => String(busy.at(-1)), (b) => b === 'true');
    await press(ui.stdin, KEYS.escape);
    const frame = await until((l) => l.includes('Verify cancelled: 0 of 1 checked'));
    expect(f.calls[0]!.opts.signal.aborted).toBe(true);
    expect(frame).toContain('Not checked (1): their last record stays as it was.');
    expect(frame).toMatch(/^ {2}db 2026-05-02 01:02:03$/m);
    // The verify is over: Ctrl-C may end the app again (the effect runs after the frame).
    await waitForFrame(() => String(busy.at(-1)), (b) => b === 'false');
    await press(ui.stdin, KEYS.escape);
    await until((l) => l.includes('Backups in /srv/b'));
    expect(calls).toEqual([]);
  });

  it('? names space and v whole, each row within 80 columns', async () => {
    const { ui, until } = flow(fakes());
    await until((l) => l.includes('UNFINISHED'));
    await press(ui.stdin, '?');
    const frame = await until((l) => l.includes('Keys of the Backups screen'));
    expect(frame).toMatch(/^space {10}mark \/ unmark this backup for v \(\* before it\)$/m);
    expect(frame).toMatch(/^v {14}verify the marked backups, or this one when none is marked$/m);
    expect(frame).toContain('it never deletes or renames a backup.');
    // Each key row within 80 columns (the prose wraps to the terminal: the app's frame sets it).
    expect(frame.split('\n').filter((l) => /^(space|v) /.test(l)).every((l) => l.length <= 79)).toBe(true);
  });

  it('an engine that throws: its code, message and fix: line', async () => {
    const f = fakes({ reject: new VmbackupError('NOT_A_BACKUP', '/srv/b/db/x is not a dated backup folder', 'list the backups again') });
    const { ui, until } = flow(f);
    await until((l) => l.includes('UNFINISHED'));
    await press(ui.stdin, 'v');
    const frame = await until((l) => l.includes('Verify stopped: NOT_A_BACKUP'));
    expect(frame).toContain('NOT_A_BACKUP: /srv/b/db/x is not a dated backup folder');
    expect(frame).toContain('fix: list the backups again');
  });
});
