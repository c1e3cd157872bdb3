/**
 * The flag forms of the legacy options (`compress=`, `pre_clean=`, `ignore_extra_keys=`), shared
 * by every command that reads a cfg.
 */
import type { CommandLineOverrides, Compression } from '../config/index.js';
import { VmbackupError } from '../errors.js';

export const OVERRIDE_OPTIONS = {
  'ignore-extra-keys': { type: 'boolean' },
  compress: { type: 'string' },
  'pre-clean': { type: 'boolean' },
} as const;

const COMPRESSIONS: readonly Compression[] = ['none', 'gzip', 'zstd'];

export function overridesFrom(values: { 'ignore-extra-keys'?: boolean; compress?: string; 'pre-clean'?: boolean }): CommandLineOverrides {
  const overrides: CommandLineOverrides = {};
  if (values.compress !== undefined) {
    if (!(COMPRESSIONS as readonly string[]).includes(values.compress)) {
      throw new VmbackupError('USAGE', `--compress ${values.compress}: expected none, gzip or zstd`, 'write e.g. --compress zstd');
    }
    overrides.compress = values.compress as Compression;
  }
  if (values['pre-clean']) overrides.preClean = true;
  if (values['ignore-extra-keys']) overrides.ignoreExtraKeys = true;
  return overrides;
}
