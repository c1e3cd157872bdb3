/**
 * Plain-HTTP helpers for simulator tests that look at bytes: a JSON-RPC caller and raw GET/PUT,
 * without any XAPI client library in between.
 */
import { request } from 'node:http';
import type { Simulator } from '../../src/sim/index.js';

export async function rpc<T = unknown>(sim: Simulator, method: string, ...params: unknown[]): Promise<T> {
  const res = await fetch(`${sim.url}/jsonrpc`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const reply = (await res.json()) as { result?: T; error?: { message: string; data: string[] } };
  if (reply.error) throw Object.assign(new Error(`${reply.error.message}(${reply.error.data.join(', ')})`), { code: reply.error.message, params: reply.error.data });
  return reply.result as T;
}

export async function login(sim: Simulator): Promise<string> {
  return rpc<string>(sim, 'session.login_with_password', sim.user, sim.password);
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** GET or PUT over node:http, reading the close-delimited body to the end. */
export function raw(sim: Simulator, method: 'GET' | 'PUT', path: string, body?: Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(`${sim.url}${path}`, { method, headers: body ? { 'content-length': String(body.length) } : {} }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Polls a task until it leaves "pending" (the HTTP handlers finish it after the stream). */
export async function taskOutcome(sim: Simulator, session: string, task: string): Promise<{ status: string; result: string; error_info: string[] }> {
  for (let i = 0; i < 200; i++) {
    const record = await rpc<{ status: string; result: string; error_info: string[] }>(sim, 'task.get_record', session, task);
    if (record.status !== 'pending') return record;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`task ${task} still pending`);
}

export function vmRef(sim: Simulator, name: string): string {
  const row = sim.state.store.rows('VM').find((v) => v.record.name_label === name);
  if (!row) throw new Error(`no VM ${name}`);
  return row.ref;
}
