/**
 * The text form of a certificate fingerprint, shared by the cfg parser (`#vmbackup:
 * fingerprint=`) and the connection code: "SHA256:" and 64 lower-case hex digits. Input is
 * forgiving, because users paste what they have: `openssl x509 -fingerprint -sha256` prints
 * upper-case hex with colons, and some tools drop the prefix.
 */
import { X509Certificate } from 'node:crypto';

export type Fingerprint = `SHA256:${string}`;

/** Normalises a pasted fingerprint; null when it is not one. */
export function parseFingerprint(text: string): Fingerprint | null {
  const body = text.trim().replace(/^sha-?256(?: fingerprint)?[:=]/i, '').replace(/[:\s]/g, '');
  return /^[0-9a-f]{64}$/i.test(body) ? `SHA256:${body.toLowerCase()}` : null;
}

/** How to read a host's own fingerprint on the host, for messages that ask to compare. */
export const HOST_FINGERPRINT_COMMAND = 'openssl x509 -in /etc/xensource/xapi-ssl.pem -noout -fingerprint -sha256';

/** Of a PEM certificate (the simulator's own, one a pool reports, one a test made). */
export function fingerprintOfPem(pem: string): Fingerprint {
  return fingerprintOfColonHex(new X509Certificate(pem).fingerprint256);
}

/** From Node's `fingerprint256` form ("AB:CD:..."). */
export function fingerprintOfColonHex(hex: string): Fingerprint {
  return `SHA256:${hex.replace(/:/g, '').toLowerCase()}`;
}
