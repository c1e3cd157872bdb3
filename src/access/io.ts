/**
 * What a command may touch of the outside world. main.ts wires it to the process; tests pass
 * their own to capture output, fix the clock and simulate Ctrl-C.
 */
import { ttyPrompter } from './tty-prompt.js';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  now(): Date;
  /** Calls `handler` on SIGINT/SIGTERM until the returned function is called. */
  onInterrupt(handler: () => void): () => void;
  /** Questions to a person at a terminal; undefined when stdin or stderr is not a TTY (cron). */
  tty?: TtyPrompter | undefined;
}

export interface TtyPrompter {
  /** Asks on stderr and reads one line from stdin; `masked` echoes nothing (passwords). */
  ask(question: string, options?: { masked?: boolean }): Promise<string>;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
    now: () => new Date(),
    tty: ttyPrompter(),
    onInterrupt: (handler) => {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
  };
}
