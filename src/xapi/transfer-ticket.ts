/**
 * An HTTP transfer under a task we own: we create the task and pass its ref as task_id, so we
 * can cancel the transfer on the pool and read its result. The result matters because a
 * failure after the headers only truncates the stream (xapi-notes §2.1): the stream's end says
 * nothing, the task does. The ticket carries the URL for the GET (raw-get.ts), which the engine
 * makes on a worker thread.
 */
import type { Xapi } from 'xen-api';
import type { VmbackupError } from '../errors.js';
import { within } from '../util/within.js';
import { poolError } from './errors.js';
import type { LinkWatch } from './link-watch.js';
import type { TrustRules } from './tls-trust.js';

export interface TransferTicket {
  /** The resource's URL, session_id and task_id included. */
  url: string;
  /** The certificate rules for the GET (and its redirects), as plain data for a thread. */
  trust: TrustRules;
  taskRef: string;
  /**
   * Resolves when the pool says the transfer completed, rejects (with our error) otherwise:
   * CONNECTION_LOST at once when the pool goes away meanwhile.
   */
  result: Promise<unknown>;
  /**
   * Why a transfer failed on the wire (a socket error, an HTTP status): CONNECTION_LOST when
   * the pool no longer answers, the task's own error when the pool records one within a few
   * seconds (an HTTP 500, a disk read error), else `err` as ours. Never asked about a transfer
   * our side stopped (a verifier's refusal, a full disk): the task's error would then be the
   * pool's reaction to our close (CLIENT_ERROR), not the cause (backup/download.ts).
   */
  explain(err: unknown): Promise<VmbackupError>;
  /**
   * The stream ended early with no error of its own: checks that the pool still answers, so
   * that `result` fails at once when it does not (it would otherwise wait for its timeout).
   */
  checkLink(): void;
  /** Cancels the task on the pool (we gave up on the transfer); bounded, errors ignored. */
  cancel(): Promise<void>;
  /** Stops listening to the abort signal (call once the transfer is over). */
  done(): void;
}

const TASK_ERROR_WAIT_MS = 5_000;
const CANCEL_WAIT_MS = 10_000;

export async function openTransfer(
  xapi: Xapi,
  where: { base: string; trust: TrustRules; link: LinkWatch },
  doing: string,
  path: string,
  query: Record<string, string>,
  signal?: AbortSignal,
): Promise<TransferTicket> {
  let taskRef: string;
  try {
    taskRef = await xapi.createTask(`vmbackup: ${doing}`, '');
  } catch (err) {
    throw poolError(err, doing);
  }
  const cancel = () => void xapi.call('task.cancel', taskRef).catch(() => undefined);
  signal?.addEventListener('abort', cancel, { once: true });
  const result = where.link.race(xapi.watchTask(taskRef), doing).catch((err: unknown) => {
    throw poolError(err, doing);
  });
  // Nobody may await it when the stream itself fails first; avoid an unhandled rejection.
  result.catch(() => undefined);
  const url = new URL(path, where.base);
  for (const [k, v] of Object.entries({ ...query, session_id: xapi.sessionId, task_id: taskRef })) url.searchParams.set(k, v);
  return {
    url: url.toString(),
    trust: where.trust,
    taskRef,
    result,
    async explain(err) {
      const lost = await where.link.suspect(err, doing);
      if (lost) return lost;
      // A network failure may leave the task pending: do not wait for it long.
      const taskError = await within(
        result.then(
          () => undefined,
          (e: unknown) => e,
        ),
        TASK_ERROR_WAIT_MS,
        undefined,
      );
      return poolError(taskError ?? err, doing);
    },
    checkLink: () => void where.link.check(),
    async cancel() {
      if (where.link.lost) return;
      await within(xapi.call('task.cancel', taskRef).catch(() => undefined), CANCEL_WAIT_MS, undefined);
    },
    done: () => signal?.removeEventListener('abort', cancel),
  };
}
