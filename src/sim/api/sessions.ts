/**
 * Sessions: login checks the password, answers HOST_IS_SLAVE when the request reached a pool
 * member that is not the master (xen-api then retries at params[0], keeping its port), and
 * logout answers any pending event.from with SESSION_INVALID so clients shut down promptly
 * (xapi-notes §1.12).
 */
import { newRef, type Store } from '../db/store.js';
import { XapiFailure } from '../errors.js';

export interface SessionInfo {
  ref: string;
  user: string;
  /** Aborted at logout; blocking calls of the session listen to it. */
  readonly closed: AbortController;
}

export class Sessions {
  private readonly sessions = new Map<string, SessionInfo>();

  constructor(private readonly store: Store) {}

  /** The master's address and whether `localAddress` belongs to another pool member. */
  private slaveRedirect(localAddress: string): string | null {
    const pool = this.store.rows('pool')[0];
    if (!pool) return null;
    const master = this.store.get(String(pool.record.master));
    const host = this.store.rows('host').find((h) => h.record.address === localAddress);
    if (!master || !host || host.ref === master.ref) return null;
    return String(master.record.address);
  }

  login(user: string, localAddress: string): string {
    const master = this.slaveRedirect(localAddress);
    if (master !== null) throw new XapiFailure('HOST_IS_SLAVE', [master]);
    const ref = newRef();
    this.sessions.set(ref, { ref, user, closed: new AbortController() });
    return ref;
  }

  logout(ref: string): void {
    const session = this.sessions.get(ref);
    if (!session) return;
    this.sessions.delete(ref);
    session.closed.abort(new XapiFailure('SESSION_INVALID', [ref]));
  }

  /** The session, or SESSION_INVALID [ref] as for every call with a bad session. */
  expect(ref: unknown): SessionInfo {
    const session = typeof ref === 'string' ? this.sessions.get(ref) : undefined;
    if (!session) throw new XapiFailure('SESSION_INVALID', [String(ref)]);
    return session;
  }

  get(ref: string): SessionInfo | undefined {
    return this.sessions.get(ref);
  }

  /** Ends every session, as a toolstack restart does (the SESSION_INVALID fault). */
  invalidateAll(): void {
    for (const ref of [...this.sessions.keys()]) this.logout(ref);
  }

  get size(): number {
    return this.sessions.size;
  }
}
