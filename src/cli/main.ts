/**
 * The command line: picks a command from argv, runs it, and maps failures to exit codes.
 * `runCli` takes its I/O as an argument so tests can drive it in-process; `main` is what
 * bin/vmbackup.js calls. Commands are loaded when chosen: a backup run does not load the
 * simulator or the mail stack, which halves the start-up time.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, formatIssue } from '../config/index.js';
import { VmbackupError } from '../errors.js';
import { printable } from '../report/printable.js';
import { printInfo } from './info.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { armExitGuard } from './exit-guard.js';
import { type CliIo, processIo } from '../access/io.js';
import { INFO_WORDS, type InfoWord } from './legacy-args.js';
import { unknownCommand, unknownFirstWord } from './command-words.js';

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const first = argv[0];
  if (first === undefined) {
    // On a terminal, no arguments open the TUI; cron (no terminal) gets one line about --config.
    const { hasTerminal, NO_TERMINAL, tuiCommand } = await import('./commands/tui.js');
    if (hasTerminal()) return tuiCommand([], io);
    io.stderr(NO_TERMINAL);
    return EXIT.INVALID;
  }
  if (first === 'tui') return (await import('./commands/tui.js')).tuiCommand(argv.slice(1), io);
  if (first === '--help' || first === '-h') return printInfo(io, ['help']);
  if (first === '--version') {
    io.stdout(`vmbackup ${VERSION}\n`);
    return EXIT.OK;
  }
  if ((INFO_WORDS as readonly string[]).includes(first)) {
    // `vmbackup help`, `vmbackup config example`...: every info word given, in the usual order.
    return printInfo(io, INFO_WORDS.filter((w: InfoWord) => argv.includes(w)));
  }
  // `vmbackup restore --help`: the usage text, where each command has its paragraph (sim has its own).
  if (HELPED.includes(first) && argv.slice(1).some((a) => a === '--help' || a === '-h')) return printInfo(io, ['help']);
  if (first === 'preview') return (await import('./commands/preview.js')).previewCommand(argv.slice(1), io);
  if (first === 'list') return (await import('./commands/list.js')).listCommand(argv.slice(1), io);
  if (first === 'verify') return (await import('./commands/verify.js')).verifyCommand(argv.slice(1), io);
  if (first === 'restore') return (await import('./commands/restore.js')).restoreCommand(argv.slice(1), io);
  if (first === 'sim') return (await import('./commands/sim.js')).simCommand(argv.slice(1), io);
  if (first === 'test-email') return (await import('./commands/test-email.js')).testEmailCommand(argv.slice(1), io);
  if (first === 'login') return (await import('./commands/login.js')).loginCommand(argv.slice(1), io);
  if (first === 'logout') return (await import('./commands/logout.js')).logoutCommand(argv.slice(1), io);
  if (first === 'password-file') return (await import('./commands/password-file.js')).passwordFileCommand(argv.slice(1), io);
  // `vmbackup create-password-file=FILE [--password-stdin]`: the legacy form without its password
  // word (which would show in ps); the password is asked for, or read from stdin.
  if (first.startsWith('create-password-file=')) return (await import('./commands/password-file.js')).passwordFileCommand([first.slice('create-password-file='.length), ...argv.slice(1)], io);
  const { legacyCommand } = await import('./commands/legacy.js');
  if (first === '--') return legacyCommand(argv.slice(1), io);
  // A mistyped long option must not become a password: only the legacy form's first word may
  // start with "-" (generated passwords do), and one starting with "--" follows a `--`.
  if (isModernFlag(first) || first.startsWith('--')) return (await import('./commands/run.js')).runCommand(argv, io);
  // A command we do not have must not become a password either (command-words.ts has the rule):
  // it stops here, before any login or status-log record. The legacy form's info words anywhere
  // (`vmbackup secret help`) and `PASSWORD create-password-file=FILE` keep their meaning.
  const infoWord = argv.some((a) => (INFO_WORDS as readonly string[]).includes(a));
  const createsPasswordFile = argv[1]?.toLowerCase().startsWith('create-password-file') === true;
  if (!infoWord && !createsPasswordFile) {
    const exists = (path: string) => existsSync(resolve(io.cwd, path));
    const second = argv[1];
    const secondIsFile = second !== undefined && statSync(resolve(io.cwd, second), { throwIfNoEntry: false })?.isFile() === true;
    const unknown = unknownFirstWord(first, exists, secondIsFile);
    if (unknown) throw unknownCommand(first, unknown.planned, exists(first));
  }
  // Anything else is the VmBackup.py form, whose first word is a password, which may well start
  // with "-" (generated ones do).
  return legacyCommand(argv, io);
}

const HELPED = ['preview', 'list', 'verify', 'restore', 'login', 'logout', 'password-file', 'test-email'];

const MODERN_FLAGS = ['--config', '--preview', '--json', '--concurrency', '--pool', '--user', '--password-file', '--verbose', '--trust', '--ca', '--insecure', '--compress', '--pre-clean', '--ignore-extra-keys'];

function isModernFlag(arg: string): boolean {
  return MODERN_FLAGS.some((flag) => arg === flag || arg.startsWith(`${flag}=`));
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const issue of err.issues) io.stderr(formatIssue(issue) + '\n');
    } else if (err instanceof VmbackupError) {
      // Messages may quote a VM name or pool text: one line each, whatever is in them.
      io.stderr(`vmbackup: error: ${printable(err.message)}\n`);
      if (err.hint) io.stderr(`vmbackup: fix: ${printable(err.hint)}\n`);
    } else {
      io.stderr(`vmbackup: internal error (please report it): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    return exitCodeFor(err);
  }
}

export const VERSION = '0.1.0';

export async function main(): Promise<void> {
  const code = await runCli(process.argv.slice(2), processIo());
  process.exitCode = code;
  // Whatever the command was, it is done and has said what it had to: nothing may keep the
  // process alive now (a verify's or a restore's zstd child once could). exit-guard.ts.
  armExitGuard({ code });
}
