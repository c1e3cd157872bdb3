/**
 * The stall watch on a fake clock: when "no data from the pool" is said, when the transfer is
 * given up, and that time spent on our side (verifying, writing) does not count.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { quietNoticesMs, StallWatch } from '../../src/backup/stall-watch.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function watch(timeoutMs: number) {
  const said: number[] = [];
  let stalledAt: number | null = null;
  const start = Date.now();
  const w = new StallWatch({ timeoutMs, onQuiet: (s) => said.push(s), onStalled: () => (stalledAt = Date.now() - start) });
  return { w, said, stalled: () => stalledAt };
}

describe('quietNoticesMs', () => {
  it('30 s, then every 60 s, before the limit; half the limit when that is sooner', () => {
    expect(quietNoticesMs(300_000)).toEqual([30_000, 90_000, 150_000, 210_000, 270_000]);
    expect(quietNoticesMs(2_000)).toEqual([1_000]);
    expect(quietNoticesMs(60_000)).toEqual([30_000]);
  });
});

describe('StallWatch', () => {
  it('says each mark once while the pool is silent, then gives up at the limit (default 300 s)', () => {
    const { w, said, stalled } = watch(300_000);
    w.waiting();
    vi.advanceTimersByTime(29_000);
    expect(said).toEqual([]);
    vi.advanceTimersByTime(2_000);
    expect(said).toEqual([30]);
    vi.advanceTimersByTime(268_000);
    expect(said).toEqual([30, 90, 150, 210, 270]);
    expect(stalled()).toBeNull();
    vi.advanceTimersByTime(2_000);
    expect(stalled()).not.toBeNull();
    vi.advanceTimersByTime(600_000);
    expect(said).toHaveLength(5);
  });

  it('data restarts the count; time our side spends on a piece is not silence', () => {
    const { w, said, stalled } = watch(10_000);
    w.waiting();
    vi.advanceTimersByTime(6_000);
    expect(said).toEqual([5]);
    w.working();
    // A slow disk: 60 s on one piece.
    vi.advanceTimersByTime(60_000);
    expect(stalled()).toBeNull();
    w.waiting();
    vi.advanceTimersByTime(9_000);
    expect(stalled()).toBeNull();
    expect(said).toEqual([5, 5]);
    vi.advanceTimersByTime(2_000);
    expect(stalled()).not.toBeNull();
  });

  it('stop() ends the watch', () => {
    const { w, said, stalled } = watch(2_000);
    w.waiting();
    w.stop();
    vi.advanceTimersByTime(10_000);
    expect(said).toEqual([]);
    expect(stalled()).toBeNull();
  });
});
