/**
 * Fingerprints and host:port keys at the connection side: the text form lives in
 * util/fingerprint.ts (the cfg parser needs it too); here, a TLS peer's fingerprint and the
 * "host:port" key pins are stored under.
 */
import { isIP } from 'node:net';
import type { PeerCertificate } from 'node:tls';
import { type Fingerprint, fingerprintOfColonHex } from '../util/fingerprint.js';

export { type Fingerprint, fingerprintOfPem, HOST_FINGERPRINT_COMMAND, parseFingerprint } from '../util/fingerprint.js';

/** Of the certificate a TLS peer presented (tls.TLSSocket#getPeerCertificate()). */
export function fingerprintOfPeer(cert: Pick<PeerCertificate, 'fingerprint256'>): Fingerprint {
  return fingerprintOfColonHex(cert.fingerprint256);
}

/** "host:port" as pins are keyed: the port always written, IPv6 in brackets. */
export function hostPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

export function hostPortOf(url: string | URL): string {
  const u = typeof url === 'string' ? new URL(url) : url;
  return hostPort(u.hostname.replace(/^\[(.*)\]$/, '$1'), Number(u.port) || (u.protocol === 'http:' ? 80 : 443));
}
