/**
 * The trust rules of one run plus what only the main thread can do: ask the person at the
 * terminal about a certificate seen for the first time, and remember a pin the user accepted
 * (--trust, or "always"). Transfer threads get `snapshot()` and judge on their own.
 */
import { VmbackupError } from '../errors.js';
import type { Fingerprint } from './fingerprint.js';
import { judge, type Peer, refusal, type TrustRules } from './tls-trust.js';

export type Verdict = 'once' | 'always' | 'cancel';

export interface TrustHooks {
  /** At a terminal: about a certificate not seen before (a changed one is refused, never asked). */
  ask?: ((peer: Peer) => Promise<Verdict>) | undefined;
  /** Stores a pin the user accepted; called once per host:port and fingerprint. */
  remember?: ((hostPort: string, fingerprint: Fingerprint) => void) | undefined;
}

export class TrustPolicy {
  private readonly asking = new Map<string, Promise<void>>();
  private readonly remembered = new Set<string>();

  constructor(
    private readonly rules: TrustRules,
    private readonly hooks: TrustHooks = {},
  ) {}

  get insecure(): boolean {
    return this.rules.insecure;
  }

  get ca(): string | undefined {
    return this.rules.ca;
  }

  /** Resolves when `peer` may be talked to; rejects with CERT_UNKNOWN / CERT_CHANGED / CERT_REFUSED. */
  async check(peer: Peer): Promise<void> {
    const judgement = judge(this.rules, peer);
    if (judgement.ok) {
      if (judgement.why === 'given') this.remember(peer);
      return;
    }
    if (judgement.why === 'unknown' && this.hooks.ask) {
      // Several sockets open at once (RPC, events): one question per certificate.
      const key = `${peer.hostPort} ${peer.fingerprint}`;
      let pending = this.asking.get(key);
      if (!pending) {
        pending = this.askAbout(peer);
        this.asking.set(key, pending);
      }
      return pending;
    }
    throw refusal(peer, judgement, this.rules.repin);
  }

  private async askAbout(peer: Peer): Promise<void> {
    const verdict = await this.hooks.ask!(peer);
    if (verdict === 'cancel') throw new VmbackupError('CERT_REFUSED', `the certificate of ${peer.hostPort} was not accepted; nothing was sent`, `to trust it from a script: ${this.rules.repin.replaceAll('{fingerprint}', peer.fingerprint)}`);
    this.accept(peer.hostPort, peer.fingerprint);
    if (verdict === 'always') this.remember(peer);
  }

  private remember(peer: Peer): void {
    const key = `${peer.hostPort} ${peer.fingerprint}`;
    if (this.remembered.has(key)) return;
    this.remembered.add(key);
    this.hooks.remember?.(peer.hostPort, peer.fingerprint);
  }

  /** Accepts a certificate for this run, e.g. one the pool master vouches for. */
  accept(hostPort: string, fingerprint: Fingerprint): void {
    const list = (this.rules.accepted[hostPort] ??= []);
    if (!list.includes(fingerprint)) list.push(fingerprint);
  }

  /** Plain data for transfer threads. */
  snapshot(): TrustRules {
    return structuredClone(this.rules);
  }
}
