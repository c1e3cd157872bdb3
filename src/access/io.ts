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
  /**
   * Calls `handler` on SIGINT/SIGTERM until the returned function is called. Once a command has
   * listened, a signal that arrives when nobody listens any more (the reports are being written,
   * the process is about to exit with its code) is ignored instead of killing the process.
   */
  onInterrupt(handler: () => void): () => void;
  /** Questions to a person at a terminal; undefined when stdin or stderr is not a TTY (cron). */
  tty?: TtyPrompter | undefined;
}

export interface TtyPrompter {
  /** Asks on stderr and reads one line from stdin; `masked` echoes nothing (passwords). */
  ask(question: string, options?: { masked?: boolean }): Promise<string>;
}

const interruptHandlers = new Set<() => void>();
let dispatching = false;

/**
 * One listener per signal for the life of the process. Removing the last listener would give
 * the signal back to Node's default action, which kills the process: after two quick Ctrl-Cs,
 * a third one during the final reports ended the run by the signal (exit 130 said only by a
 * JSON report half written, or not at all).
 */
function onProcessInterrupt(handler: () => void): () => void {
  if (!dispatching) {
    dispatching = true;
    const dispatch = () => {
      for (const h of [...interruptHandlers]) h();
    };
    process.on('SIGINT', dispatch);
    process.on('SIGTERM', dispatch);
  }
  interruptHandlers.add(handler);
  return () => void interruptHandlers.delete(handler);
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
    now: () => new Date(),
    tty: ttyPrompter(),
    onInterrupt: onProcessInterrupt,
  };
}
