/**
 * One session with a pool, over the xen-api client (either transport): check that the pool
 * answers and its certificate is trusted, then log in (the client follows HOST_IS_SLAVE), read
 * typed records from its event-fed cache, call methods with XAPI errors turned into ours, stream
 * HTTP exports under a task we own (so we can cancel it and read its result), notice when the
 * pool goes away (link-watch.ts), and log out at the end (XAPI caps sessions at 500 per user).
 */
import { createClient, type Xapi } from 'xen-api';
import { poolError } from './errors.js';
import { openTransfer, type TransferTicket } from './transfer-ticket.js';
import { type Lookup, type Raw, str, type VmInfo, vmInfo } from './records.js';
import { VmbackupError } from '../errors.js';
import { fingerprintOfPem, hostPort } from './fingerprint.js';
import type { CredentialSource, PoolTarget } from './target.js';
import { installCheckedConnectors } from './client-internals.js';
import type { TrustPolicy } from './trust-policy.js';
import { captureClientWarnings } from './client-warnings.js';
import { LinkWatch } from './link-watch.js';
import { probePool } from './probe.js';
import { within } from '../util/within.js';

export interface ConnectOptions {
  target: PoolTarget;
  credentials: CredentialSource;
  tls: TrustPolicy;
  transport?: 'auto' | 'json-rpc' | 'xml-rpc';
  /** Per-call limit; long operations run as tasks and are not bound by it. */
  callTimeoutMs?: number;
}

/** How long close() waits for the logout to be answered. */
const CLOSE_WAIT_MS = 2_000;

/** Classes the engine reads; fewer than everything keeps the first fetch small on big pools. */
const WATCHED = ['pool', 'host', 'VM', 'VBD', 'VDI', 'VIF', 'network', 'SR', 'task', 'VM_guest_metrics'];

export class PoolConnection {
  private readonly noticeListeners = new Set<(message: string) => void>();
  private pendingNotices: string[] = [];
  /** Lost when a transport failure is confirmed by a failed connect (link-watch.ts). */
  readonly link: LinkWatch;

  private constructor(
    readonly xapi: Xapi,
    /** The URL of the pool master we talk to (after a HOST_IS_SLAVE redirect, the master's). */
    readonly url: string,
    private readonly tls: TrustPolicy,
    private readonly agents: { close(): Promise<void> },
    private readonly stopWarnings: () => void,
  ) {
    this.link = new LinkWatch(url, () => this.poolName(), (message) => this.notice(message));
  }

  /**
   * Exports of disks on a member's local storage are redirected (302) to that member, which
   * serves its own certificate. The master, whose certificate we checked, tells us each member's
   * (host.get_server_certificate); those are accepted at the members' addresses for this run.
   */
  private async acceptMemberCertificates(): Promise<void> {
    const base = new URL(this.url);
    if (base.protocol !== 'https:' || this.tls.insecure) return;
    const port = Number(base.port) || 443;
    const failed: string[] = [];
    // One call per member, all at once: start-up should not grow with the pool's size.
    await Promise.all(
      this.recordsOf('host').map(async (host) => {
        const address = str(host.address);
        if (!address) return;
        try {
          const pem = await this.xapi.call<string>('host.get_server_certificate', host.$ref);
          this.tls.accept(hostPort(address, port), fingerprintOfPem(pem));
        } catch (err) {
          failed.push(`${str(host.name_label) || address} (${poolError(err, 'host.get_server_certificate').message})`);
        }
      }),
    );
    if (failed.length > 0) this.notice(`could not read the certificates of ${failed.join(', ')}: an export redirected to such a member is refused unless its fingerprint is pinned or given with --trust`);
  }

  /**
   * Things the client recovered from on its own that a sysadmin should still read in the log
   * (a redirect to the master, a renewed session). Notices from before the first listener are
   * kept for it.
   */
  onNotice(listener: (message: string) => void): () => void {
    for (const message of this.pendingNotices) listener(message);
    this.pendingNotices = [];
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  private notice(message: string): void {
    if (this.noticeListeners.size === 0) this.pendingNotices.push(message);
    for (const listener of this.noticeListeners) listener(message);
  }

  static async open(options: ConnectOptions): Promise<PoolConnection> {
    // The pool must answer, with a certificate we trust, before anyone is asked for a password
    // (or a password source is even looked at): nothing is written on this connection.
    try {
      await probePool(options.target.url, options.tls);
    } catch (err) {
      if (err instanceof VmbackupError) throw err;
      throw poolError(err, `logging in to ${options.target.url} as ${options.target.user}`);
    }
    const { user, password } = await options.credentials(options.target);
    const xapi = createClient({
      url: options.target.url,
      auth: { user, password },
      // Our connectors (tls-connect.ts) check every certificate; the client's own check is off.
      allowUnauthorized: true,
      transport: options.transport ?? 'auto',
      callTimeout: options.callTimeoutMs ?? 5 * 60_000,
      // Recover from a transient event error in seconds, not the default minute.
      eventPollDelay: 5_000,
      // XAPI sends keep-alive chunks every ~5 s during exports; 15 min of silence is a dead transfer.
      httpInactivityTimeout: 15 * 60_000,
      watchEvents: WATCHED,
    });
    const agents = installCheckedConnectors(xapi, options.tls, options.target.url);
    // The client's own warnings, one line each and each once, for the log (client-warnings.ts).
    const seen = new Set<string>();
    let route: (line: string) => void = () => undefined;
    const stopWarnings = captureClientWarnings((line) => {
      if (seen.has(line)) return;
      seen.add(line);
      route(line);
    });
    const early: string[] = [];
    route = (line) => early.push(line);
    try {
      await xapi.connect();
      await xapi.objectsFetched;
    } catch (err) {
      stopWarnings();
      await xapi.disconnect().catch(() => undefined);
      await agents.close();
      // A refused certificate is ours already, with its own fix; everything else gets context.
      if (err instanceof VmbackupError) throw err;
      throw poolError(err, `logging in to ${options.target.url} as ${user}`);
    }
    // The client follows HOST_IS_SLAVE by itself and keeps the master's address only in a
    // private field; xen-api is pinned, and the HOST_IS_SLAVE test fails should this change.
    const given = new URL(options.target.url);
    const actual = (xapi as unknown as { _url?: { hostname?: string } })._url?.hostname;
    const url = new URL(options.target.url);
    if (actual && actual !== given.hostname) url.hostname = actual;
    const conn = new PoolConnection(xapi, url.origin, options.tls, agents, stopWarnings);
    for (const line of early) conn.notice(line);
    route = (line) => conn.notice(line);
    // The event feed is the first to feel a pool that went away, and the first to see it back.
    xapi.on('eventFetchingError', (err: unknown) => void conn.link.suspect(err, 'reading the pool\'s events'));
    xapi.on('eventFetchingSuccess', () => conn.link.restored());
    await conn.acceptMemberCertificates();
    if (url.hostname !== given.hostname) {
      conn.notice(`${given.hostname} is a pool member, not the master (HOST_IS_SLAVE): connected to the master ${url.hostname}; set #vmbackup: pool=${url.origin} to skip the detour`);
    }
    xapi.on('sessionId', () => conn.notice('the pool ended our session (SESSION_INVALID, e.g. a toolstack restart): logged in again, the run goes on'));
    return conn;
  }

  /** Records by ref from the client's cache, which events keep current. */
  readonly lookup: Lookup = (ref: string) => this.xapi.getObjectByRef(ref, undefined) as Raw | undefined;

  private recordsOf(type: string): Raw[] {
    return Object.values(this.xapi.objects.indexes.type[type] ?? {}) as Raw[];
  }

  vms(): VmInfo[] {
    return this.recordsOf('VM')
      .map((r) => vmInfo(String(r.$ref), this.lookup))
      .filter((v): v is VmInfo => v !== null);
  }

  vm(ref: string): VmInfo | null {
    return vmInfo(ref, this.lookup);
  }

  /** The pool master's name (the status log and the METADATA_ folder use its short form). */
  masterName(): string {
    const pool = this.recordsOf('pool')[0];
    const master = pool ? this.lookup(str(pool.master)) : undefined;
    return str(master?.hostname) || str(master?.name_label) || new URL(this.url).hostname;
  }

  poolName(): string {
    return str(this.recordsOf('pool')[0]?.name_label) || this.masterName();
  }

  /**
   * Calls `listener` with the pool's own progress (0..1) of a task whenever events bring a new
   * value: for an export it counts what the host has read from the disk, which the bytes we
   * received (compressed, or with zero chunks left out) cannot tell.
   */
  onTaskProgress(taskRef: string, listener: (progress: number) => void): () => void {
    let last = -1;
    const handler = (items: Record<string, { $ref?: unknown; progress?: unknown }>) => {
      for (const item of Object.values(items)) {
        if (item.$ref !== taskRef) continue;
        const progress = Number(item.progress);
        if (Number.isFinite(progress) && progress !== last) listener((last = progress));
      }
    };
    this.xapi.objects.on('add', handler);
    this.xapi.objects.on('update', handler);
    return () => {
      this.xapi.objects.off('add', handler);
      this.xapi.objects.off('update', handler);
    };
  }

  /** Waits until the cache has seen every change made so far (xen-api's barrier). */
  async settle(): Promise<void> {
    await this.xapi.barrier();
  }

  /** Once the pool is gone, every call fails at once with CONNECTION_LOST instead of timing out. */
  async call<T = unknown>(doing: string, method: string, ...args: unknown[]): Promise<T> {
    this.link.throwIfLost(doing);
    try {
      return await this.link.race(this.xapi.call<T>(method, ...args), doing);
    } catch (err) {
      throw (await this.link.suspect(err, doing)) ?? poolError(err, doing);
    }
  }

  /** A call run as an XAPI task (Async.*); aborting `signal` cancels the task. */
  async callAsync<T = unknown>(doing: string, signal: AbortSignal | undefined, method: string, ...args: unknown[]): Promise<T> {
    this.link.throwIfLost(doing);
    const pending = this.xapi.callAsync<T>(method, ...args) as Promise<T> & { cancel?: () => void };
    const onAbort = () => pending.cancel?.();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.link.race(pending, doing);
    } catch (err) {
      throw (await this.link.suspect(err, doing)) ?? poolError(err, doing);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * A transfer of `path` under a task we create (see transfer-ticket.ts); the GET itself is
   * made by whoever takes the ticket, often another thread.
   */
  async transfer(doing: string, path: string, query: Record<string, string>, signal?: AbortSignal): Promise<TransferTicket> {
    this.link.throwIfLost(doing);
    try {
      return await openTransfer(this.xapi, { base: this.url, trust: this.tls.snapshot(), link: this.link }, doing, path, query, signal);
    } catch (err) {
      throw (await this.link.suspect(err, doing)) ?? err;
    }
  }

  async close(): Promise<void> {
    this.stopWarnings();
    // disconnect() sends session.logout without waiting for it (XAPI caps sessions at 500 per
    // user, so it must arrive). Our dispatcher's graceful close waits for what is in flight: the
    // logout, and the pending event.from it ends. Bounded, in case a pool keeps that call open.
    await this.xapi.disconnect().catch(() => undefined);
    await within(this.agents.close().catch(() => undefined), CLOSE_WAIT_MS);
  }

}
