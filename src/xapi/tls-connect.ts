/**
 * Every TLS socket to the pool is opened here, and handed to its user only after the trust check
 * (tls-trust.ts). xen-api opens sockets in two ways (xapi-notes §1): undici for JSON-RPC,
 * XML-RPC, events and GETs, and node:https (http-request-plus) for PUT imports; our export
 * streams use raw-get.ts. Each gets a connector from this file, so a pin covers all three,
 * redirects to other pool members included.
 *
 * Node still verifies the chain and the host name when told not to reject (`rejectUnauthorized:
 * false`): `socket.authorized` says whether a CA vouches for this name, which the rules accept as
 * they accept a pin.
 */
import { readFileSync } from 'node:fs';
import type { RequestOptions } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, rootCertificates, type TLSSocket } from 'node:tls';
import { Agent as UndiciAgent } from 'undici';
import { hostPort } from './fingerprint.js';
import { judge, peerOf, refusal, type TrustRules } from './tls-trust.js';
import type { TrustPolicy } from './trust-policy.js';

/** XenServer 6.5 and older speak TLS 1.0 only; xen-api allows it, so do we. */
const MIN_VERSION = 'TLSv1' as const;

/**
 * The CA list when --ca is given. An explicit `ca` replaces Node's default store, which would drop
 * the system CAs and NODE_EXTRA_CA_CERTS; both are added back. Built once per CA text: every
 * socket (and every transfer thread) asks for it.
 */
const caLists = new Map<string, string[]>();

export function caList(extraPem: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  if (extraPem === undefined) return undefined;
  let list = caLists.get(extraPem);
  if (!list) {
    list = [...rootCertificates, extraPem];
    const extraFile = env.NODE_EXTRA_CA_CERTS;
    if (extraFile) {
      try {
        list.push(readFileSync(extraFile, 'utf8'));
      } catch {
        // Node itself only warns about an unreadable NODE_EXTRA_CA_CERTS; so do we (by ignoring it).
      }
    }
    caLists.set(extraPem, list);
  }
  return list;
}

function tlsOptions(host: string, port: number, ca: string | undefined, extra: ConnectionOptions = {}): ConnectionOptions {
  const list = caList(ca);
  return {
    host,
    port,
    ...(isIP(host) ? {} : { servername: host }),
    rejectUnauthorized: false,
    minVersion: MIN_VERSION,
    ...(list ? { ca: list } : {}),
    ...extra,
  };
}

/**
 * Opens a TLS socket and resolves it once the policy accepted the peer; destroys it otherwise.
 * `handshakeTimeoutMs` bounds the connect and handshake (not a question the policy asks).
 */
export function checkedTlsSocket(policy: TrustPolicy, host: string, port: number, extra: ConnectionOptions = {}, handshakeTimeoutMs?: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(tlsOptions(host, port, policy.ca, extra));
    const onError = (err: Error) => reject(err);
    socket.once('error', onError);
    if (handshakeTimeoutMs !== undefined) {
      socket.setTimeout(handshakeTimeoutMs, () => socket.destroy(Object.assign(new Error(`no answer from ${host}:${port} within ${handshakeTimeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
    }
    socket.once('secureConnect', () => {
      if (handshakeTimeoutMs !== undefined) socket.setTimeout(0);
      const peer = peerOf(hostPort(host, port), socket.getPeerCertificate(), socket.authorized);
      policy.check(peer).then(
        () => {
          socket.off('error', onError);
          resolve(socket);
        },
        (err: Error) => {
          socket.destroy();
          reject(err);
        },
      );
    });
  });
}

type UndiciConnectOptions = { hostname: string; host?: string; protocol: string; port: string | number; servername?: string | null };
type UndiciCallback = (err: Error | null, socket: Socket | null) => void;

/** undici's `connect` option: plain TCP for http://, checked TLS for https://. */
export function undiciConnector(policy: TrustPolicy) {
  return (opts: UndiciConnectOptions, callback: UndiciCallback): void => {
    const host = opts.hostname.replace(/^\[(.*)\]$/, '$1');
    if (opts.protocol === 'http:') {
      const socket = netConnect({ host, port: Number(opts.port) || 80 });
      socket.setNoDelay(true);
      socket.once('connect', () => callback(null, socket)).once('error', (err) => callback(err, null));
      return;
    }
    checkedTlsSocket(policy, host, Number(opts.port) || 443).then(
      (socket) => {
        socket.setNoDelay(true);
        callback(null, socket);
      },
      (err: Error) => callback(err, null),
    );
  };
}

/** The dispatcher xen-api's RPC, events and GETs go through; xen-api's own timeouts kept. */
export function checkedUndiciAgent(policy: TrustPolicy, inactivityMs: number): UndiciAgent {
  return new UndiciAgent({ bodyTimeout: inactivityMs, headersTimeout: inactivityMs, maxRedirections: 3, connect: undiciConnector(policy) as never });
}

/** For node:https (xen-api's PUT): a connection is handed over only after the check. */
export class CheckedHttpsAgent extends HttpsAgent {
  constructor(
    private readonly policy: TrustPolicy,
    options: AgentOptions = {},
  ) {
    super(options);
  }

  // Node's Agent waits for the callback when createConnection returns nothing (lib/_http_agent.js).
  override createConnection(options: RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    const host = String(options.host ?? 'localhost').replace(/^\[(.*)\]$/, '$1');
    checkedTlsSocket(this.policy, host, Number(options.port) || 443).then(
      (socket) => callback?.(null, socket),
      (err: Error) => callback?.(err, undefined as unknown as Duplex),
    );
    return undefined;
  }
}

/**
 * For raw-get.ts, in a transfer thread: TLS options, and the check to run on `secureConnect`
 * with the rules alone (nobody to ask there). Returns the refusal, or null.
 */
export function rawTlsOptions(rules: TrustRules, host: string, port: number, extra: ConnectionOptions): ConnectionOptions {
  return tlsOptions(host, port, rules.ca, extra);
}

export function checkRawPeer(rules: TrustRules, socket: TLSSocket, host: string, port: number): Error | null {
  const peer = peerOf(hostPort(host, port), socket.getPeerCertificate(), socket.authorized);
  const judgement = judge(rules, peer);
  return judgement.ok ? null : refusal(peer, judgement, rules.repin);
}
