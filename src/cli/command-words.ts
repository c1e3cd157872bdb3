/**
 * Which first words are commands, and what to say about one we do not have.
 *
 * The VmBackup.py form reads its first word as a password, so before this check
 * `vmbackup restore sim.cfg` logged in with the password "restore" and wrote an ERROR record to
 * the status log, which monitoring alerts on. The rule, checked before any login or file write
 * (main.ts applies it to the first word only, never after `--`):
 *   - a word that is, or will be, a vmbackup command (COMMANDS, PLANNED) is a command;
 *   - a word made of letters only, with inner hyphens (`restore`, `test-mail`), is read as a
 *     command too, unless a file of that name exists (then it is a password file, as before), or
 *     unless the line has the VmBackup.py shape beyond doubt: the word is no near miss of a
 *     command and the second word is an existing file (`vmbackup secretpw /etc/weekend.cfg`).
 *     That exception keeps old cron lines with a letters-only password backing up: stopping
 *     them would stop their backups, and they write nothing to a status log a monitor reads.
 * Both give "unknown command" (exit 2) when vmbackup has no such command. A password of letters
 * only also works after `--` (`vmbackup -- PASSWORD FILE`), and in the create-password-file
 * form, whose second word leaves no doubt. Such a password is weak anyway; the fix says so.
 */
import { suggestKey } from '../config/suggest.js';
import { VmbackupError } from '../errors.js';

/** The commands main.ts dispatches, as a user types them. */
export const COMMANDS = ['tui', 'preview', 'list', 'restore', 'verify', 'login', 'logout', 'password-file', 'test-email', 'sim', 'help', 'config', 'example'] as const;

/**
 * Words that name commands vmbackup may grow (restore, verify, list...), or that a user would
 * try: never taken as a password, even when a file of that name exists, so that the day such a
 * command lands, no existing command line changes meaning.
 */
export const PLANNED = ['check', 'prune', 'merge', 'catalog', 'status', 'monitor', 'backup', 'run', 'export', 'import', 'mount', 'browse', 'report', 'logs', 'version', 'init', 'setup', 'show', 'clean', 'doctor', 'schedule'] as const;

const LETTERS_ONLY = /^[A-Za-z]+(?:-[A-Za-z]+)*$/;

/** What to do instead, for planned commands people will reach for first. */
const INSTEAD: Partial<Record<(typeof PLANNED)[number], string>> = {
  run: 'a backup run is: vmbackup --config FILE.cfg',
  backup: 'a backup run is: vmbackup --config FILE.cfg',
  version: 'vmbackup --version',
};

/**
 * For a first word that is none of the commands main.ts dispatches: null when it may be the
 * legacy form's password (or password file), else whether it names a planned command.
 * `fileExists` is asked only for letters-only words; `secondIsFile`: the next word is an existing
 * regular file (the VmBackup.py form's cfg).
 */
export function unknownFirstWord(word: string, fileExists: (path: string) => boolean, secondIsFile = false): { planned: boolean } | null {
  if ((PLANNED as readonly string[]).includes(word)) return { planned: true };
  if (!LETTERS_ONLY.test(word) || fileExists(word)) return null;
  // `PASSWORD CFG-FILE`, as cron lines of VmBackup.py read: a password, unless it is a typo of a command.
  if (secondIsFile && suggestKey(word, [...COMMANDS, ...PLANNED]) === null) return null;
  return { planned: false };
}

/**
 * The error for an unknown first word. A letters-only word may be someone's password, so it is
 * named only when it is a planned command or a near miss of a command (then it is a typo).
 */
export function unknownCommand(word: string, planned: boolean, fileExists: boolean): VmbackupError {
  const known = `the commands are ${COMMANDS.join(', ')}, and the VmBackup.py form vmbackup PASSWORD-FILE CFG (see vmbackup help)`;
  if (planned) {
    const instead = INSTEAD[word as (typeof PLANNED)[number]];
    const file = fileExists ? `; to use the file named ${word} as the password file, write ./${word}` : '';
    return new VmbackupError('USAGE', `unknown command "${word}": vmbackup has no ${word} command (yet)`, `${instead ? `${instead}; ` : ''}${known}${file}`);
  }
  const legacy = 'a password made of letters only must follow --: vmbackup -- PASSWORD CFG (better: a password file, vmbackup password-file FILE)';
  const guess = suggestKey(word, [...COMMANDS, ...PLANNED]);
  if (guess !== null) {
    const notYet = (PLANNED as readonly string[]).includes(guess) ? ` (vmbackup has no ${guess} command yet)` : '';
    return new VmbackupError('USAGE', `unknown command "${word}"; did you mean ${guess}?${notYet}`, `${known}; ${legacy}`);
  }
  return new VmbackupError('USAGE', 'unknown command: the first word is made of letters only, and is neither a command nor a file (it is not repeated here, in case it is a password)', `${known}; ${legacy}`);
}
