/**
 * What the commands that reach a pool share on their command lines: the flags naming the pool,
 * the user, the password file and the certificate trust (`vmbackup --config` and `vmbackup
 * restore`), and what a SIGINT/SIGTERM does while they work.
 */
import type { CliIo } from '../access/io.js';
import type { TrustFlags } from '../access/pool-access.js';

/** parseArgs options: --pool URL --user NAME --password-file FILE --verbose --trust SHA256:… (repeatable) --ca FILE --insecure. */
export const POOL_OPTIONS = {
  pool: { type: 'string' },
  user: { type: 'string' },
  'password-file': { type: 'string' },
  verbose: { type: 'boolean' },
  trust: { type: 'string', multiple: true },
  ca: { type: 'string' },
  insecure: { type: 'boolean' },
} as const;

/** --trust / --ca / --insecure as parsed, for `connect`. */
export function trustFlags(values: { trust?: string[] | undefined; ca?: string | undefined; insecure?: boolean | undefined }): TrustFlags {
  return { trust: values.trust, ca: values.ca, insecure: values.insecure };
}

/**
 * The first signal says `first` and aborts `controller` (the work cancels and cleans up); each
 * later one only says `again`: a second signal never skips the cleanup. Returns the function
 * that stops listening.
 */
export function abortOnInterrupt(io: CliIo, controller: AbortController, line: (message: string) => void, first: string, again: string): () => void {
  let signals = 0;
  return io.onInterrupt(() => {
    signals++;
    if (signals === 1) {
      line(first);
      controller.abort();
    } else line(again);
  });
}
