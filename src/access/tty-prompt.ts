/**
 * Questions to a person at a terminal, and passwords read from stdin. Only cli/ touches the
 * terminal; secrets/ gets a prompt function when there is one.
 *
 * The masked prompt reads raw keys and echoes nothing (not even stars: the length of a password
 * is worth hiding too). Ctrl-C cancels, as a shell user expects, instead of being read as a
 * character.
 */
import { createInterface } from 'node:readline';
import { VmbackupError } from '../errors.js';
import type { TtyPrompter } from './io.js';

/** A prompter when stdin and stderr are a terminal; undefined under cron, pipes and systemd. */
export function ttyPrompter(stdin: NodeJS.ReadStream = process.stdin, stderr: NodeJS.WriteStream = process.stderr): TtyPrompter | undefined {
  if (!stdin.isTTY || !stderr.isTTY) return undefined;
  return {
    ask: (question, options) => (options?.masked ? askMasked(question, stdin, stderr) : askLine(question, stdin, stderr)),
  };
}

function askLine(question: string, stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: stdin, output: stderr, terminal: true });
    rl.on('SIGINT', () => {
      rl.close();
      reject(cancelled());
    });
    rl.question(question, (answer) => {
      rl.close();
      resolve(answer);
    });
  });
}

function askMasked(question: string, stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream): Promise<string> {
  return new Promise((resolve, reject) => {
    stderr.write(question);
    let typed = '';
    const done = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      // A paste arrives as one chunk: take it key by key.
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(cancelled());
        if (ch === '\u0004') {
          if (typed === '') return done(cancelled());
        } else if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else if (ch === '\u0015') typed = '';
        else if (ch >= ' ') typed += ch;
      }
    };
    stdin.setEncoding('utf8');
    stdin.setRawMode(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}

function cancelled(): VmbackupError {
  return new VmbackupError('INTERRUPTED', 'cancelled at the prompt', 'nothing was changed');
}

/**
 * One line from stdin (`--password-stdin`): what `printf %s "$PW" | vmbackup login ...` or a
 * secrets manager pipes in. The line ends at the first newline (dropped, with a CR before it) or
 * at the end of input; anything after the first line is ignored.
 */
export async function readStdinLine(stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.includes('\n')) break;
  }
  const newline = text.indexOf('\n');
  return (newline === -1 ? text : text.slice(0, newline)).replace(/\r$/, '');
}
