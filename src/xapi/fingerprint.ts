/**
 * Certificate fingerprints as vmbackup writes and reads them: "SHA256:" and the 64 hex digits of
 * the SHA-256 of the certificate's DER bytes, lower case, no colons. Input is forgiving, because
 * users paste what they have: `openssl x509 -fingerprint -sha256` prints upper-case hex with
 * colons, the host console shows it with or without the "SHA256:" prefix.
 */
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';

import type { Fingerprint } from '../util/fingerprint.js';

export { type Fingerprint, parseFingerprint } from '../util/fingerprint.js';

export function fingerprintOfPem(pem: string): Fingerprint {
  return fromColonHex(new X509Certificate(pem).fingerprint256);
}

/** Of the certificate a TLS peer presented (tls.TLSSocket#getPeerCertificate()). */
export function fingerprintOfPeer(cert: Pick<PeerCertificate, 'fingerprint256'>): Fingerprint {
  return fromColonHex(cert.fingerprint256);
}

function fromColonHex(hex: string): Fingerprint {
  return `SHA256:${hex.replace(/:/g, '').toLowerCase()}`;
}

/** "host:port" as pins are keyed: the port always written, IPv6 in brackets. */
export function hostPortOf(url: string | URL): string {
  const u = typeof url === 'string' ? new URL(url) : url;
  const port = u.port || (u.protocol === 'http:' ? '80' : '443');
  return `${u.hostname}:${port}`;
}
