/**
 * The Backups screens with hand-built data (no disk, no pool): the list at 80×24 and windowed,
 * then the whole flow through a fake engine: the options (SR with free space, the plan's name),
 * the confirm screen showing plan.willCreate exactly and each confirmation as y/n, the progress
 * bar fed by restore events, and the summary: what was created and the network it CREATED, an
 * error with its fix: line kept, a cancel that says what was removed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VmbackupError } from '../../src/errors.js';
import type { RestoreEventSink, RestorePlan, RestoreRequest, RestoreResult } from '../../src/restore/types.js';
import type { PoolConnection } from '../../src/xapi/connection.js';
import { BackupsScreen } from '../../src/tui/screens/backups.js';
import { BackupsFlow, type RestoreApi } from '../../src/tui/screens/backups-flow.js';
import { render } from '../helpers/render-tui.js';
import { KEYS, press, waitForFrame } from '../helpers/ink-wait.js';
import { catalog, plan, result, SRS } from './backups-data.js';

const SIZE = { columns: 80, rows: 24 };
const RIGHT = '\u001b[C';
let unmount: (() => void) | null = null;
afterEach(() => {
  unmount?.();
  unmount = null;
});

function show(tree: Parameters<typeof render>[0]) {
  const ui = render(tree);
  unmount = ui.unmount;
  return { ui, until: (test: (f: string) => boolean) => waitForFrame(ui.lastFrame, test) };
}

describe('the list', () => {
  it('80×24: VMs, their backups newest first, UNFINISHED and verification; j then enter picks', async () => {
    const picks: string[] = [];
    let backs = 0;
    const { ui, until } = show(<BackupsScreen backupDir="/srv/b" catalog={catalog()} onPick={(p) => picks.push(`${p.vm.name} ${p.backup.status}`)} onBack={() => backs++} size={SIZE} />);
    const frame = await until((f) => f.includes('Backups in /srv/b'));
    expect(frame.split('\n')[0]).toBe('Backups in /srv/b: 2 VMs, 3 backups (1 unfinished)');
    expect(frame).toMatch(/^db {2}1 backup {2}uuid uuid-db$/m);
    expect(frame).toMatch(/2026-05-02 01:02:03 +VDI raw +8\.0 GiB +1\.0 GiB complete +ok 2026-05-0\d/);
    expect(frame).toMatch(/2026-05-07 14:45:18 +XVA zst +2\.0 GiB +2\.0 GiB UNFINISHED not verified/);
    expect(frame.split('\n').every((l) => l.length <= 80)).toBe(true);
    expect(frame.split('\n').at(-1)).toMatch(/ret restore .*esc back$/);
    await press(ui.stdin, 'j', KEYS.enter);
    await waitForFrame(() => picks.join(','), (p) => p === 'web-01 unfinished');
    await press(ui.stdin, KEYS.escape);
    await waitForFrame(() => String(backs), (b) => b === '1');
  });

  it('? shows the Backups keys and what each column means; any key goes back to the list', async () => {
    const { ui, until } = show(<BackupsScreen backupDir="/srv/b" catalog={catalog()} onPick={() => undefined} onBack={() => undefined} size={SIZE} />);
    await until((f) => f.includes('Backups in /srv/b'));
    ui.stdin.write('?');
    const help = await until((f) => f.includes('Keys of the Backups screen'));
    expect(help).toMatch(/UNFINISHED \(a run\s+died or still runs/);
    expect(help).not.toContain('Backups in /srv/b');
    ui.stdin.write('x');
    await until((f) => f.includes('Backups in /srv/b'));
  });

  it('500 backups of one VM draw in 24 lines; G goes to the oldest', async () => {
    const { ui, until } = show(<BackupsScreen backupDir="/srv/b" catalog={catalog(500)} onPick={() => undefined} onBack={() => undefined} size={SIZE} />);
    const first = await until((f) => f.includes('503 backups'));
    expect(first.split('\n').length).toBeLessThanOrEqual(23);
    ui.stdin.write('G');
    // web-01's older backup is the last line.
    const last = await until((f) => /❯ 2026-05-06 14:45:18/.test(f));
    expect(last.split('\n').length).toBeLessThanOrEqual(23);
  });
});

/** A fake engine: planRestore records its requests; runRestore emits, then waits for `finish` or the abort. */
function fakeApi(opts: { plan?: (r: RestoreRequest) => RestorePlan; run?: 'ok' | 'fail' | 'wait' } = {}) {
  const requests: RestoreRequest[] = [];
  let finish: ((r: RestoreResult) => void) | null = null;
  const api: RestoreApi = {
    scanCatalog: async () => catalog(),
    listTargetSrs: () => SRS,
    planRestore: async (_conn, request) => {
      requests.push(request);
      return (opts.plan ?? (() => plan()))(request);
    },
    runRestore: (_conn, _plan, { signal, onEvent }: { signal: AbortSignal; onEvent: RestoreEventSink }) =>
      new Promise<RestoreResult>((resolve, reject) => {
        onEvent({ type: 'phase', vm: 'x', phase: 'import' });
        onEvent({ type: 'bytes', vm: 'x', done: 2 ** 30, estimate: 2 ** 31, rate: 50e6 });
        onEvent({ type: 'task-progress', vm: 'x', progress: 0.4 });
        onEvent({ type: 'log', vm: 'x', message: 'importing web-01.xva.zst' });
        if (opts.run === 'fail') return reject(new VmbackupError('SR_FULL', 'SR Local storage has 1.0 GiB free, the restore needs 10 GiB', 'choose another SR, or free space on this one'));
        finish = resolve;
        signal.addEventListener('abort', () => reject(new VmbackupError('CANCELLED', 'the restore was cancelled; the import task was cancelled and the new VM removed')));
      }),
  };
  return { api, requests, finish: (r: RestoreResult) => finish!(r) };
}

const conn = { vms: () => [], poolName: () => 'demo pool' } as unknown as PoolConnection;

function flow(api: RestoreApi) {
  const calls: string[] = [];
  const shown = show(<BackupsFlow backupDir="/srv/b" conn={conn} api={api} poolName="demo pool" onBack={() => calls.push('back')} onList={(r) => calls.push(`list ${r}`)} onQuit={() => calls.push('quit')} size={SIZE} />);
  return { ...shown, calls };
}

describe('the restore flow', () => {
  it('options, confirm with the plan’s own lines, progress, then what was created', async () => {
    const fake = fakeApi({ run: 'wait', plan: (r) => plan(r.sr === 'sr-2' ? { sr: SRS[1]!, warnings: ['the backup is 3 days older than the newest one'] } : {}) });
    const { ui, until, calls } = flow(fake.api);
    await until((f) => f.includes('UNFINISHED'));
    // The older, complete backup of web-01.
    await press(ui.stdin, 'j', 'j', KEYS.enter);
    let frame = await until((f) => f.includes('Restore web-01, backup of 2026-05-06 14:45:18'));
    expect(frame).toMatch(/SR {9}Local storage \(900 GiB free\)/);
    expect(frame).toContain('Name       web-01 (restored 2026-05-06 14:45:18)');
    expect(frame).toMatch(/MACs {7}new: fresh MACs/);
    expect(fake.requests).toEqual([{ path: catalog().vms[1]!.backups[1]!.path, preserve: false, start: false, yes: false }]);
    // To the SR, open its menu, take the second one, then continue.
    await press(ui.stdin, KEYS.up, KEYS.up, KEYS.up, KEYS.up, KEYS.enter);
    await until((f) => f.includes('SR to restore into'));
    await press(ui.stdin, KEYS.down, KEYS.enter);
    await until((f) => /SR {9}NFS VM store \(4\.0 TiB free\)/.test(f) && !f.includes('SR to restore into'));
    await press(ui.stdin, KEYS.down, KEYS.down, KEYS.down, KEYS.down, KEYS.enter);
    frame = await until((f) => f.includes('This restore will create:'));
    expect(fake.requests[1]).toEqual({ path: fake.requests[0]!.path, sr: 'sr-2', preserve: false, start: false, yes: false });
    // Each line of the plan, whole (wrapped lines continue 4 columns in).
    for (const line of plan().willCreate) expect(frame.replace(/\n {4}/g, ' ')).toContain(`  - ${line}`);
    expect(frame).toContain('warning: the backup is 3 days older than the newest one');
    expect(frame).toContain('Restore now? y/n');
    await press(ui.stdin, 'y');
    frame = await until((f) => f.includes('importing web-01.xva.zst') && f.includes('50.0 MB/s'));
    expect(frame).toMatch(/^sent +\S+ +50% +1\.0 GiB/m);
    expect(frame).toContain("the pool's import task: 40%");
    fake.finish(result());
    await until((f) => f.includes('restored.  enter: summary'));
    await press(ui.stdin, KEYS.enter);
    frame = await until((f) => f.includes('Restored'));
    expect(frame).toMatch(/^VM web-01 \(restored 2026-05-06 14:45:18\)\n {3}uuid new-vm-uuid\n {2}disk web-01 disk 0 on SR Local storage\n {5}uuid new-vdi-uuid$/m);
    expect(frame).toContain('VIF 0 (aa:bb:cc:00:00:01) -> Pool-wide network associated with eth0');
    expect(frame).toMatch(/VIF 1 \(aa:bb:cc:00:00:02\) -> DMZ: a network the import CREATED/);
    await press(ui.stdin, KEYS.enter);
    expect(calls).toEqual(['list true']);
  });

  it('an unfinished backup asks its question first; n goes back to the options and sends nothing', async () => {
    const fake = fakeApi({ plan: () => plan({ confirmations: [{ code: 'UNFINISHED_BACKUP', message: 'This backup has no success marker: it may be incomplete. Restore it anyway?' }] }) });
    const { ui, until } = flow(fake.api);
    await until((f) => f.includes('UNFINISHED'));
    await press(ui.stdin, 'j', KEYS.enter);
    await until((f) => f.includes('Continue: check the plan'));
    await press(ui.stdin, KEYS.enter);
    let frame = await until((f) => f.includes('may be incomplete'));
    expect(frame).toContain('Restore it anyway? y/n');
    expect(frame).not.toContain('Restore now?');
    await press(ui.stdin, 'y');
    frame = await until((f) => f.includes('Restore now? y/n'));
    expect(frame).toContain('Restore it anyway? yes');
    await press(ui.stdin, 'n');
    frame = await until((f) => f.includes('Continue: check the plan'));
    expect(frame).toContain('Not restored.');
  });

  it('a failed restore keeps the error and its fix: line; a refused plan shows its fix on the options', async () => {
    let refuse = true;
    const fake = fakeApi({
      run: 'fail',
      plan: (r) => {
        if (r.preserve && refuse) {
          refuse = false;
          throw new VmbackupError('VM_RUNNING', '--preserve would replace the VM web-01, which is running', 'shut it down first, or restore without --preserve');
        }
        return plan();
      },
    });
    const { ui, until } = flow(fake.api);
    await until((f) => f.includes('UNFINISHED'));
    await press(ui.stdin, 'j', 'j', KEYS.enter);
    await until((f) => f.includes('Continue: check the plan'));
    await press(ui.stdin, KEYS.up, KEYS.up, ' ', KEYS.down, KEYS.down, KEYS.enter);
    let frame = await until((f) => f.includes('VM_RUNNING'));
    expect(frame).toContain('fix: shut it down first, or restore without --preserve');
    expect(frame).toMatch(/MACs {7}preserve/);
    await press(ui.stdin, KEYS.enter);
    await until((f) => f.includes('Restore now?'));
    await press(ui.stdin, KEYS.enter);
    await until((f) => f.includes('failed: SR_FULL'));
    await press(ui.stdin, KEYS.enter);
    frame = await until((f) => f.includes('Restore failed'));
    expect(frame).toContain('SR_FULL: SR Local storage has 1.0 GiB free, the restore needs 10 GiB');
    expect(frame).toContain('fix: choose another SR, or free space on this one');
  });

  it('a first plan refused (the default SR is full): the options still open, with the error and its fix', async () => {
    const fake = fakeApi({
      plan: (r) => {
        if (r.sr === undefined) throw new VmbackupError('SR_FULL', 'SR Local storage has 1.0 GiB free, the restore needs 10 GiB', 'choose another SR');
        return plan({ sr: SRS[1]! });
      },
    });
    const { ui, until } = flow(fake.api);
    await until((f) => f.includes('UNFINISHED'));
    await press(ui.stdin, 'j', 'j', KEYS.enter);
    const frame = await until((f) => f.includes('Continue: check the plan'));
    expect(frame).toContain('SR_FULL: SR Local storage has 1.0 GiB free, the restore needs 10 GiB');
    expect(frame).toContain('fix: choose another SR');
    expect(frame).toContain('Name       web-01 (restored 2026-05-06 14:45:18)');
    await press(ui.stdin, KEYS.up, KEYS.up, KEYS.up, KEYS.up, RIGHT, KEYS.down, KEYS.down, KEYS.down, KEYS.down, KEYS.enter);
    await until((f) => f.includes('Restore now?'));
    expect(fake.requests[1]).toEqual({ path: fake.requests[0]!.path, sr: 'sr-2', preserve: false, start: false, yes: false });
  });

  it('esc during the restore cancels it: the summary says so and that what it created was removed', async () => {
    const fake = fakeApi({ run: 'wait' });
    const { ui, until, calls } = flow(fake.api);
    await until((f) => f.includes('UNFINISHED'));
    await press(ui.stdin, 'j', 'j', KEYS.enter);
    await until((f) => f.includes('Continue: check the plan'));
    await press(ui.stdin, KEYS.enter);
    await until((f) => f.includes('Restore now?'));
    await press(ui.stdin, 'y');
    await until((f) => f.includes('importing web-01.xva.zst'));
    await press(ui.stdin, KEYS.escape);
    await until((f) => f.includes('cancelled.  enter: summary'));
    await press(ui.stdin, KEYS.enter);
    const frame = (await until((f) => f.includes('Restore cancelled'))).replace(/\n {2}/g, ' ');
    expect(frame).toContain('the import was stopped, and what it had created on the pool was removed');
    await press(ui.stdin, 'b');
    await until((f) => f.includes('Backups in /srv/b'));
    expect(calls).toEqual([]);
  });
});
