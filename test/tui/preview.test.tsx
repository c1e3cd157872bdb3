/**
 * The preview screen against the simulator: the engine's plan for the model the select screen
 * made (modes, estimates, free space, retention's deletions, problems), and its menu.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { render } from '../helpers/render-tui.js';
import { afterEach, expect, it } from 'vitest';
import { PreviewScreen } from '../../src/tui/screens/preview.js';
import type { VmRow } from '../../src/tui/contracts.js';
import { initialState, reduce, type SelectAction, type SelectState } from '../../src/tui/state/selection.js';
import { modelFromSelection } from '../../src/tui/state/to-model.js';
import { PoolConnection } from '../../src/xapi/connection.js';
import { tempDir } from '../helpers/cli.js';
import { E2E_POOL } from '../helpers/e2e.js';
import { stopAll, testSimulator } from '../helpers/sim.js';
import { trustSim } from '../helpers/trust.js';
import type { CfgModel } from '../../src/config/index.js';

const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));
const connections: PoolConnection[] = [];
let app: ReturnType<typeof render> | null = null;
afterEach(async () => {
  app?.unmount();
  for (const c of connections.splice(0)) await c.close();
  await stopAll();
});

async function until(frame: () => string, text: string) {
  for (let i = 0; i < 250 && !frame().includes(text); i++) await tick();
  expect(frame()).toContain(text);
}

it('shows the plan of the chosen VMs with sizes, free space and what retention deletes; runs the same model', async () => {
  const sim = await testSimulator({ pool: E2E_POOL });
  const conn = await PoolConnection.open({ target: { url: sim.url, user: sim.user }, credentials: async (t) => ({ user: t.user, password: sim.password }), tls: trustSim(sim) });
  connections.push(conn);
  const backupDir = join(tempDir(), 'backups');
  // Backups of this very VM (their vm.cfg says so): retention counts only those.
  const webUuid = conn.vms().find((vm) => vm.name === 'web 01')!.uuid;
  for (const name of ['backup-2026-01-01-(01:00:00)', 'backup-2026-01-02-(01:00:00)']) {
    mkdirSync(join(backupDir, 'web 01', name), { recursive: true });
    writeFileSync(join(backupDir, 'web 01', name, 'success'), '');
    writeFileSync(join(backupDir, 'web 01', name, 'vm.cfg'), `name_label=web 01\norig_uuid=${webUuid}\n`);
  }
  const rows: VmRow[] = conn
    .vms()
    .filter((vm) => !vm.isTemplate && !vm.isSnapshot && !vm.isControlDomain)
    .map((vm) => ({ uuid: vm.uuid, name: vm.name, powerState: vm.powerState, diskCount: 0, diskBytes: 0, lastBackup: null }));
  expect(rows.map((r) => r.name).sort()).toEqual(['db.example.com', 'scratch', 'web 01', 'win/2019']);
  const at = (s: SelectState, name: string, ...actions: SelectAction[]) => actions.reduce(reduce, { ...s, win: { ...s.win, cursor: rows.findIndex((r) => r.name === name) } });
  let state = initialState(rows, { defaultKeep: 2 });
  state = at(state, 'web 01', { type: 'toggle' }, { type: 'keep', delta: -1 });
  state = at(state, 'db.example.com', { type: 'toggle' }, { type: 'cycle-mode' }, { type: 'cycle-mode' });
  const result = modelFromSelection(state, { poolUrl: sim.url, user: sim.user, backupDir, statusLog: join(backupDir, 'status.log'), maxBackups: 2 });
  if (!result.ok) throw new Error(result.message);

  const ran: CfgModel[] = [];
  app = render(<PreviewScreen conn={conn} model={result.model} onRun={(m) => ran.push(m)} onBack={() => undefined} size={{ columns: 80, rows: 24 }} />);
  const frame = () => app!.lastFrame() ?? '';
  await until(frame, 'Plan: 2 VMs');
  // vdi-export runs first, as in the original.
  expect(frame()).toMatch(/VDI vhd +db\.example\.com +keep 2 +~ *4\.0 MiB[\s\S]*XVA +web 01 +keep 1 /);
  expect(frame()).toMatch(new RegExp(`backup_dir ${backupDir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: [0-9.]+ [KMGT]iB free`));
  expect(frame()).toContain('retention deletes 2 folders');
  expect(frame()).toContain('web 01/backup-2026-01-01-(01:00:00)');
  expect(frame()).toContain('web 01/backup-2026-01-02-(01:00:00)');
  for (const l of frame().split('\n')) expect(l.length).toBeLessThanOrEqual(80);
  await tick();
  app.stdin.write('\r');
  for (let i = 0; i < 50 && ran.length === 0; i++) await tick();
  expect(ran).toEqual([result.model]);
}, 60_000);

it('a plan with errors offers no run: a VM name the pool does not have', async () => {
  const sim = await testSimulator({ pool: E2E_POOL });
  const conn = await PoolConnection.open({ target: { url: sim.url, user: sim.user }, credentials: async (t) => ({ user: t.user, password: sim.password }), tls: trustSim(sim) });
  connections.push(conn);
  const model: CfgModel = { settings: { backupDir: join(tempDir(), 'nowhere', 'deeper') }, directives: {}, selections: [{ action: 'vm-export', selector: { kind: 'name', name: 'gone' } }] };
  let back = 0;
  app = render(<PreviewScreen conn={conn} model={model} onRun={() => undefined} onBack={() => back++} size={{ columns: 80, rows: 24 }} />);
  const frame = () => app!.lastFrame() ?? '';
  await until(frame, 'Plan: 0 VMs');
  expect(frame()).toContain('vm-export=gone matches no VM');
  // The message names backup_dir once ("backup_dir: backup_dir ..." was shown).
  expect(frame()).toMatch(/^backup_dir \/\S+ does not exist/m);
  expect(frame()).not.toContain('backup_dir: backup_dir');
  expect(frame()).not.toContain('Run this backup now');
  await tick();
  app.stdin.write('\r');
  for (let i = 0; i < 50 && back === 0; i++) await tick();
  expect(back).toBe(1);
}, 60_000);

it('a plan longer than the screen scrolls with PgUp/PgDn, saying which VMs are shown', async () => {
  const sim = await testSimulator({ pool: E2E_POOL });
  const conn = await PoolConnection.open({ target: { url: sim.url, user: sim.user }, credentials: async (t) => ({ user: t.user, password: sim.password }), tls: trustSim(sim) });
  connections.push(conn);
  const model: CfgModel = { settings: { backupDir: tempDir() }, directives: {}, selections: [{ action: 'vm-export', selector: { kind: 'pattern', pattern: '.*' } }] };
  // 12 rows leave room for 3 lines of VMs: two VMs and the line that says so.
  app = render(<PreviewScreen conn={conn} model={model} onRun={() => undefined} onBack={() => undefined} size={{ columns: 80, rows: 12 }} />);
  const frame = () => app!.lastFrame() ?? '';
  await until(frame, 'Plan: 4 VMs');
  expect(frame()).toContain('VMs 1-2 of 4 (PgUp/PgDn)');
  const firstPage = frame();
  await tick();
  app.stdin.write('\u001b[6~'); // PgDn
  await until(frame, 'VMs 3-4 of 4');
  expect(frame()).not.toBe(firstPage);
  app.stdin.write('\u001b[5~'); // PgUp
  await until(frame, 'VMs 1-2 of 4');
  expect(frame()).toBe(firstPage);
}, 60_000);

it('a delta VM shows as delta in the plan (a vm-export line plus #vmbackup: delta=)', async () => {
  const sim = await testSimulator({ pool: E2E_POOL });
  const conn = await PoolConnection.open({ target: { url: sim.url, user: sim.user }, credentials: async (t) => ({ user: t.user, password: sim.password }), tls: trustSim(sim) });
  connections.push(conn);
  const rows: VmRow[] = conn
    .vms()
    .filter((vm) => !vm.isTemplate && !vm.isSnapshot && !vm.isControlDomain)
    .map((vm) => ({ uuid: vm.uuid, name: vm.name, powerState: vm.powerState, diskCount: 0, diskBytes: 0, lastBackup: null }));
  const at = (s: SelectState, name: string, ...actions: SelectAction[]) => actions.reduce(reduce, { ...s, win: { ...s.win, cursor: rows.findIndex((r) => r.name === name) } });
  let state = initialState(rows, { defaultKeep: 2 });
  state = at(state, 'web 01', { type: 'toggle' });
  state = at(state, 'scratch', { type: 'toggle' }, { type: 'cycle-mode' }, { type: 'cycle-mode' }, { type: 'cycle-mode' });
  const backupDir = tempDir();
  const result = modelFromSelection(state, { poolUrl: sim.url, user: sim.user, backupDir, statusLog: join(backupDir, 'status.log'), maxBackups: 2 });
  if (!result.ok) throw new Error(result.message);
  expect(result.model.directives.delta).toEqual([{ selector: { kind: 'name', name: 'scratch' } }]);
  app = render(<PreviewScreen conn={conn} model={result.model} onRun={() => undefined} onBack={() => undefined} size={{ columns: 80, rows: 24 }} />);
  const frame = () => app!.lastFrame() ?? '';
  await until(frame, 'Plan: 2 VMs');
  expect(frame()).toMatch(/\n *delta +scratch +keep 2 /);
  expect(frame()).toMatch(/\n *XVA +web 01 +keep 2 /);
}, 60_000);
