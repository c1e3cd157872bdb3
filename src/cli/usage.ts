/**
 * The texts behind `vmbackup --help` and the legacy words `help`, `config` and `example`.
 * Our own wording; the structure follows what VmBackup.py users know.
 */
import { DELTA_DIRECTIVE, DIRECTIVE_ORDER, DIRECTIVES, LEGACY_DEFAULTS } from '../config/index.js';

export const BASIC_USAGE = `Usage:
  vmbackup                                      on a terminal: the interactive interface (TUI)
  vmbackup --config FILE.cfg [--preview]        back up what FILE.cfg selects (or show the plan)
  vmbackup preview --config FILE.cfg --vm-names NAMES.txt [--json]
                                                check a cfg offline against a list of VM names
  vmbackup list [--backup-dir DIR | --config FILE.cfg] [--vm NAME] [--json]
                                                what backup_dir holds: VMs, backups, pool dumps
  vmbackup verify [PATH...] [--backup-dir DIR | --config FILE.cfg] [--newest] [--json]
                                                read backups back from the disk and check them
  vmbackup login [--pool URL] [--user NAME]     store the pool password in the keychain
  vmbackup <password|password-file> <config-file|vm-selector> [preview] [options]
                                                the VmBackup.py command line, still accepted

  vmbackup help      all options
  vmbackup config    the cfg file format
  vmbackup example   examples
`;

export const HELP = `vmbackup: backups of XenServer / XCP-ng VMs (vm-export to .xva, vdi-export of the boot disk),
reading the cfg files of NAUbackup VmBackup.py.

${BASIC_USAGE}
Commands:
  --config FILE.cfg [options]
      Run the backups FILE.cfg selects (headless; for cron and systemd timers). Log lines on
      stdout in the VmBackup.py format; the status log as before.
        --preview              log in and show the plan: VMs, estimated sizes, what retention
                               would delete, whether backup_dir is writable and has room
        --json                 the JSON report on stdout (the log moves to stderr)
        --json=FILE            the JSON report to FILE
        --concurrency N        VMs at the same time, 1-16 (over #vmbackup: concurrency=)
        --pool URL             the pool master, https://host[:port] (over #vmbackup: pool=;
                               default https://localhost)
        --user NAME            XAPI user (over #vmbackup: user=; default root)
        --password-file FILE   the base64 password file (password-file); without it, in this
                               order: systemd credentials ($CREDENTIALS_DIRECTORY/vmbackup-HOST
                               or .../vmbackup), the keychain (login), $VMBACKUP_PASSWORD, a
                               prompt on a terminal
        --verbose              name every password source tried, and why it gave nothing
        --trust SHA256:...     trust this certificate fingerprint (first contact, or a renewed
                               certificate) and pin it for later runs; may be repeated
        --ca FILE              trust certificates signed by these CAs (PEM), for this host name
        --insecure             check no certificate (warned on every run; never the default)
        --compress none|gzip|zstd, --pre-clean, --ignore-extra-keys   as the legacy options
  tui [--pool URL] [--user NAME] [--password-file FILE] [--trust SHA256:...] [--ca FILE] [--insecure]
      [--backup-dir DIR] [--status-log FILE] [--demo]
      The interactive interface (also: vmbackup alone on a terminal): connect, pick VMs with a
      cfg-selector filter, choose vm-export or vdi-export, preview, run with progress bars, save
      the choice as a cfg that VmBackup.py still reads. --demo (npm run demo) serves a simulated
      15-VM pool in this process (with vmbackup sim's certificates and password) and backs up to
      ./demo-backups.
  login [--pool URL] [--user NAME] [--password-stdin] [--trust SHA256:...] [--ca FILE] [--insecure]
      Ask for the pool password (or read one line from stdin), log in to check it, then store it
      in the OS keychain (Secret Service on Linux) as NAME@HOST[:PORT]. Defaults: the pool and
      user logged in to last, else https://localhost as root. Cron and services have no keychain:
      use a password file or systemd credentials there. VMBACKUP_KEYRING=keyutils selects the
      kernel keyring instead (lost at reboot).
  logout [--pool URL] [--user NAME]
      Remove the stored password from the keychain.
  password-file FILE [--password-stdin]      (also: create-password-file=FILE)
      Write the base64 password file, mode 0600; the password is asked twice on a terminal, or
      read from stdin, never taken from the command line.
  test-email --config FILE.cfg
      Send a test mail with the cfg's mail settings (mail_to, smtp_server, ...).
  preview (--config FILE.cfg | --selector SEL) --vm-names NAMES.txt [options]
      Check a cfg without a pool: print the settings, the VMs it selects in backup order, and
      every warning and error as file:line. NAMES.txt holds one VM name per line.
        --json                 one JSON object instead of text
        --save-config OUT.cfg  write the resolved scope, one line per VM (refuses to overwrite)
        --force                allow --save-config to replace OUT.cfg
        --ignore-extra-keys    unknown cfg keys are warnings, not errors
        --compress none|gzip|zstd, --pre-clean   as the legacy options below

  restore PATH [--pool URL] [--user NAME] [--sr NAME|UUID] [--name NEW_NAME] [--preserve] [--start]
      [--attach-to VM] [--yes] [--json] [--dry-run]   (and --password-file, --trust, --ca, --insecure)
      Bring a backup back to a pool. PATH: a dated backup folder, a VM folder (its newest
      successful backup) or one .xva/.xva.gz/.xva.zst/.raw/.vhd file. An XVA becomes a new VM
      "<name> (restored <date>)" with new MACs; --preserve keeps its uuid and MACs (replacing a
      halted VM of that uuid, never a running one); --start starts it. A raw/vhd disk becomes a new
      disk, left unattached or plugged into --attach-to VM. Every byte is verified as it is sent;
      on a failure or Ctrl-C nothing of it stays on the pool. The pool: --pool, else the one pool
      vmbackup knows (login), else https://localhost. --dry-run shows the plan; an unfinished
      backup or a replaced VM needs --yes (asked on a terminal).

  list [--backup-dir DIR | --config FILE.cfg] [--vm NAME] [--json]
      What backup_dir holds, read from the disk (no pool needed): each VM folder (the VM name
      decoded), its dated backups newest first with local date and time, status (success, or
      unfinished: no success marker), vm-export/vdi-export, format, size and space on disk, the
      source VM's uuid and the last verification; then the pool database dumps, then stray files
      and folders with the reason each is not a backup. The folder: --backup-dir, else the cfg's
      backup_dir, else the one the TUI used last.
        --vm NAME              that VM only (exact name; no pool dumps, only its folder's strays)
        --json                 one JSON object: backupDir, vms[].backups[], poolDb[], strays[]
      Exit 0 when listed (unfinished backups and strays are shown, not failures), 1 when --vm
      NAME has no folder, 2 for a bad command line or a backup_dir that is missing or unreadable.

  verify [PATH...] [--backup-dir DIR | --config FILE.cfg] [--vm NAME] [--newest] [--since DATE]
      [--jobs N] [--json]
      Read backups back from the disk and check every byte that can be checked (no pool needed):
      the success marker, vm.cfg, each disk's vdi.cfg; an XVA's tar structure and every chunk
      checksum (through the gzip CRC or the zstd frames of .xva.gz/.xva.zst); a VHD's footer,
      header, BAT, block layout and disk size; a raw disk's length; and every file against the
      XXH64 sums written with it (vmbackup-sums.json; older backups have none: "no sums
      recorded"). PATH: a backup_dir, a VM folder, a dated backup folder or one export file;
      without PATH, --backup-dir, else the cfg's backup_dir, else the one the TUI used last.
      One line per backup, OK or FAILED <folder> <file>: <layer> <member> at byte <offset>:
      <reason>, then a total. Each verdict is kept beside the backup (vmbackup-verify.json, shown
      by list); a failed one is never deleted or renamed.
        --vm NAME              that VM's backups only (exact name)
        --newest               each VM's newest successful backup only
        --since DATE           backups dated on or after DATE (YYYY-MM-DD or ISO 8601)
        --jobs N               backups read at once, 1-16 (default 1)
        --json                 one JSON object: checked, ok, failed[{folder, file, layer, member,
                               offset, reason}], bytes, elapsedMs, backups[]
      Exit 0 when every backup checked is whole, 2 when one failed or could not be read (or
      nothing was found, or a bad command line), 130 when interrupted.

  sim [--port N] [--http] [--pool FILE | --vms N | --demo] [--state DIR] [--json] [--fault SPEC]...
      Run a simulated XenServer/XCP-ng pool to try vmbackup without one (see \`vmbackup sim --help\`).
      Its certificates and password are kept in a state folder, the same from one start to the next.

The VmBackup.py form:
  vmbackup <password|password-file> <config-file|vm-selector> [preview] [compress=true|false|gzip|zstd]
           [ignore_extra_keys=true|false] [pre_clean=true|false]
  vmbackup <password|password-file> create-password-file=FILE
      <password|password-file>  an existing file is read as a base64 password file; anything
                                else is the password itself (visible in ps: avoid it). A command
                                word (restore, verify, list...), a near miss of one, or a word of
                                letters only (and -) that names no file and is not followed by a
                                cfg file, is read as a command: "unknown command", exit 2,
                                nothing logged in. Such a password follows --:
                                vmbackup -- PASSWORD CFG
      <config-file|vm-selector> an existing file is a cfg; anything else selects VMs:
                                NAME, REGEX, vm-export=SEL or vdi-export=SEL, each with optional :N
      preview                   check and show the scope; back up nothing

Exit codes:
  0    every VM backed up and verified (preview: the run could start)
  1    backed up, with warnings
  2    a VM failed, or the command line, cfg, password, pool connection, lock or backup_dir
       stopped the run
  130  interrupted (SIGINT/SIGTERM); snapshots and unfinished folders were removed
`;

function directiveLines(): string {
  const line = (key: string, doc: string) => `  #vmbackup: ${key.padEnd(18)} ${doc}`;
  return [...DIRECTIVE_ORDER.map((prop) => line(DIRECTIVES[prop].key, DIRECTIVES[prop].doc)), line(`${DELTA_DIRECTIVE.key}=SELECTOR`, DELTA_DIRECTIVE.doc)].join('\n');
}

export const CONFIG_HELP = `The cfg file (the VmBackup.py format; vmbackup reads the same files)

One setting per line, key=value. A line starting with # in column 1 is a comment. There are
no inline comments and no quotes: everything after "=" is the value. A value cannot hold "=".
A line may be 16 KiB long and the file 1 MiB: split a longer selection over several lines.

Settings (default in brackets):
  pool_db_backup=0|1          dump the pool database too [${LEGACY_DEFAULTS.poolDbBackup}]
  max_backups=N               backups kept per VM [${LEGACY_DEFAULTS.maxBackups}]
  backup_dir=PATH             where backups go [${LEGACY_DEFAULTS.backupDir}]
  status_log=PATH             one-line-per-event status log [${LEGACY_DEFAULTS.statusLog}]
  vdi_export_format=raw|vhd   file format of vdi-export [${LEGACY_DEFAULTS.vdiExportFormat}]

Selections (repeatable):
  vm-export=SELECTOR[:N]      whole VM to NAME.xva; :N overrides max_backups for these VMs
  vdi-export=SELECTOR[:N]     boot disk only, to NAME.raw or NAME.vhd
  exclude=SELECTOR            never back up these VMs

  A SELECTOR made only of letters, digits, spaces, "-" and "_" is an exact VM name
  (case-sensitive). Anything else is a Python regex matched from the start of the name
  (re.match): PROD matches only the name PROD, but PROD.* matches every name starting with PROD,
  and web.example.com also matches web-example-com-old (end a regex with $ to stop it).
  "vm-export=" with nothing after it selects every VM.

  Excludes always win, vdi-export wins over vm-export, and when several lines select a VM the
  last one decides its :N. Line order does not change which VMs are selected.

vmbackup settings (the original reads these lines as comments):
${directiveLines()}

Incremental (delta) backups: #vmbackup: delta=SELECTOR marks vm-export VMs; it selects nothing
by itself, so VmBackup.py, which skips the line, still exports the same VMs as full .xva files.
  vm-export=PROD-.*:14
  #vmbackup: delta=PROD-.*
  #vmbackup: full_every=7
backs up every PROD- VM as a full, then 6 deltas (only the changed blocks), then a full again;
14 restore points are kept per VM (retention merges the oldest delta into its full).
`;

export const EXAMPLES = `Examples

  # check a cfg offline against the VM names of a pool
  xe vm-list is-control-domain=false is-a-snapshot=false params=name-label --minimal | tr , '\\n' > names.txt
  vmbackup preview --config weekend.cfg --vm-names names.txt

  # the same, as JSON for a script
  vmbackup preview --config weekend.cfg --vm-names names.txt --json

  # keep the resolved scope (one line per VM) as a new cfg
  vmbackup preview --config weekend.cfg --vm-names names.txt --save-config weekend-fixed.cfg

  # store the pool password in the keychain (desktop, ssh with a keyring), then run without one
  vmbackup login --pool https://xen1.example.com --user root
  vmbackup --config weekend.cfg --verbose

  # a password file for cron (asked twice, written 0600; never type the password in argv)
  vmbackup password-file /root/VmBackup.pass

  # show the plan against the pool, then run from cron
  vmbackup --config /etc/vmbackup/weekend.cfg --password-file /root/VmBackup.pass --preview
  vmbackup --config /etc/vmbackup/weekend.cfg --password-file /root/VmBackup.pass \\
           --json=/var/log/vmbackup/weekend.json >> /var/log/vmbackup.log 2>&1

  # VmBackup.py command lines keep working
  vmbackup /root/VmBackup.pass weekend.cfg preview
  vmbackup /root/VmBackup.pass 'vm-export=DEV-my.*:2'
  vmbackup /root/VmBackup.pass vdi-export=DEV-mySql
`;
