/**
 * The TUI shell: connect, then the VM list, and from it the preview, save and run screens, each
 * handed the CfgModel the list produced, and the Backups screen (catalog and restore). It owns the session (the pool connection and where
 * backups go), keeps the list's state while another screen is shown, and ends the app with the
 * exit code of the last run (as a headless run of the same cfg would have ended).
 */
import { Box, Text } from 'ink';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { useEffect, useRef, useState } from 'react';
import type { PasswordFlags } from '../access/credentials.js';
import type { CliIo } from '../access/io.js';
import type { TrustFlags } from '../access/pool-access.js';
import type { RunSummary } from '../backup/events.js';
import { type CfgModel, effectiveSettings, emptyModel } from '../config/index.js';
import type { SettingsStore } from '../settings/store.js';
import { parseFingerprint } from '../xapi/fingerprint.js';
import type { PoolConnection } from '../xapi/connection.js';
import type { PoolTarget } from '../xapi/target.js';
import type { DemoFacts, Screen, Session, VmRow } from './contracts.js';
import { useKeys } from './hooks/use-keys.js';
import { loadRows } from './load-rows.js';
import { BackupsFlow } from './screens/backups-flow.js';
import { ConnectScreen } from './screens/connect.js';
import { PreviewScreen } from './screens/preview.js';
import { RunScreen } from './screens/run.js';
import { SaveScreen } from './screens/save.js';
import { SelectScreen } from './screens/select.js';
import { SummaryScreen } from './screens/summary.js';
import type { RunFiles } from './run-files.js';
import { engineRun } from './start-run.js';
import { choiceKey, type SelectState } from './state/selection.js';
import type { ModelBase } from './state/to-model.js';

export interface AppProps {
  io: CliIo;
  /** --pool/--user: connect at once. */
  target?: PoolTarget | undefined;
  trust: TrustFlags;
  passwords: PasswordFlags;
  /** Where backups go and the status log: from the command line or the demo, else settings, else the cfg defaults. */
  backupDir?: string | undefined;
  statusLog?: string | undefined;
  /** Opened lazily: a damaged settings file must not stop the TUI from starting. */
  settings?: () => SettingsStore;
  /** Called once, when the app should end. */
  onExit(code: number): void;
  /** SIGINT/SIGTERM from outside: cancels a run, else quits. */
  interrupt?: ((handler: () => void) => () => void) | undefined;
  /** Set by `tui --demo`: the save screen then says how to serve the demo's pool again. */
  demo?: DemoFacts | undefined;
}

type View = Screen | { name: 'loading' } | { name: 'summary'; summary: RunSummary; exitCode: number; files: RunFiles };

function openSettings(props: AppProps): SettingsStore | null {
  try {
    return props.settings?.() ?? null;
  } catch {
    // A damaged settings file costs the remembered paths, not the TUI.
    return null;
  }
}

/** backup_dir before a pool is chosen: the command line's or the demo's, else the last one used, else the cfg default. */
function backupDirOf(props: AppProps): string {
  return props.backupDir ?? openSettings(props)?.lastBackupDir ?? effectiveSettings(emptyModel()).backupDir;
}

function sessionOf(conn: PoolConnection, target: PoolTarget, props: AppProps): Session {
  const defaults = effectiveSettings(emptyModel());
  return { conn, poolUrl: target.url, user: target.user, backupDir: backupDirOf(props), statusLog: props.statusLog ?? defaults.statusLog };
}

/** A backup_dir typed in the list: ~ is the home folder, a relative path is taken from where vmbackup started (a saved cfg needs it absolute). */
function resolveDirFor(io: CliIo): (text: string) => string {
  return (text) => {
    const home = io.env.HOME;
    const expanded = home && (text === '~' || text.startsWith('~/')) ? join(home, text.slice(1)) : text;
    return resolve(io.cwd, expanded);
  };
}

/** The model's fixed part: a saved cfg names the pool, and the certificate given with --trust, so it runs headless as it ran here. */
function baseOf(session: Session, trust: TrustFlags): ModelBase {
  const given = (trust.trust ?? []).map((t) => parseFingerprint(t)).filter((f) => f !== null);
  return { poolUrl: session.poolUrl, user: session.user, backupDir: session.backupDir, statusLog: session.statusLog, ...(given.length === 1 ? { directives: { fingerprint: given[0]! } } : {}) };
}

export function App(props: AppProps) {
  const [view, setView] = useState<View>({ name: 'connect' });
  const [session, setSession] = useState<Session | null>(null);
  const [rows, setRows] = useState<VmRow[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const selectState = useRef<SelectState | undefined>(undefined);
  // choiceKey of the selection handed to the save screen, and of the last one it wrote.
  const savingChoice = useRef<string | null>(null);
  const savedChoice = useRef<string | null>(null);
  // The backup_dir whose ages the list should show: a slower read for an older folder is dropped.
  const rowsDir = useRef<string | null>(null);
  const lastExit = useRef(0);
  // Where the last run's log and report went: still on screen after the TUI closes.
  const lastFiles = useRef<RunFiles | null>(null);
  // A backup picked in the Backups screen before a pool was connected: its options open after connecting.
  const pendingPick = useRef<string | null>(null);
  // A restore runs: Ctrl-C and SIGTERM cancel it (the restore screen's own handlers) instead of quitting.
  const restoring = useRef(false);
  const viewRef = useRef(view);
  viewRef.current = view;
  const ended = useRef(false);

  const quit = () => {
    if (ended.current) return;
    ended.current = true;
    const conn = session?.conn;
    setView({ name: 'quit' });
    void (conn ? conn.close().catch(() => undefined) : Promise.resolve()).then(() => props.onExit(lastExit.current));
  };

  useEffect(() => {
    if (!props.interrupt) return undefined;
    // The run screen takes its own interrupts (cancel); anywhere else they end the app.
    return props.interrupt(() => {
      if (viewRef.current.name !== 'run' && !restoring.current) quit();
    });
  });

  useKeys(({ input, key }) => {
    const now = viewRef.current.name;
    if (key.ctrl && input === 'c' && now !== 'run' && now !== 'connect' && !restoring.current) quit();
  });

  const connected = (conn: PoolConnection, target: PoolTarget) => {
    const s = sessionOf(conn, target, props);
    setSession(s);
    setView({ name: 'loading' });
    loadRows(conn.vms(), s.backupDir, s.statusLog)
      .then((r) => {
        setRows(r);
        const pick = pendingPick.current;
        pendingPick.current = null;
        setView(pick ? { name: 'backups', pick } : { name: 'select' });
      })
      .catch((err: unknown) => setProblem(`could not read the VMs: ${(err as Error).message}`));
  };

  const toRun = (model: CfgModel) => setView({ name: 'run', model });

  /** From the Backups screen to the list; after a restore, the VMs read again (the new VM is a row). */
  const backToList = (restored: boolean) => {
    const s = session;
    if (!s) return setView({ name: 'connect' });
    if (!restored) return setView({ name: 'select' });
    setView({ name: 'loading' });
    // The cache is fed by events: settle() waits until it has seen the restored VM.
    void s.conn
      .settle()
      .catch(() => undefined)
      .then(() => loadRows(s.conn.vms(), s.backupDir, s.statusLog))
      .then(
        (fresh) => {
          setRows(fresh);
          setView({ name: 'select' });
        },
        (err: unknown) => setProblem(`could not read the VMs: ${(err as Error).message}`),
      );
  };

  /** b in the list: the session's backup_dir, remembered in settings, and the ages read from there. */
  const changeBackupDir = (dir: string): string | null => {
    const s = session!;
    setSession({ ...s, backupDir: dir });
    try {
      openSettings(props)?.setLastBackupDir(dir);
    } catch {
      // Only the remembered folder is lost.
    }
    rowsDir.current = dir;
    loadRows(s.conn.vms(), dir, s.statusLog).then(
      (fresh) => {
        if (rowsDir.current === dir) setRows(fresh);
      },
      () => undefined,
    );
    return existsSync(dir) ? null : `backup_dir is now ${dir}; that folder does not exist yet: create it (or mount the share) before a run.`;
  };

  switch (view.name) {
    case 'connect':
      return (
        <ConnectScreen
          io={props.io}
          initial={props.target}
          trust={props.trust}
          passwords={props.passwords}
          onConnected={connected}
          onQuit={quit}
          onBackups={() => setView({ name: 'backups' })}
          backupDir={backupDirOf(props)}
          note={pendingPick.current ? `Connect to the pool to restore into; then the options of ${pendingPick.current} open.` : null}
        />
      );
    case 'loading':
      return <Text>{problem ?? `Reading the VMs of ${session?.poolUrl ?? 'the pool'}...`}</Text>;
    case 'select':
      return (
        <SelectScreen
          rows={rows ?? []}
          base={baseOf(session!, props.trust)}
          {...(selectState.current ? { initial: selectState.current } : {})}
          onChange={(s) => (selectState.current = s)}
          onRun={toRun}
          onPreview={(model) => setView({ name: 'preview', model })}
          onSave={(model, filter) => {
            savingChoice.current = selectState.current ? choiceKey(selectState.current) : null;
            setView({ name: 'save', model, ...(filter ? { filter } : {}) });
          }}
          onQuit={quit}
          onBackups={() => setView({ name: 'backups' })}
          onBackupDir={changeBackupDir}
          resolveDir={resolveDirFor(props.io)}
          savedChoice={savedChoice.current}
        />
      );
    case 'preview':
      return <PreviewScreen conn={session!.conn} model={view.model} onRun={toRun} onBack={() => setView({ name: 'select' })} />;
    case 'save': {
      // The settings of this session (the demo's are temporary), not necessarily the user's.
      const store = openSettings(props);
      return (
        <SaveScreen
          model={view.model}
          filter={view.filter ?? null}
          defaultPath={store?.lastConfigPath ?? resolve(props.io.cwd, 'vmbackup.cfg')}
          rememberPath={(path) => {
            // Called once the file is written: this choice is saved, q no longer asks about it.
            savedChoice.current = savingChoice.current;
            try {
              store?.setLastConfigPath(path);
            } catch {
              // Only the remembered path is lost.
            }
          }}
          cwd={props.io.cwd}
          now={() => props.io.now()}
          demo={props.demo}
          onDone={() => setView({ name: 'select' })}
        />
      );
    }
    case 'run': {
      const s = session!;
      return (
        <RunScreen
          start={engineRun(s, view.model, props.io.cwd, () => props.io.now())}
          title={`Backup: ${s.conn.poolName()} (${s.poolUrl}) -> ${s.backupDir}`}
          settings={effectiveSettings(view.model)}
          interrupt={props.interrupt}
          onFinished={({ summary, exitCode, files }) => {
            lastExit.current = exitCode;
            lastFiles.current = files;
            // The rows' "last backup" ages changed: read them again for the next visit.
            void loadRows(s.conn.vms(), s.backupDir, s.statusLog).then((fresh) => {
              const kept = selectState.current;
              // The list keeps the user's choices; it takes the new ages when the VMs are the same.
              if (kept && (kept.rows.length !== fresh.length || kept.rows.some((r, i) => r.uuid !== fresh[i]!.uuid || r.name !== fresh[i]!.name))) return;
              if (kept) selectState.current = { ...kept, rows: fresh };
              setRows(fresh);
            }, () => undefined);
            setView({ name: 'summary', summary, exitCode, files });
          }}
        />
      );
    }
    case 'backups':
      return (
        <BackupsFlow
          backupDir={session?.backupDir ?? backupDirOf(props)}
          conn={session?.conn ?? null}
          pick={view.pick}
          {...(session ? { poolName: session.conn.poolName() } : {})}
          interrupt={props.interrupt}
          onBack={() => setView(session ? { name: 'select' } : { name: 'connect' })}
          onList={backToList}
          onNeedPool={(path) => {
            pendingPick.current = path;
            setView({ name: 'connect' });
          }}
          onQuit={quit}
          onBusy={(busy) => (restoring.current = busy)}
        />
      );
    case 'summary':
      return <SummaryScreen summary={view.summary} exitCode={view.exitCode} files={view.files} onBack={() => setView({ name: 'select' })} onQuit={quit} />;
    case 'quit':
      // Ink leaves the last frame on the terminal: the paths stay readable after the TUI exits.
      return (
        <Box flexDirection="column">
          <Text>Closing the connection...</Text>
          {lastFiles.current?.log ? <Text>{`The last run's log:    ${lastFiles.current.log}`}</Text> : null}
          {lastFiles.current?.json ? <Text>{`The last run's report: ${lastFiles.current.json}`}</Text> : null}
        </Box>
      );
  }
}

