/**
 * `vmbackup restore PATH [--pool URL] [--user NAME] [--sr NAME|UUID] [--name NEW_NAME]
 * [--preserve] [--start] [--attach-to VM] [--yes] [--json] [--dry-run]`, plus the password and
 * certificate flags of a backup run (--password-file, --trust, --ca, --insecure, --verbose).
 *
 * Which pool: --pool; else the one pool the settings know (vmbackup login, the TUI); else, when
 * they know none, https://localhost, as a backup run without #vmbackup: pool= (vmbackup runs on
 * the master, where VmBackup.py ran). When they know several, --pool is required: a restore
 * must not guess between pools. The user: --user, else the one known for that pool, else root.
 *
 * Log lines as a backup run writes them (stdout; stderr with --json, whose object takes
 * stdout). Exit 0 restored, 1 restored with warnings (a network created, a VM that would not
 * start, an unfinished backup restored with --yes), 2 refused or failed, 130 interrupted.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from '../../access/io.js';
import { VmbackupError } from '../../errors.js';
import { planLines, restoreLogger } from '../../report/restore-log.js';
import { restoreJson } from '../../report/restore-json.js';
import { legacyLine } from '../../report/legacy-console.js';
import { resolveBackupPath } from '../../catalog/index.js';
import { planRestore, runRestore } from '../../restore/index.js';
import type { RestorePlan, RestoreResult } from '../../restore/types.js';
import { SettingsStore } from '../../settings/store.js';
import type { PoolConnection } from '../../xapi/connection.js';
import type { PoolTarget } from '../../xapi/target.js';
import { connect, DEFAULT_POOL_URL } from '../engine-run.js';
import { EXIT, exitCodeFor } from '../exit-codes.js';
import { abortOnInterrupt, POOL_OPTIONS, trustFlags } from '../pool-flags.js';
import { readPoolUrl } from './run.js';

const OPTIONS = {
  ...POOL_OPTIONS,
  sr: { type: 'string' },
  name: { type: 'string' },
  preserve: { type: 'boolean' },
  start: { type: 'boolean' },
  'attach-to': { type: 'string' },
  yes: { type: 'boolean' },
  json: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
} as const;

export const RESTORE_USAGE =
  'vmbackup restore PATH [--pool URL] [--user NAME] [--sr NAME|UUID] [--name NEW_NAME] [--preserve] [--start] [--attach-to VM] [--yes] [--json] [--dry-run] [--password-file FILE] [--trust SHA256:…] [--ca FILE] [--insecure]';

/** --pool; else the settings' only pool; none known: https://localhost; several: refused. */
export function restoreTarget(values: { pool?: string | undefined; user?: string | undefined }, known: readonly { url: string; user: string }[]): PoolTarget {
  let url = readPoolUrl(values.pool);
  if (url === undefined) {
    if (known.length > 1) {
      throw new VmbackupError('USAGE', `which pool should the restore go to? vmbackup knows ${known.length}: ${known.map((p) => p.url).join(', ')}`, 'name it with --pool URL');
    }
    url = known[0]?.url ?? DEFAULT_POOL_URL;
  }
  const user = values.user ?? known.find((p) => p.url === url)?.user ?? 'root';
  if (user === '') throw new VmbackupError('USAGE', '--user must not be empty', 'write e.g. --user root');
  return { url, user };
}

/** Each question on the terminal; without one, a refusal whose fix says --yes. */
async function confirm(io: CliIo, plan: RestorePlan, yes: boolean): Promise<void> {
  if (yes || plan.confirmations.length === 0) return;
  const tty = io.tty;
  for (const c of plan.confirmations) {
    if (!tty) throw new VmbackupError('CONFIRMATION_NEEDED', `not restored: ${c.message}`, 'run it again with --yes to go ahead anyway');
    const answer = (await tty.ask(`${c.message}. Restore anyway? [y/N] `)).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') throw new VmbackupError('CONFIRMATION_NEEDED', `not restored: ${c.message}`, 'nothing was sent; answer y, or pass --yes');
  }
}

export async function restoreCommand(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (err) {
    throw new VmbackupError('USAGE', (err as Error).message, RESTORE_USAGE);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new VmbackupError('USAGE', positionals.length === 0 ? 'restore needs a PATH: a backup folder, a VM folder or an export file' : `restore takes one PATH, not ${positionals.length}`, RESTORE_USAGE);
  const json = values.json ?? false;
  const out = json ? io.stderr : io.stdout;
  const line = (message: string) => out(legacyLine(io.now(), message) + '\n');
  const target = restoreTarget(values, SettingsStore.open(io.env).knownPools());

  const controller = new AbortController();
  const stopListening = abortOnInterrupt(
    io,
    controller,
    line,
    'interrupted: cancelling the import and removing what it created (this takes a few seconds)',
    'still cleaning up: what the restore created is being removed',
  );

  let conn: PoolConnection | null = null;
  let plan: RestorePlan | null = null;
  let result: RestoreResult | null = null;
  const agreed: string[] = [];
  const dryRun = values['dry-run'] ?? false;
  let failure: VmbackupError | null = null;
  const path = resolve(io.cwd, positionals[0]!);
  try {
    // A PATH that is no backup is said before any password is looked for or the pool contacted.
    await resolveBackupPath(path);
    conn = await connect(io, target, { passwordFile: values['password-file'], verbose: values.verbose, trust: trustFlags(values) });
    plan = await planRestore(conn, {
      path,
      ...(values.sr === undefined ? {} : { sr: values.sr }),
      ...(values.name === undefined ? {} : { name: values.name }),
      ...(values['attach-to'] === undefined ? {} : { attachTo: values['attach-to'] }),
      preserve: values.preserve ?? false,
      start: values.start ?? false,
      yes: values.yes ?? false,
    });
    for (const l of planLines(plan)) line(l);
    for (const w of plan.warnings) line(`WARNING ${w}`);
    if (!dryRun) {
      if (controller.signal.aborted) throw new VmbackupError('INTERRUPTED', 'the restore was interrupted before it sent anything', 'run it again when you are ready');
      await confirm(io, plan, values.yes ?? false);
      for (const c of plan.confirmations) {
        if (c.code === 'UNFINISHED_BACKUP') agreed.push(`restored from an unfinished backup (no success marker): it may be incomplete`);
      }
      for (const w of agreed) line(`WARNING ${w}`);
      result = await runRestore(conn, plan, { signal: controller.signal, onEvent: restoreLogger((l) => out(l + '\n'), () => io.now()), confirmed: true });
    }
  } catch (err) {
    if (!(err instanceof VmbackupError)) throw err;
    failure = err;
    line(`ERROR ${err.message}`);
  } finally {
    await conn?.close();
    stopListening();
  }

  const warned = (plan?.warnings.length ?? 0) + agreed.length + (result?.warnings.length ?? 0) > 0;
  const code = failure ? exitCodeFor(failure) : dryRun || !warned ? EXIT.OK : EXIT.WARNINGS;
  if (json) {
    const object = restoreJson({ plan, result, warnings: [...(plan?.warnings ?? []), ...agreed], error: failure, dryRun, exitCode: code });
    io.stdout(JSON.stringify(object, null, 2) + '\n');
  }
  // main.ts prints the error and its fix on stderr, and maps it to the exit code.
  if (failure) throw failure;
  return code;
}
