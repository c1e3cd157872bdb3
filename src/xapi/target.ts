/**
 * The seam between "which pool, as whom" and "how we prove it": a function that yields the
 * password (cli/credentials.ts: password file, systemd credentials, keychain, env, prompt) and a
 * trust policy for the certificate (cli/pool-access.ts builds it from settings and flags).
 */
export interface PoolTarget {
  /** https://host[:port] (or http://) of the pool master. */
  url: string;
  user: string;
}

export interface Credentials {
  user: string;
  password: string;
}

/** Yields the password for a target, from wherever this run gets it. Never logs it. */
export type CredentialSource = (target: PoolTarget) => Promise<Credentials>;

/** Which certificates the connection accepts, and who to ask about a new one: trust-policy.ts. */
export type { TrustPolicy } from './trust-policy.js';
