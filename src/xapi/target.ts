/**
 * The seam between "which pool, as whom" and "how we prove it". The credentials issue plugs the
 * keychain, systemd credentials, the TTY prompt and certificate pinning in here; until then a
 * password file, an env var or the legacy argv password feed it.
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

export interface TlsPolicy {
  /**
   * Accept a certificate no CA vouches for. XenServer ships self-signed certificates; until
   * pinning lands (credentials issue), runs accept them as the old script's http:// did.
   */
  allowUnauthorized: boolean;
}
