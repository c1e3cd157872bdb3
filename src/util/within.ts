/**
 * `promise`, or `fallback` once `ms` have passed: for waits that must not hold a stop or a
 * cleanup up (a task to cancel, a connection to close). The timer is cleared either way, so it
 * never keeps the process alive.
 */
export function within<T, F = undefined>(promise: Promise<T>, ms: number, fallback?: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<F>((resolve) => (timer = setTimeout(() => resolve(fallback as F), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
