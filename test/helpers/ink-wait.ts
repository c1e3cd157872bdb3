/**
 * Driving Ink components in tests: keys written as a terminal delivers them, and waiting for a
 * frame by its content instead of by time. A screen hears keys from the moment it is drawn
 * (the KeyRouter, test/helpers/render-tui.tsx), so nothing waits after a frame.
 */
export const KEYS = { up: '\u001b[A', down: '\u001b[B', enter: '\r', escape: '\u001b', ctrlC: '\u0003', backspace: '\u007f', tab: '\t' } as const;

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `test(lastFrame())` holds; fails with the last frame after `timeoutMs`. */
export async function waitForFrame(lastFrame: () => string | undefined, test: (frame: string) => boolean, timeoutMs = 10_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const frame = lastFrame() ?? '';
    if (test(frame)) return frame;
    if (Date.now() > until) throw new Error(`no matching frame within ${timeoutMs} ms; the last one:\n${frame}`);
    await tick(20);
  }
}

/** Writes keys one write each, as typed: the event loop turns between them (effects run). */
export async function press(stdin: { write(data: string): void }, ...keys: string[]): Promise<void> {
  for (const key of keys) {
    stdin.write(key);
    await new Promise((r) => setImmediate(r));
  }
}
