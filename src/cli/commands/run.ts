/**
 * `vmbackup --config FILE.cfg [--preview] [--json[=FILE]] ...`: the headless run for cron and
 * systemd timers, and its preview against the pool.
 */
import { parseArgs } from 'node:util';
import { VmbackupError } from '../../errors.js';
import { runEngine, takeJsonFlag } from '../engine-run.js';
import type { CliIo } from '../../access/io.js';
import { OVERRIDE_OPTIONS, overridesFrom } from '../override-flags.js';
import { POOL_OPTIONS, trustFlags } from '../pool-flags.js';

const OPTIONS = {
  config: { type: 'string' },
  preview: { type: 'boolean' },
  concurrency: { type: 'string' },
  ...POOL_OPTIONS,
  ...OVERRIDE_OPTIONS,
} as const;

const USAGE = 'vmbackup --config FILE.cfg [--preview] [--json[=FILE]] [--concurrency N] [--pool URL] [--user NAME] [--password-file FILE] [--verbose] [--trust SHA256:…] [--ca FILE] [--insecure]';

function readConcurrency(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^[0-9]+$/.test(text) || n < 1 || n > 16) throw new VmbackupError('USAGE', `--concurrency ${text}: expected a whole number from 1 to 16`, 'write e.g. --concurrency 2');
  return n;
}

export function readPoolUrl(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new VmbackupError('USAGE', `--pool ${text} is not a URL`, 'write e.g. --pool https://xen1.example.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new VmbackupError('USAGE', `--pool ${text} must use https:// (or http://)`, 'write e.g. --pool https://xen1.example.com');
  if (url.username || url.password) throw new VmbackupError('USAGE', '--pool must not carry a user or password', 'use --user NAME and --password-file FILE');
  return url.origin;
}

export async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const { rest, json } = takeJsonFlag(argv);
  let values;
  try {
    ({ values } = parseArgs({ args: rest, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new VmbackupError('USAGE', (err as Error).message, USAGE);
  }
  if (values.config === undefined) throw new VmbackupError('USAGE', '--config FILE.cfg is required', USAGE);
  return runEngine(
    {
      target: { kind: 'config', path: values.config },
      overrides: overridesFrom(values),
      preview: values.preview ?? false,
      json,
      concurrency: readConcurrency(values.concurrency),
      poolUrl: readPoolUrl(values.pool),
      user: values.user,
      passwordFile: values['password-file'],
      verbose: values.verbose,
      trust: trustFlags(values),
    },
    io,
  );
}
