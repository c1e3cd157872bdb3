/**
 * The Backups flow: the catalog of backup_dir (screens/backups.tsx), then for a picked backup
 * the restore options, the confirm screen, the progress and the summary. It owns the calls:
 * scanCatalog, planRestore (once with the defaults for the form, again with the options for
 * the confirm screen), runRestore. They are loaded when first used (the VM list never pays
 * for them) and can be handed in (`api`), so the screens are tested with hand-built data.
 *
 * Without a pool (opened from the connect screen) the list is browsed the same way; picking a
 * backup hands it to the app (`onNeedPool`), which connects and comes back to its options.
 * `v` verifies the marked backups (backups-verify.tsx), with or without a pool: a verify reads
 * only the disk. The list is read again afterwards, so it shows the new records.
 */
import { Text } from 'ink';
import { useEffect, useRef, useState } from 'react';
import type { Catalog, CatalogBackup, CatalogVm } from '../../catalog/types.js';
import type { RestoreEventSink, RestorePlan, RestoreRequest, RestoreResult, SrChoice } from '../../restore/types.js';
import { isBackupCandidate } from '../../selection/index.js';
import type { PoolConnection } from '../../xapi/connection.js';
import { localDate } from '../components/backup-columns.js';
import { useKeys } from '../hooks/use-keys.js';
import { errorOf, type RestoreOutcome } from '../hooks/use-restore-run.js';
import { type BackupsListState, clearMarks, type Picked } from '../state/backups-list.js';
import { type AttachChoice, type FormStart, type RestoreForm, restoreForm } from '../state/restore-form.js';
import { BackupsScreen } from './backups.js';
import { BackupsVerify, type VerifyApi } from './backups-verify.js';
import { RestoreConfirmScreen } from './restore-confirm.js';
import { RestoreOptionsScreen } from './restore-options.js';
import { RestoreRunScreen } from './restore-run.js';
import { RestoreSummaryScreen } from './restore-summary.js';

/** The engine's calls the flow makes; the real ones by default. */
export interface RestoreApi {
  scanCatalog(backupDir: string): Promise<Catalog>;
  listTargetSrs(conn: PoolConnection): SrChoice[];
  planRestore(conn: PoolConnection, request: RestoreRequest): Promise<RestorePlan>;
  runRestore(conn: PoolConnection, plan: RestorePlan, opts: { signal: AbortSignal; onEvent: RestoreEventSink; confirmed: boolean }): Promise<RestoreResult>;
}

async function realApi(): Promise<RestoreApi> {
  const [catalog, restore] = await Promise.all([import('../../catalog/index.js'), import('../../restore/index.js')]);
  return { scanCatalog: (dir) => catalog.scanCatalog(dir), listTargetSrs: restore.listTargetSrs, planRestore: restore.planRestore, runRestore: restore.runRestore };
}

export interface BackupsFlowProps {
  backupDir: string;
  /** null: no pool yet (browsing from the connect screen). */
  conn: PoolConnection | null;
  api?: RestoreApi;
  /** The verify engine; the real one (src/verify/) by default. */
  verifyApi?: VerifyApi;
  /** A backup (its dated folder's path) to open the options of at once: picked before connecting. */
  pick?: string | undefined;
  /** The pool's name for titles. */
  poolName?: string;
  interrupt?: ((handler: () => void) => () => void) | undefined;
  /** Esc in the list. */
  onBack(): void;
  /** enter in the summary of a restore: the VM list (which should read the VMs again). */
  onList(restored: boolean): void;
  /** A backup picked without a pool: connect first. */
  onNeedPool?(backupPath: string): void;
  onQuit(): void;
  /** True while a restore runs: Ctrl-C and SIGTERM then cancel it instead of quitting. */
  onBusy?(busy: boolean): void;
  size?: { columns: number; rows: number };
}

type Note = { text: string; hint?: string };

type Step =
  | { s: 'scanning' }
  | { s: 'scan-failed'; error: Note }
  | { s: 'list'; message: string | null }
  | { s: 'planning'; pick: Picked; request?: RestoreRequest }
  | { s: 'options'; pick: Picked; message: Note | null }
  | { s: 'confirm'; pick: Picked; plan: RestorePlan }
  | { s: 'restoring'; pick: Picked; plan: RestorePlan }
  | { s: 'summary'; outcome: RestoreOutcome; plan: RestorePlan }
  | { s: 'verify'; picked: Picked[] };

function noteOf(err: unknown): Note {
  const e = errorOf(err);
  return { text: `${e.code}: ${e.message}`, ...(e.hint ? { hint: e.hint } : {}) };
}

/** VMs a disk can be plugged into: real VMs of the pool, by name. */
export function attachChoices(conn: PoolConnection): AttachChoice[] {
  return conn
    .vms()
    .filter(isBackupCandidate)
    .map((v) => ({ uuid: v.uuid, name: v.name, powerState: v.powerState }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** A plan to start the form from when the default one was refused (say, the default SR is full). */
function fallbackPlan(pick: Picked, srs: SrChoice[]): FormStart | null {
  const sr = srs[0];
  const f = pick.backup.format;
  if (!sr || f === 'unknown') return null;
  // A delta point recreates its VM, as an XVA does.
  const kind = pick.backup.mode !== 'delta' && (f === 'raw' || f === 'vhd') ? 'vdi' : 'vm';
  return { kind, sr, name: `${pick.vm.name} (restored ${localDate(pick.backup.date)})`, preserve: false, start: false, attachTo: null };
}

function findBackup(catalog: Catalog, path: string): Picked | null {
  for (const vm of catalog.vms) for (const backup of vm.backups) if (backup.path === path) return { vm, backup };
  return null;
}

export function BackupsFlow(props: BackupsFlowProps) {
  const [step, setStep] = useState<Step>({ s: 'scanning' });
  const [catalog, setCatalog] = useState<Catalog | null>(null);
  const api = useRef<Promise<RestoreApi>>(props.api ? Promise.resolve(props.api) : realApi());
  const listState = useRef<BackupsListState | undefined>(undefined);
  const form = useRef<RestoreForm | null>(null);
  const restored = useRef(false);
  // The backup picked before connecting opens its options once, not again on a later rescan.
  const pending = useRef(props.pick ?? null);
  // The restore settled (result, error or cancel): Ctrl-C and SIGTERM quit again.
  const [settled, setSettled] = useState(false);
  const mounted = useRef(true);
  useEffect(() => () => void (mounted.current = false), []);
  const set = (next: Step) => mounted.current && setStep(next);

  const scan = () => {
    set({ s: 'scanning' });
    api.current
      .then((a) => a.scanCatalog(props.backupDir))
      .then((c) => {
        if (!mounted.current) return;
        setCatalog(c);
        const wanted = pending.current ? findBackup(c, pending.current) : null;
        pending.current = null;
        if (wanted) return void startOptions(wanted);
        set({ s: 'list', message: null });
      })
      .catch((err: unknown) => set({ s: 'scan-failed', error: noteOf(err) }));
  };
  useEffect(scan, [props.backupDir]);

  /** The first plan, with the defaults: it gives the form its kind, SR and name. */
  const startOptions = (pick: Picked) => {
    const conn = props.conn;
    if (!conn) {
      if (props.onNeedPool) return props.onNeedPool(pick.backup.path);
      return set({ s: 'list', message: 'Connect to a pool to restore.' });
    }
    set({ s: 'planning', pick });
    void api.current.then(async (a) => {
      const srs = a.listTargetSrs(conn);
      let plan: FormStart | null = null;
      let message: Note | null = null;
      try {
        plan = await a.planRestore(conn, { path: pick.backup.path, preserve: false, start: false, yes: false });
      } catch (err) {
        message = noteOf(err);
        plan = fallbackPlan(pick, srs);
      }
      if (!plan) return set({ s: 'list', message: message ? `${message.text}${message.hint ? ` (fix: ${message.hint})` : ''}` : 'Nothing in this backup can be restored.' });
      form.current = restoreForm(pick.backup.path, plan, srs, attachChoices(conn));
      set({ s: 'options', pick, message });
    });
  };

  const check = (pick: Picked, request: RestoreRequest) => {
    const conn = props.conn!;
    set({ s: 'planning', pick, request });
    void api.current.then(async (a) => {
      try {
        const plan = await a.planRestore(conn, request);
        setSettled(false);
        set({ s: 'confirm', pick, plan });
      } catch (err) {
        set({ s: 'options', pick, message: noteOf(err) });
      }
    });
  };

  useEffect(() => {
    // The verify screen says itself when it is busy (its effect runs before this one).
    if (step.s !== 'verify') props.onBusy?.(step.s === 'restoring' && !settled);
  }, [step.s, settled]);
  useEffect(() => () => props.onBusy?.(false), []);

  switch (step.s) {
    case 'scanning':
      return <Text>{`Reading the backups in ${props.backupDir}...`}</Text>;
    case 'scan-failed':
      return <ScanFailed dir={props.backupDir} error={step.error} onBack={props.onBack} />;
    case 'list':
      return (
        <BackupsScreen
          backupDir={props.backupDir}
          catalog={catalog!}
          {...(listState.current ? { initial: listState.current } : {})}
          onChange={(s) => (listState.current = s)}
          onPick={(p) => startOptions({ vm: p.vm, backup: p.backup })}
          onVerify={(v) => set({ s: 'verify', picked: v.targets })}
          onBack={props.onBack}
          message={step.message}
          offline={props.conn === null}
          {...(props.size ? { size: props.size } : {})}
        />
      );
    case 'verify':
      return (
        <BackupsVerify
          picked={step.picked}
          backupDir={props.backupDir}
          api={props.verifyApi}
          interrupt={props.interrupt}
          {...(props.onBusy ? { onBusy: props.onBusy } : {})}
          onDone={() => {
            // The marks were for this verify; the cursor stays where it was.
            if (listState.current) listState.current = clearMarks(listState.current);
            scan();
          }}
          size={props.size}
        />
      );
    case 'planning':
      return <Text>{step.request ? 'Checking the restore against the pool...' : `Reading ${step.pick.backup.path}...`}</Text>;
    case 'options':
      return (
        <RestoreOptionsScreen
          key={`${step.pick.backup.path}:${step.message?.text ?? ''}`}
          vmName={step.pick.vm.name}
          backup={step.pick.backup}
          initial={form.current!}
          onChange={(f) => (form.current = f)}
          onSubmit={(request) => check(step.pick, request)}
          onBack={() => set({ s: 'list', message: null })}
          message={step.message}
          {...(props.size ? { size: props.size } : {})}
        />
      );
    case 'confirm':
      return (
        <RestoreConfirmScreen
          plan={step.plan}
          onConfirm={() => set({ s: 'restoring', pick: step.pick, plan: step.plan })}
          onBack={(note) => set({ s: 'options', pick: step.pick, message: { text: note } })}
          {...(props.size ? { size: props.size } : {})}
        />
      );
    case 'restoring': {
      const conn = props.conn!;
      const plan = step.plan;
      const where = `${props.poolName ?? 'the pool'}, SR ${plan.sr.name}`;
      return (
        <RestoreRunScreen
          start={(emit, signal) => api.current.then((a) => a.runRestore(conn, plan, { signal, onEvent: emit, confirmed: true }))}
          title={`Restore ${step.pick.vm.name} (${localDate(step.pick.backup.date)}) as ${plan.name} -> ${where}`}
          interrupt={props.interrupt}
          onSettled={() => setSettled(true)}
          onFinished={(outcome) => {
            if (outcome.kind === 'done') restored.current = true;
            set({ s: 'summary', outcome, plan });
          }}
          {...(props.size ? { size: props.size } : {})}
        />
      );
    }
    case 'summary':
      return (
        <RestoreSummaryScreen
          outcome={step.outcome}
          plan={step.plan}
          onList={() => props.onList(restored.current)}
          onBackups={scan}
          onQuit={props.onQuit}
          {...(props.size ? { size: props.size } : {})}
        />
      );
  }
}

function ScanFailed({ dir, error, onBack }: { dir: string; error: Note; onBack(): void }) {
  useKeys(({ key, input }) => (key.escape || key.return || input === 'q' ? onBack() : undefined));
  return (
    <>
      <Text color="red" wrap="wrap">{`Could not read the backups in ${dir}: ${error.text}`}</Text>
      {error.hint ? <Text wrap="wrap">fix: {error.hint}</Text> : null}
      <Text dimColor>enter / esc: back</Text>
    </>
  );
}
