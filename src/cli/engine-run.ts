/**
 * The one path from a command line to the engine, shared by `vmbackup --config FILE` and the
 * legacy `vmbackup PASSWORD FILE` form: load and check the cfg, find the password, connect,
 * then either preview against the pool or run the backup with its console log, status log,
 * JSON report and mail. The faces differ only in how they parse their arguments.
 */
import { hostname } from 'node:os';
import type { CommandLineOverrides, EffectiveSettings } from '../config/index.js';
import { effectiveSettings } from '../config/index.js';
import { VmbackupError } from '../errors.js';
import type { PoolConnection } from '../xapi/connection.js';
import { credentialsAccepted, credentialSourceFor } from '../access/credentials.js';
import { openPool, type TrustFlags } from '../access/pool-access.js';
import type { PoolTarget } from '../xapi/target.js';
import type { CliIo } from '../access/io.js';
import { loadTarget, type Target } from './load-target.js';
import { reportIssues } from './print-issues.js';
import { previewAgainstPool } from './engine-preview.js';
import { backupAgainstPool } from './engine-backup.js';

export type JsonOutput = { to: 'stdout' } | { to: 'file'; path: string };

export interface EngineInvocation {
  target: Target;
  overrides: CommandLineOverrides;
  preview: boolean;
  json: JsonOutput | null;
  concurrency?: number | undefined;
  /** --pool / --user: over the cfg's directives. */
  poolUrl?: string | undefined;
  user?: string | undefined;
  passwordFile?: string | undefined;
  /** The legacy form's password, from its file or argv (warned about already). */
  givenPassword?: string | undefined;
  /** --trust / --ca / --insecure. */
  trust?: TrustFlags | undefined;
  /** --verbose: name every password source tried. */
  verbose?: boolean | undefined;
}

/** Without #vmbackup: pool=, vmbackup runs where VmBackup.py ran: on the pool master. */
export const DEFAULT_POOL_URL = 'https://localhost';

export function poolTargetOf(settings: EffectiveSettings, inv: Pick<EngineInvocation, 'poolUrl' | 'user'>): PoolTarget {
  return { url: inv.poolUrl ?? settings.pool ?? DEFAULT_POOL_URL, user: inv.user ?? settings.user };
}

export async function connect(io: CliIo, target: PoolTarget, inv: Pick<EngineInvocation, 'passwordFile' | 'givenPassword' | 'trust' | 'verbose'>, settings?: Pick<EffectiveSettings, 'fingerprint' | 'caFile'>): Promise<PoolConnection> {
  // The cfg's directives let the legacy command form pin a pool too; --ca wins over ca_file=.
  const flags = inv.trust ?? {};
  const trust = { ...flags, cfgFingerprint: settings?.fingerprint ?? undefined, ca: flags.ca ?? settings?.caFile ?? undefined };
  const conn = await openPool(io, target, credentialSourceFor(io, inv), trust);
  // A password typed at the prompt is remembered only now that the pool accepted it.
  await credentialsAccepted(io);
  return conn;
}

export async function runEngine(inv: EngineInvocation, io: CliIo): Promise<number> {
  const loaded = await loadTarget(inv.target, io, inv.overrides.ignoreExtraKeys);
  if (reportIssues(io, loaded.issues)) return 2;
  const settings = effectiveSettings(loaded.model, inv.overrides);
  if (inv.concurrency !== undefined) settings.concurrency = inv.concurrency;
  const target = poolTargetOf(settings, inv);
  const context = { inv, io, loaded, settings, target, host: hostname() };
  return inv.preview ? previewAgainstPool(context) : backupAgainstPool(context);
}

export interface EngineContext {
  inv: EngineInvocation;
  io: CliIo;
  loaded: Awaited<ReturnType<typeof loadTarget>>;
  settings: EffectiveSettings;
  target: PoolTarget;
  /** This machine's full host name (mail subject and sender). */
  host: string;
}

/** Reads `--json` (to stdout) and `--json=FILE` out of argv, which parseArgs cannot express. */
export function takeJsonFlag(args: string[]): { rest: string[]; json: JsonOutput | null } {
  let json: JsonOutput | null = null;
  const rest: string[] = [];
  for (const arg of args) {
    if (arg === '--json') json = { to: 'stdout' };
    else if (arg.startsWith('--json=')) {
      const path = arg.slice('--json='.length);
      if (path === '') throw new VmbackupError('USAGE', '--json= needs a file name', 'write --json (to stdout) or --json=/var/log/vmbackup/last.json');
      json = path === '-' ? { to: 'stdout' } : { to: 'file', path };
    } else rest.push(arg);
  }
  return { rest, json };
}
