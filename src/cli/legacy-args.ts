/**
 * The VmBackup.py command line, parsed as the original parses it (spec §1.1):
 *   <password|password-file> <config-file|vm-selector> [preview] [compress=..] [ignore_extra_keys=..] [pre_clean=..]
 *   <password|password-file> create-password-file=FILE
 * Where the original crashed (`compress` without "=") or silently did the wrong thing
 * (`compress=yes` meaning false), we stop with a usage error instead.
 */
import type { CommandLineOverrides, Compression } from '../config/index.js';
import { VmbackupError } from '../errors.js';

export type InfoWord = 'help' | 'config' | 'example';
export const INFO_WORDS: readonly InfoWord[] = ['help', 'config', 'example'];

/** argv[1]: an existing path is a base64 password file, anything else the password itself. */
export type PasswordSource = { kind: 'file'; path: string } | { kind: 'argv'; value: string };
export type LegacyTarget = { kind: 'config'; path: string } | { kind: 'selector'; text: string };

export type LegacyInvocation =
  | { kind: 'info'; words: InfoWord[] }
  | { kind: 'create-password-file'; password: PasswordSource; file: string }
  | { kind: 'run'; password: PasswordSource; target: LegacyTarget; preview: boolean; overrides: CommandLineOverrides };

function usage(message: string, hint = 'see `vmbackup help`'): VmbackupError {
  return new VmbackupError('USAGE', message, hint);
}

function readBool(key: string, value: string): boolean {
  const v = value.toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw usage(`${key}=${value}: expected true or false`, `write ${key}=true or ${key}=false`);
}

function readCompress(value: string): Compression {
  const v = value.toLowerCase();
  if (v === 'true' || v === 'gzip') return 'gzip';
  if (v === 'false' || v === 'none') return 'none';
  if (v === 'zstd') return 'zstd';
  throw usage(`compress=${value}: expected true, false, gzip or zstd`, 'write compress=true (gzip) or compress=zstd');
}

function readOptions(args: string[]): { preview: boolean; overrides: CommandLineOverrides } {
  let preview = false;
  const overrides: CommandLineOverrides = {};
  for (const arg of args) {
    const parts = arg.trim().split('=');
    const key = parts[0]!.toLowerCase();
    const value = parts[1];
    if (key === 'preview') {
      // As in the original, any value still means preview: the safe reading.
      preview = true;
      continue;
    }
    if (key !== 'compress' && key !== 'ignore_extra_keys' && key !== 'pre_clean') {
      throw usage(`invalid parameter: ${arg}`, 'the optional parameters are preview, compress=, ignore_extra_keys= and pre_clean=');
    }
    if (value === undefined) throw usage(`${arg} needs a value`, `write ${key}=true or ${key}=false`);
    if (key === 'compress') overrides.compress = readCompress(value);
    else if (key === 'pre_clean') overrides.preClean = readBool(key, value);
    else overrides.ignoreExtraKeys = readBool(key, value);
  }
  return { preview, overrides };
}

export function parseLegacyArgs(args: string[], exists: (path: string) => boolean): LegacyInvocation {
  const words = INFO_WORDS.filter((w) => args.includes(w));
  if (words.length > 0) return { kind: 'info', words };
  if (args.length < 2) throw usage('expected <password|password-file> <config-file|vm-selector>');

  const first = args[0]!;
  const password: PasswordSource = exists(first) ? { kind: 'file', path: first } : { kind: 'argv', value: first };
  const second = args[1]!;
  if (second.toLowerCase().startsWith('create-password-file')) {
    const file = second.split('=')[1];
    if (!file) throw usage('create-password-file needs a file name', 'write create-password-file=/root/VmBackup.pass');
    if (args.length > 2) throw usage(`unexpected argument after ${second}: ${args[2]}`);
    return { kind: 'create-password-file', password, file };
  }
  const target: LegacyTarget = exists(second) ? { kind: 'config', path: second } : { kind: 'selector', text: second };
  return { kind: 'run', password, target, ...readOptions(args.slice(2)) };
}
