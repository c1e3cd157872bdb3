/**
 * Driving Ink components in tests: one key per write (Ink drops keys that arrive in one chunk)
 * and waiting for a frame by its content instead of by time.
 */
export const KEYS = { up: '\u001b[A', down: '\u001b[B', enter: '\r', escape: '\u001b', ctrlC: '\u0003', backspace: '\u007f', tab: '\t' } as const;

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `test(lastFrame())` holds; fails with the last frame after `timeoutMs`. */
export async function waitForFrame(lastFrame: () => string | undefined, test: (frame: string) => boolean, timeoutMs = 10_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const frame = lastFrame() ?? '';
    if (test(frame)) {
      // Ink subscribes a newly shown input's key handler just after the frame is written: a key
      // sent at once would be lost (a person is never that fast).
      await tick(50);
      return frame;
    }
    if (Date.now() > until) throw new Error(`no matching frame within ${timeoutMs} ms; the last one:\n${frame}`);
    await tick(20);
  }
}

/** Writes keys one at a time, letting Ink handle each before the next. */
export async function press(stdin: { write(data: string): void }, ...keys: string[]): Promise<void> {
  for (const key of keys) {
    stdin.write(key);
    await tick(30);
  }
}
