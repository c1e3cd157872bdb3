/**
 * Silence from the pool during a transfer. A stalled export used to hang without a word until a
 * 15-minute socket timeout; now the log says "no data from the pool for N s" while it waits
 * (first after 30 s, or half the limit when that is shorter, then every 60 s), and at
 * stall_timeout the transfer is given up (STALLED) so the run goes on with the next VM.
 *
 * Only time spent waiting for the pool counts: while our side verifies or writes a piece, the
 * socket is paused on purpose, and a slow backup disk is not a silent pool.
 */

export interface StallWatchOptions {
  /** Silence after which `onStalled` is called once. */
  timeoutMs: number;
  /** Called with the seconds of silence so far, on the schedule above. */
  onQuiet(seconds: number): void;
  onStalled(): void;
  now?: () => number;
}

const FIRST_NOTICE_MS = 30_000;
const NOTICE_EVERY_MS = 60_000;

/** When the notices come, in ms of silence, before `timeoutMs` (pure; the schedule above). */
export function quietNoticesMs(timeoutMs: number): number[] {
  const out: number[] = [];
  for (let at = Math.min(FIRST_NOTICE_MS, timeoutMs / 2); at < timeoutMs; at += NOTICE_EVERY_MS) out.push(at);
  return out;
}

export class StallWatch {
  readonly #opts: StallWatchOptions;
  readonly #now: () => number;
  readonly #notices: number[];
  #since: number | null = null;
  #next = 0;
  #timer: NodeJS.Timeout | null;

  constructor(opts: StallWatchOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
    this.#notices = quietNoticesMs(opts.timeoutMs);
    // A coarse tick is enough for a limit of minutes; short limits (tests) get a finer one.
    const tick = Math.max(10, Math.min(1_000, opts.timeoutMs / 8));
    this.#timer = setInterval(() => this.#check(), tick);
    this.#timer.unref();
  }

  /** From now on we wait for the pool. */
  waiting(): void {
    this.#since = this.#now();
    this.#next = 0;
  }

  /** Data arrived: our side works on it; the silence so far ends. */
  working(): void {
    this.#since = null;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #check(): void {
    if (this.#since === null) return;
    const quiet = this.#now() - this.#since;
    if (quiet >= this.#opts.timeoutMs) {
      this.stop();
      this.#opts.onStalled();
      return;
    }
    // One line per check, for the latest mark passed (a late tick does not print a burst).
    let reached = this.#next;
    while (reached < this.#notices.length && quiet >= this.#notices[reached]!) reached++;
    if (reached === this.#next) return;
    this.#next = reached;
    this.#opts.onQuiet(Math.max(1, Math.floor(this.#notices[reached - 1]! / 1000)));
  }
}
