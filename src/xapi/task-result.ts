/**
 * A transfer's task result (`TransferTicket.result`), waited for with a limit: the pool settles
 * the task right after the stream ends (an export) or the body arrived (an import); do not wait
 * for ever if it does not. Shared by backup/download.ts and restore/upload.ts.
 */
import { VmbackupError } from '../errors.js';

/** `what` names the result in the error: `the import's`, `the transfer's`. */
export async function taskResultWithin(result: Promise<unknown>, what: string, limitMs = 120_000): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new VmbackupError('TASK_TIMEOUT', `the pool did not report ${what} result within ${limitMs / 1000} s`, 'check the task list on the pool (xe task-list)')),
      limitMs,
    );
  });
  try {
    return await Promise.race([result, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
