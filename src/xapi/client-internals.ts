/**
 * Puts our certificate-checking connectors into a xen-api client. xen-api 4.7 takes no agent or
 * dispatcher option (only `allowUnauthorized`, which checks nothing), so we replace the two it
 * builds in its constructor: `_undiciDispatcher` (JSON-RPC, XML-RPC, events, getResource) and
 * `_httpAgent` (putResource through node:https), then rebuild the transport, which captured the
 * dispatcher. xen-api is pinned to an exact version; should these fields change, this throws
 * instead of silently connecting unchecked, and test/xapi/tls-trust.test.ts fails.
 */
import type { Xapi } from 'xen-api';
import { VmbackupError } from '../errors.js';
import { CheckedHttpsAgent, checkedUndiciAgent } from './tls-connect.js';
import type { TrustPolicy } from './trust-policy.js';

interface ClientInternals {
  _undiciDispatcher?: unknown;
  _httpAgent?: unknown;
  _url?: unknown;
  _httpInactivityTimeout?: number;
  _setUrl?: (url: unknown) => void;
}

export function installCheckedConnectors(xapi: Xapi, policy: TrustPolicy, poolUrl: string): { close(): Promise<void> } {
  const client = xapi as unknown as ClientInternals;
  if (!('_undiciDispatcher' in client) || typeof client._setUrl !== 'function' || client._url === undefined) {
    throw new VmbackupError('INTERNAL', 'this xen-api version does not expose the connection internals vmbackup checks certificates through', 'reinstall vmbackup with its pinned dependencies (npm ci)');
  }
  const dispatcher = checkedUndiciAgent(policy, client._httpInactivityTimeout ?? 5 * 60_000);
  client._undiciDispatcher = dispatcher;
  const https = new URL(poolUrl).protocol === 'https:';
  const agent = https ? new CheckedHttpsAgent(policy) : undefined;
  if (agent) client._httpAgent = agent;
  client._setUrl(client._url);
  return {
    async close() {
      agent?.destroy();
      await dispatcher.close();
    },
  };
}
