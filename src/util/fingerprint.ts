/**
 * The text form of a certificate fingerprint, shared by the cfg parser (`#vmbackup:
 * fingerprint=`) and the connection code: "SHA256:" and 64 lower-case hex digits. Input is
 * forgiving, because users paste what they have: `openssl x509 -fingerprint -sha256` prints
 * upper-case hex with colons, and some tools drop the prefix.
 */
export type Fingerprint = `SHA256:${string}`;

/** Normalises a pasted fingerprint; null when it is not one. */
export function parseFingerprint(text: string): Fingerprint | null {
  const body = text.trim().replace(/^sha-?256(?: fingerprint)?[:=]/i, '').replace(/[:\s]/g, '');
  return /^[0-9a-f]{64}$/i.test(body) ? `SHA256:${body.toLowerCase()}` : null;
}
