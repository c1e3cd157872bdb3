/**
 * A real terminal for end-to-end tests of the TUI: a detached tmux session of a given size, keys
 * sent one `send-keys` at a time as typed, or in one chunk on purpose (`chunk`: every screen must
 * take every key of it), the window resized, and the screen read back with `capture-pane -p`.
 */
import { execFile, spawnSync } from 'node:child_process';

export function hasTmux(): boolean {
  return spawnSync('sh', ['-c', 'command -v tmux']).status === 0;
}

function tmux(args: string[]): string {
  const r = spawnSync('tmux', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface TmuxPane {
  name: string;
  screen(): string;
  /** Waits until the screen matches; fails with the screen after `timeoutMs`. */
  waitFor(pattern: RegExp | ((screen: string) => boolean), timeoutMs?: number): Promise<string>;
  /** Each argument is one key, sent alone (tmux key names such as Enter, Space, Down, C-c, or one character). */
  keys(...keys: string[]): Promise<void>;
  /** Types text one character at a time. */
  type(text: string): Promise<void>;
  /** Sends text in ONE write to the terminal, as a paste, fast typing over ssh or a held key delivers it. */
  chunk(text: string): void;
  /** Resizes the window: the program gets SIGWINCH. */
  resize(columns: number, rows: number): void;
  kill(): void;
}

/** Starts `command` (a shell command line) in a new detached session of columns × rows. */
export function startPane(command: string, options: { columns?: number; rows?: number; cwd: string; env?: Record<string, string> }): TmuxPane {
  const name = `vmbackup-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const env = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ');
  // The pane stays after the command ends, so its last screen and exit code can be read.
  tmux(['new-session', '-d', '-s', name, '-x', String(options.columns ?? 80), '-y', String(options.rows ?? 24), '-c', options.cwd, `env ${env} ${command}; echo "EXIT=$?"; sleep 600`]);
  const screen = () => tmux(['capture-pane', '-p', '-t', name]);
  const screenAsync = () =>
    new Promise<string>((resolve, reject) => execFile('tmux', ['capture-pane', '-p', '-t', name], { encoding: 'utf8' }, (err, out) => (err ? reject(err) : resolve(out))));
  return {
    name,
    screen,
    async waitFor(pattern, timeoutMs = 20_000) {
      const test = typeof pattern === 'function' ? pattern : (s: string) => pattern.test(s);
      const until = Date.now() + timeoutMs;
      for (;;) {
        // Asynchronously: the simulator answering the TUI runs in this process's event loop.
        const s = await screenAsync();
        if (test(s)) return s;
        if (Date.now() > until) throw new Error(`the terminal never showed ${String(pattern)} within ${timeoutMs} ms; it shows:\n${s}`);
        await tick(50);
      }
    },
    async keys(...keys) {
      for (const key of keys) tmux(['send-keys', '-t', name, key]);
    },
    async type(text) {
      // -l: literally (a ";" or a word like "Enter" is not a key name then).
      for (const ch of text) tmux(['send-keys', '-t', name, '-l', ch]);
    },
    chunk(text) {
      tmux(['send-keys', '-t', name, '-l', text]);
    },
    resize(columns, rows) {
      tmux(['resize-window', '-t', name, '-x', String(columns), '-y', String(rows)]);
    },
    kill() {
      spawnSync('tmux', ['kill-session', '-t', name]);
    },
  };
}

export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
