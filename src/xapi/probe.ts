/**
 * Is the pool there? Two questions asked without a byte of a request:
 * - before login, `probePool`: one TLS handshake, judged by the trust rules (which may ask the
 *   person at the terminal), or a TCP connect for http://. So an unreachable pool or an untrusted
 *   certificate is reported before anyone is asked for a password, and before a password is
 *   looked for at all.
 * - during a run, `reachable`: a TCP connect, to tell a pool that died (refused, reset, no route)
 *   from one call that failed.
 */
import { connect as netConnect } from 'node:net';
import { checkedTlsSocket } from './tls-connect.js';
import type { TrustPolicy } from './trust-policy.js';

/** How long a connect may take before the pool counts as not answering. */
export const PROBE_TIMEOUT_MS = 15_000;

function endpoint(url: string): { host: string; port: number; https: boolean } {
  const u = new URL(url);
  const https = u.protocol === 'https:';
  return { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(u.port) || (https ? 443 : 80), https };
}

function timedOut(host: string, port: number, ms: number): Error {
  return Object.assign(new Error(`no answer from ${host}:${port} within ${ms / 1000} s`), { code: 'ETIMEDOUT' });
}

/** Resolves once a TCP connection to the pool's address was accepted (and closes it). */
export function reachable(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<void> {
  const { host, port } = endpoint(url);
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port });
    socket.setTimeout(timeoutMs, () => socket.destroy(timedOut(host, port, timeoutMs)));
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

/**
 * Resolves when the pool answers and its certificate is accepted (asking, through the policy,
 * when the rules allow a question); rejects with the refusal (CERT_UNKNOWN, CERT_CHANGED,
 * CERT_REFUSED) or the network error. Nothing is written on the connection.
 */
export async function probePool(url: string, tls: TrustPolicy, timeoutMs = PROBE_TIMEOUT_MS): Promise<void> {
  const { host, port, https } = endpoint(url);
  if (!https) return reachable(url, timeoutMs);
  const socket = await checkedTlsSocket(tls, host, port, {}, timeoutMs);
  socket.destroy();
}
