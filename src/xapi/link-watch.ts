/**
 * Whether the pool can still be reached, once we are logged in. A pool master that dies (power,
 * a killed toolstack, the network) shows up as a refused or reset connection somewhere: the
 * event feed, an export stream, a call. On such a failure the address is tried once (a TCP
 * connect); if that fails too, the connection counts as lost: every waiting task result and
 * call fails at once with CONNECTION_LOST, and later calls fail without trying, instead of each
 * waiting for its own timeout (two minutes for a task result, five for a call). The event feed
 * answering again ends the state.
 */
import { setMaxListeners } from 'node:events';
import { VmbackupError } from '../errors.js';
import { PROBE_TIMEOUT_MS, reachable } from './probe.js';

/** Error codes of a connection that failed below HTTP (node:net, undici). */
const LINK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** A transport failure (not a XAPI error, which comes with params). */
export function isLinkError(err: unknown): boolean {
  const e = err as { code?: unknown; params?: unknown; cause?: { code?: unknown } } | null;
  if (!e || Array.isArray(e.params)) return false;
  return LINK_CODES.has(String(e.code)) || LINK_CODES.has(String(e.cause?.code));
}

export class LinkWatch {
  #reason: string | null = null;
  #controller = new AbortController();
  #checking: Promise<boolean> | null = null;

  constructor(
    private readonly url: string,
    /** The pool's name, read when the error is made (the cache knows it after login). */
    private readonly poolName: () => string,
    private readonly notice: (message: string) => void,
  ) {
    setMaxListeners(0, this.#controller.signal);
  }

  get lost(): boolean {
    return this.#reason !== null;
  }

  /** The error a step that needed the pool fails with while the connection is lost. */
  errorFor(doing: string): VmbackupError {
    return new VmbackupError(
      'CONNECTION_LOST',
      `${doing} failed: the connection to the pool ${this.poolName()} (${this.url}) was lost (${this.#reason ?? 'no answer'})`,
      'check that the pool master is up and reachable from this host; snapshots left on the pool are tagged and the next run removes them',
    );
  }

  throwIfLost(doing: string): void {
    if (this.#reason !== null) throw this.errorFor(doing);
  }

  /**
   * Tries the pool's address now (one check at a time); resolves true when it is lost. Called
   * after a transport error, or when a stream ended early for no reason the pool gave yet.
   */
  check(): Promise<boolean> {
    if (this.#reason !== null) return Promise.resolve(true);
    this.#checking ??= reachable(this.url, PROBE_TIMEOUT_MS)
      .then(
        () => false,
        (err: unknown) => {
          this.#lose(String((err as Error)?.message ?? err));
          return true;
        },
      )
      .finally(() => (this.#checking = null));
    return this.#checking;
  }

  /** After a failure: the CONNECTION_LOST error when it was the pool going away, else null. */
  async suspect(err: unknown, doing: string): Promise<VmbackupError | null> {
    if (this.#reason === null && !isLinkError(err)) return null;
    return (await this.check()) ? this.errorFor(doing) : null;
  }

  /** The pool answered again (the event feed works). */
  restored(): void {
    if (this.#reason === null) return;
    this.#reason = null;
    this.#controller = new AbortController();
    setMaxListeners(0, this.#controller.signal);
    this.notice(`the pool ${this.poolName()} (${this.url}) answers again`);
  }

  /** `pending`, or a CONNECTION_LOST error as soon as the connection is lost. */
  race<T>(pending: Promise<T>, doing: string): Promise<T> {
    if (this.#reason !== null) return Promise.reject(this.errorFor(doing));
    const signal = this.#controller.signal;
    return new Promise<T>((resolve, reject) => {
      const onLost = () => reject(this.errorFor(doing));
      signal.addEventListener('abort', onLost, { once: true });
      pending.then(
        (value) => {
          signal.removeEventListener('abort', onLost);
          resolve(value);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onLost);
          reject(err);
        },
      );
    });
  }

  #lose(reason: string): void {
    if (this.#reason !== null) return;
    this.#reason = reason;
    this.notice(`lost the connection to the pool ${this.poolName()} (${this.url}): ${reason}`);
    this.#controller.abort();
  }
}
