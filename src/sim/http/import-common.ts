/** What PUT /import and PUT /import_raw_vdi share: probe detection, body reading, SR choice. */
import type { IncomingMessage } from 'node:http';
import { XapiFailure } from '../errors.js';
import type { SimState } from '../state.js';
import type { TransferContext } from './transfer.js';

/** xen-api's 1 PiB content-length, declared when it streams a body of unknown length. */
export const PIB = 2 ** 50;

/**
 * xen-api's redirect probe (xapi-notes §1.10): a PUT without task_id whose body is empty, or
 * declared as 1 PiB when the real request uses the same hack. It must get headers and nothing
 * else; it is never an import.
 */
export function isProbe(req: IncomingMessage): boolean {
  const url = new URL(req.url ?? '/', 'http://sim');
  if (url.searchParams.has('task_id')) return false;
  const length = req.headers['content-length'];
  return length === '0' || Number(length) === PIB;
}

/**
 * The request body. With the 1 PiB hack the client closes the connection after its data instead
 * of ending the request, so a close also ends the body; whether the data was complete is for the
 * format parser to tell.
 */
export async function* readBody(t: TransferContext): AsyncGenerator<Buffer> {
  const { req } = t;
  const queue: Buffer[] = [];
  let done = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  const onData = (chunk: Buffer) => {
    queue.push(chunk);
    if (queue.length > 16) req.pause();
    notify();
  };
  const finish = () => {
    done = true;
    notify();
  };
  req.on('data', onData);
  req.on('end', finish);
  req.on('close', finish);
  req.on('error', finish);
  // A task.cancel must act while the client sends nothing (a paused upload), not at its next byte.
  t.signal.addEventListener('abort', notify);
  try {
    for (;;) {
      if (t.signal.aborted && !(t.signal.reason instanceof XapiFailure && t.signal.reason.code === 'CLIENT_ERROR')) throw t.signal.reason;
      const next = queue.shift();
      if (next) {
        if (queue.length < 4) req.resume();
        yield next;
        continue;
      }
      if (done) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    // Whoever stops reading early (a failed import) must not leave the request paused.
    req.off('data', onData);
    req.off('end', finish);
    req.off('close', finish);
    req.off('error', finish);
    t.signal.removeEventListener('abort', notify);
  }
}

/** sr_id, sr_uuid, or the pool's default SR (DEFAULT_SR_NOT_FOUND when that is unset). */
export function resolveSr(sim: SimState, query: URLSearchParams): string {
  const byRef = query.get('sr_id');
  if (byRef) return sim.store.expect('SR', byRef).ref;
  const uuid = query.get('sr_uuid');
  if (uuid) {
    const row = sim.store.byUuid('SR', uuid);
    if (!row) throw new XapiFailure('UUID_INVALID', ['SR', uuid]);
    return row.ref;
  }
  const pool = sim.store.rows('pool')[0];
  const sr = pool && sim.store.get(String(pool.record.default_SR));
  if (!sr) throw new XapiFailure('DEFAULT_SR_NOT_FOUND', [String(pool?.record.default_SR ?? '')]);
  return sr.ref;
}
