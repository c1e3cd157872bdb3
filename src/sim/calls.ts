/**
 * Every RPC call and HTTP request the simulator receives, in order, with its raw parameters, so
 * tests can assert on what a client really sent (e.g. "no login was attempted after a TLS pin
 * mismatch", "the password never travelled").
 */
export interface CallRecord {
  at: number;
  kind: 'rpc' | 'http';
  /** RPC method name, or "GET /export" for HTTP. */
  name: string;
  /** RPC params as received; for HTTP, the query as an object. */
  params: unknown;
  transport?: 'json-rpc' | 'xml-rpc';
  /** The simulator address the request arrived at (which host). */
  localAddress: string;
}

export class CallLog {
  readonly records: CallRecord[] = [];

  add(record: Omit<CallRecord, 'at'>): void {
    this.records.push({ at: Date.now(), ...record });
  }

  /** Calls whose name is `name` (e.g. "session.login_with_password" or "GET /export"). */
  named(name: string): CallRecord[] {
    return this.records.filter((r) => r.name === name);
  }

  /** True when `text` appears anywhere in any recorded parameter. */
  sawText(text: string): boolean {
    return this.records.some((r) => JSON.stringify(r.params).includes(text));
  }

  clear(): void {
    this.records.length = 0;
  }
}
