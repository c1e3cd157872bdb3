/**
 * What to do when the pool refuses the user and password (SESSION_AUTHENTICATION_FAILED). The
 * useful fix depends on where the password came from and on the face: a cron run fixes its
 * password file, a TUI user types the password again. xapi/ knows neither, so its hint stays
 * generic and openPool replaces it with this one. No advice here puts a password on the command
 * line: that is what the fix would then have to undo.
 */
import type { PasswordSourceName } from '../secrets/sources.js';
import type { PoolTarget } from '../xapi/target.js';

export type Face = 'cli' | 'tui';

export interface PasswordOrigin {
  source: PasswordSourceName;
  /** The --password-file given, for the password-file source. */
  file?: string | undefined;
}

function passwordFix(origin: PasswordOrigin | undefined, target: PoolTarget, face: Face): string {
  const host = new URL(target.url).host;
  switch (origin?.source) {
    case 'password-file':
      return `rewrite the password file with the right password: vmbackup password-file ${origin.file ?? 'FILE'}`;
    case 'command-line':
      return 'check the password given on the command line; better, keep it in a file: vmbackup password-file /root/VmBackup.pass';
    case 'systemd-credential':
      return 'update the systemd credential: systemd-creds encrypt --name=vmbackup - /etc/credstore.encrypted/vmbackup';
    case 'keychain':
      return `store the right password in the keychain: vmbackup login --pool ${target.url} --user ${target.user}`;
    case 'environment':
      return 'check $VMBACKUP_PASSWORD';
    case 'prompt':
      return face === 'tui' ? 'choose "Try again" and type the password again' : 'run again and type the password again';
    default:
      return face === 'tui' ? `choose "Try again" and type the password for ${host} again` : 'check the password';
  }
}

export function authFailureHint(origin: PasswordOrigin | undefined, target: PoolTarget, face: Face): string {
  const user =
    face === 'tui'
      ? `to log in as another user than ${target.user}: "Choose another pool", then "Connect to a new pool..."`
      : `the user is ${target.user} (set with --user or #vmbackup: user=; default root)`;
  return `${passwordFix(origin, target, face)}; ${user}`;
}
