/**
 * Which server certificates a connection to the pool accepts. XenServer hosts serve self-signed
 * certificates; the old script could not talk to them (NAU #59, #94) and Xen Orchestra stops
 * checking. We pin instead: trust on first use per host:port, by SHA-256 fingerprint.
 *
 * A certificate is accepted when
 * - the pool's URL is checked by a CA (system store, NODE_EXTRA_CA_CERTS or --ca) for this host name;
 * - or its fingerprint is pinned for this host:port (settings), or given for this run (--trust,
 *   `#vmbackup: fingerprint=`), or vouched for by the pool master we already trust
 *   (host.get_server_certificate: how an export redirected to a pool member stays checked);
 * - or, at a terminal, the person says so.
 * The check runs on the TLS handshake, before a single byte of the request (the password, the
 * session id) is written. `TrustRules` is plain data, so transfer threads check the same way.
 */
import type { PeerCertificate } from 'node:tls';
import { VmbackupError } from '../errors.js';
import { type Fingerprint, fingerprintOfPeer, HOST_FINGERPRINT_COMMAND } from './fingerprint.js';

export interface TrustRules {
  /** --insecure: no check at all. */
  insecure: boolean;
  /** PEM of extra CAs (--ca FILE), added to the system's. */
  ca?: string | undefined;
  /** host:port → the fingerprint pinned in settings (a change is refused). */
  pinned: Record<string, Fingerprint>;
  /** host:port → fingerprints accepted in this run (vouched by the pool, or "once" at the prompt). */
  accepted: Record<string, Fingerprint[]>;
  /** Given for this run (--trust, a cfg directive): accepted at any host of the run. */
  anywhere: Fingerprint[];
  /** The command that pins a fingerprint, for messages; `{fingerprint}` is replaced. */
  repin: string;
}

export interface Peer {
  hostPort: string;
  fingerprint: Fingerprint;
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  /** A CA vouches for it, for this host name. */
  caVerified: boolean;
}

export function peerOf(hostPort: string, cert: PeerCertificate, caVerified: boolean): Peer {
  const name = (part: Record<string, unknown> | undefined) =>
    Object.entries(part ?? {})
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(', ') || '(none)';
  return {
    hostPort,
    fingerprint: fingerprintOfPeer(cert),
    subject: name(cert.subject as unknown as Record<string, unknown>),
    issuer: name(cert.issuer as unknown as Record<string, unknown>),
    validFrom: cert.valid_from,
    validTo: cert.valid_to,
    caVerified,
  };
}

export type Judgement =
  | { ok: true; why: 'insecure' | 'ca' | 'pinned' | 'accepted' | 'given' }
  | { ok: false; why: 'unknown' }
  /** `expected`: the pin, or what the pool master said this member serves. */
  | { ok: false; why: 'changed'; expected: Fingerprint; by: 'pin' | 'pool' };

/** Pure: what the rules say about a peer. */
export function judge(rules: TrustRules, peer: Peer): Judgement {
  if (rules.insecure) return { ok: true, why: 'insecure' };
  if (peer.caVerified) return { ok: true, why: 'ca' };
  const pinned = rules.pinned[peer.hostPort];
  if (pinned === peer.fingerprint) return { ok: true, why: 'pinned' };
  if (rules.accepted[peer.hostPort]?.includes(peer.fingerprint)) return { ok: true, why: 'accepted' };
  // An explicit --trust replaces an old pin: that is how a renewed certificate is re-pinned.
  if (rules.anywhere.includes(peer.fingerprint)) return { ok: true, why: 'given' };
  if (pinned !== undefined) return { ok: false, why: 'changed', expected: pinned, by: 'pin' };
  const vouched = rules.accepted[peer.hostPort]?.[0];
  return vouched === undefined ? { ok: false, why: 'unknown' } : { ok: false, why: 'changed', expected: vouched, by: 'pool' };
}

export function describePeer(peer: Peer): string {
  return [`  subject:     ${peer.subject}`, `  issuer:      ${peer.issuer}`, `  valid:       ${peer.validFrom} to ${peer.validTo}`, `  fingerprint: ${peer.fingerprint}`].join('\n');
}

const compare = `compare it with the host's own: \`${HOST_FINGERPRINT_COMMAND}\` in its console`;

/** The refusal for a judgement that is not ok; names both fingerprints on a change. */
export function refusal(peer: Peer, judgement: Exclude<Judgement, { ok: true }>, repinTemplate: string): VmbackupError {
  const repin = (fp: Fingerprint) => repinTemplate.replaceAll('{fingerprint}', fp);
  if (judgement.why === 'changed') {
    return new VmbackupError(
      'CERT_CHANGED',
      `the certificate of ${peer.hostPort} is not the expected one: ${judgement.by === 'pin' ? 'pinned' : 'the pool master says'} ${judgement.expected}, presented ${peer.fingerprint}; nothing was sent. This is what a man-in-the-middle looks like; it is also what a renewed host certificate looks like.\n${describePeer(peer)}`,
      `${compare}; if it is the host's new certificate, re-pin it: ${repin(peer.fingerprint)}`,
    );
  }
  return new VmbackupError(
    'CERT_UNKNOWN',
    `the certificate of ${peer.hostPort} is not trusted yet (self-signed or unknown CA), and there is no terminal to ask; nothing was sent.\n${describePeer(peer)}`,
    `${compare}; then trust it: ${repin(peer.fingerprint)}, or give --ca FILE for a pool with a CA`,
  );
}

export function emptyRules(repin = '--trust {fingerprint}'): TrustRules {
  return { insecure: false, pinned: {}, accepted: {}, anywhere: [], repin };
}
