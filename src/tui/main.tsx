/**
 * Starts the TUI on the process's terminal and resolves with its exit code. cli/ imports this
 * module only when the TUI is wanted, so headless runs never load React or Ink.
 */
import { render } from 'ink';
import { SettingsStore } from '../settings/store.js';
import { App, type AppProps } from './app.js';
import { TerminalFrame } from './components/terminal-frame.js';
import { KeyRouter } from './hooks/use-keys.js';
import { asciiOnly, TerminalContext } from './hooks/use-terminal.js';

/** What the command line gives the app; the rest of AppProps is wired here. */
export type TuiOptions = Pick<AppProps, 'io' | 'target' | 'trust' | 'passwords' | 'backupDir' | 'statusLog' | 'demo'> & {
  /** Called with the time of the first frame and of each later one (VMBACKUP_TUI_STATS). */
  onRender?: ((renderTimeMs: number) => void) | undefined;
};

export async function startTui(options: TuiOptions): Promise<number> {
  const { io } = options;
  return new Promise<number>((resolve) => {
    let code = 0;
    const instance = render(
      <TerminalContext.Provider value={{ ascii: asciiOnly(io.env) }}>
        <TerminalFrame>
          <KeyRouter>
            <App
              io={io}
              target={options.target}
              trust={options.trust}
              passwords={options.passwords}
              backupDir={options.backupDir}
              statusLog={options.statusLog}
              demo={options.demo}
              settings={() => SettingsStore.open(io.env)}
              interrupt={io.onInterrupt}
              onExit={(c) => {
                code = c;
                instance.unmount();
              }}
            />
          </KeyRouter>
        </TerminalFrame>
      </TerminalContext.Provider>,
      // Ctrl-C is ours: during a run it cancels, and the engine must clean up before we exit.
      { exitOnCtrlC: false, ...(options.onRender ? { onRender: (m: { renderTime: number }) => options.onRender!(m.renderTime) } : {}) },
    );
    void instance.waitUntilExit().then(() => resolve(code), () => resolve(code || 70));
  });
}
