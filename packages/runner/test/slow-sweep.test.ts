import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Slot } from '../src/delivery/slots.js';
import { SlowSweep } from '../src/delivery/slow-sweep.js';
import type { Standing } from '../src/delivery/standing.js';

const EVERY_MS = 25;
const SLOW_MS = 1_000;

function slotOf(laneId: string): Slot {
  return { laneId, startedAt: 0, class: 'restricted', probe: false, slow: true };
}

function sweepWith(slow: Slot[]) {
  const standings = new Map<string, Standing>();
  const becameSlow: string[] = [];
  let swept = 0;
  const sweep = new SlowSweep({
    everyMs: EVERY_MS,
    slowAttemptMs: SLOW_MS,
    slots: { sweep: () => slow.splice(0) },
    standings: {
      of: (id) => {
        if (!standings.has(id)) standings.set(id, { slow: false } as Standing);
        return standings.get(id)!;
      },
    },
    becameSlow: (id) => becameSlow.push(id),
    swept: () => swept++,
  });
  return { sweep, standings, becameSlow, swept: () => swept };
}

describe('SlowSweep', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('makes the integrations of slow attempts slow, and fills after every sweep', () => {
    const slow = [slotOf('int_a')];
    const { sweep, standings, becameSlow, swept } = sweepWith(slow);
    vi.advanceTimersByTime(EVERY_MS);
    expect(standings.get('int_a')?.slow).toBe(true);
    expect(becameSlow).toEqual(['int_a']);
    vi.advanceTimersByTime(EVERY_MS);
    expect(swept()).toBe(2);
    sweep.stop();
  });

  it('calls nobody slow for a while after a sweep ran late (the event loop stalled)', () => {
    const slow: Slot[] = [];
    const { sweep, becameSlow } = sweepWith(slow);
    vi.setSystemTime(Date.now() + 500); // the loop was held for half a second
    slow.push(slotOf('int_a'));
    vi.advanceTimersByTime(EVERY_MS);
    expect(becameSlow).toEqual([]);
    expect(sweep.stalledWithin(SLOW_MS, Date.now())).toBe(true);
    // An attempt of 10 ms that ended now did not overlap the stall.
    vi.advanceTimersByTime(100);
    expect(sweep.stalledWithin(10, Date.now())).toBe(false);
    vi.advanceTimersByTime(SLOW_MS);
    slow.push(slotOf('int_b'));
    vi.advanceTimersByTime(EVERY_MS);
    expect(becameSlow).toEqual(['int_b']);
    sweep.stop();
  });
});
