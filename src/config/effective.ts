/**
 * The settings a run uses: command-line options over `#vmbackup:` directives over cfg keys over
 * the original script's defaults.
 */
import { DEFAULT_FULL_EVERY } from './directives.js';
import { LEGACY_DEFAULTS } from './legacy-keys.js';
import type { CfgModel, Compression, FolderNames, LegacySettings, MailWhen, SmtpStartTls, VdiDisks } from './model.js';

/** A stalled export is given up after this long by default: long enough for a busy SR, short enough for a cron window. */
export const DEFAULT_STALL_TIMEOUT_S = 300;

export interface EffectiveSettings extends LegacySettings {
  compress: Compression;
  preClean: boolean;
  ignoreExtraKeys: boolean;
  concurrency: number;
  pool: string | null;
  user: string;
  fingerprint: string | null;
  caFile: string | null;
  folderNames: FolderNames;
  vdiDisks: VdiDisks;
  /** Seconds without a byte from the pool before an export fails with STALLED. */
  stallTimeoutS: number;
  /** Re-read each new backup from the disk after its success marker. */
  verifyAfter: boolean;
  /** Delta VMs: a full every N backups (1: always full). Which VMs are delta is the scope's `delta`. */
  fullEvery: number;
  mailTo: string[];
  mailFrom: string | null;
  mailWhen: MailWhen;
  smtpServer: string | null;
  smtpStartTls: SmtpStartTls;
  smtpUser: string | null;
  smtpPasswordFile: string | null;
  smtpCaFile: string | null;
}

/** The legacy positional options (`compress=true`, `pre_clean=true`, ...) and their flag forms. */
export interface CommandLineOverrides {
  compress?: Compression;
  preClean?: boolean;
  ignoreExtraKeys?: boolean;
}

export function effectiveSettings(model: CfgModel, overrides: CommandLineOverrides = {}): EffectiveSettings {
  const d = model.directives;
  return {
    ...LEGACY_DEFAULTS,
    ...model.settings,
    compress: overrides.compress ?? d.compress ?? 'none',
    preClean: overrides.preClean ?? d.preClean ?? false,
    ignoreExtraKeys: overrides.ignoreExtraKeys ?? d.ignoreExtraKeys ?? false,
    concurrency: d.concurrency ?? 1,
    pool: d.pool ?? null,
    user: d.user ?? 'root',
    fingerprint: d.fingerprint ?? null,
    caFile: d.caFile ?? null,
    folderNames: d.folderNames ?? 'legacy',
    vdiDisks: d.vdiDisks ?? 'boot',
    stallTimeoutS: d.stallTimeout ?? DEFAULT_STALL_TIMEOUT_S,
    verifyAfter: d.verifyAfter ?? false,
    fullEvery: d.fullEvery ?? DEFAULT_FULL_EVERY,
    mailTo: d.mailTo ?? [],
    mailFrom: d.mailFrom ?? null,
    mailWhen: d.mailWhen ?? 'always',
    smtpServer: d.smtpServer ?? null,
    smtpStartTls: d.smtpStartTls ?? 'opportunistic',
    smtpUser: d.smtpUser ?? null,
    smtpPasswordFile: d.smtpPasswordFile ?? null,
    smtpCaFile: d.smtpCaFile ?? null,
  };
}
