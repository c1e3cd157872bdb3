/**
 * Opening a pool from a command: the password from credentials.ts, the certificate checked by
 * the trust rules built here from the settings' pins and the flags (--trust, --ca, --insecure,
 * or a cfg's `#vmbackup: fingerprint=`). A backup run, `vmbackup login` and the TUI all come
 * through here, so all check a certificate the same way (PoolConnection.open probes the pool
 * first), before a password is asked for, looked up or sent.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { VmbackupError } from '../errors.js';
import { SettingsStore } from '../settings/store.js';
import { PoolConnection } from '../xapi/connection.js';
import { type Fingerprint, HOST_FINGERPRINT_COMMAND, parseFingerprint } from '../xapi/fingerprint.js';
import type { CredentialSource, PoolTarget } from '../xapi/target.js';
import { describePeer, emptyRules, type Peer, type TrustRules } from '../xapi/tls-trust.js';
import { TrustPolicy, type Verdict } from '../xapi/trust-policy.js';
import { XapiCallError } from '../xapi/errors.js';
import { authFailureHint, type Face } from './auth-hint.js';
import { passwordOrigin } from './credentials.js';
import type { CliIo } from './io.js';

export interface TrustFlags {
  /** --trust SHA256:… (may be given more than once: a pool member and its master). */
  trust?: string[] | undefined;
  /** A cfg's `#vmbackup: fingerprint=`: trusted like --trust, but the cfg keeps it, so it is not pinned in settings. */
  cfgFingerprint?: string | undefined;
  /** --ca FILE: PEM bundle of CAs to trust for this pool. */
  ca?: string | undefined;
  /** --insecure: no certificate check at all (warned about on every run). */
  insecure?: boolean | undefined;
}

export interface OpenPoolOptions {
  /** Asks about a new certificate; default: a question on the terminal when there is one. */
  ask?: ((peer: Peer) => Promise<Verdict>) | undefined;
  /** Who shows a refused login's fix: the command line (default) or the TUI. */
  face?: Face | undefined;
}

export function trustFingerprint(text: string, where = '--trust'): Fingerprint {
  const fp = parseFingerprint(text);
  if (fp === null) throw new VmbackupError('USAGE', `${where} ${text}: not a SHA-256 fingerprint`, 'write SHA256: and the 64 hex digits (colons allowed), as `openssl x509 -noout -fingerprint -sha256` prints them');
  return fp;
}

async function readCa(io: CliIo, file: string): Promise<string> {
  const path = resolve(io.cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new VmbackupError('USAGE', `--ca ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'give the PEM file of the CA that signed the pool certificate');
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new VmbackupError('USAGE', `--ca ${path}: no PEM certificate in it`, 'give a PEM file (-----BEGIN CERTIFICATE-----)');
  return text;
}

/** The rules for one command: pins from settings plus what the flags add. */
export async function trustRulesFor(io: CliIo, flags: TrustFlags, settings: SettingsStore | null): Promise<TrustRules> {
  const rules = emptyRules('run the command again with --trust {fingerprint} (the pin is then kept for later runs)');
  rules.pinned = settings?.allPins() ?? {};
  for (const text of flags.trust ?? []) rules.anywhere.push(trustFingerprint(text));
  if (flags.cfgFingerprint !== undefined) rules.anywhere.push(trustFingerprint(flags.cfgFingerprint, 'fingerprint='));
  if (flags.ca !== undefined) rules.ca = await readCa(io, flags.ca);
  rules.insecure = flags.insecure === true;
  return rules;
}

const VERDICTS: Record<string, Verdict> = { o: 'once', once: 'once', a: 'always', always: 'always', c: 'cancel', cancel: 'cancel', '': 'cancel' };

function terminalAsk(io: CliIo): ((peer: Peer) => Promise<Verdict>) | undefined {
  const tty = io.tty;
  if (!tty) return undefined;
  return async (peer) => {
    io.stderr(`vmbackup: first contact with ${peer.hostPort}; its certificate is not signed by a CA this machine trusts:\n${describePeer(peer)}\nCompare the fingerprint with the host's own (in its console: ${HOST_FINGERPRINT_COMMAND}).\n`);
    for (;;) {
      const answer = (await tty.ask('Trust it? [o]nce / [a]lways (pin it) / [c]ancel: ')).trim().toLowerCase();
      const verdict = VERDICTS[answer];
      if (verdict) return verdict;
    }
  };
}

export async function openPool(io: CliIo, target: PoolTarget, credentials: CredentialSource, flags: TrustFlags, options: OpenPoolOptions = {}): Promise<PoolConnection> {
  const url = new URL(target.url);
  if (flags.insecure) io.stderr(`vmbackup: WARNING: --insecure: the certificate of ${url.host} is not checked; anyone on the network path can read the password\n`);
  else if (url.protocol === 'http:') io.stderr(`vmbackup: WARNING: ${target.url} is plain HTTP: the password crosses the network unencrypted; use https://\n`);
  const settings = SettingsStore.open(io.env);
  const rules = await trustRulesFor(io, flags, settings);
  const policy = new TrustPolicy(rules, {
    ask: options.ask ?? terminalAsk(io),
    remember: (hostPort, fingerprint) => {
      if (flags.cfgFingerprint !== undefined && parseFingerprint(flags.cfgFingerprint) === fingerprint) return;
      const before = rules.pinned[hostPort];
      settings.savePin(hostPort, fingerprint);
      io.stderr(`vmbackup: ${before ? `replaced the pin ${before} of ${hostPort} with` : `pinned ${hostPort} to`} ${fingerprint} (in ${settings.path})\n`);
    },
  });
  try {
    return await PoolConnection.open({ target, credentials, tls: policy });
  } catch (err) {
    // xapi/ cannot know where the password came from, nor which face shows its fix.
    if (err instanceof XapiCallError && err.xapiCode === 'SESSION_AUTHENTICATION_FAILED') {
      throw new VmbackupError(err.code, err.message, authFailureHint(passwordOrigin(credentials), target, options.face ?? 'cli'));
    }
    throw err;
  }
}
