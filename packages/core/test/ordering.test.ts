import { describe, expect, it } from 'vitest';
import { isOrderedAt, mayBeOrdered, ORDERED_SWITCH_GRACE_MS, switchOrdering } from '../src/ordering.js';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const G = ORDERED_SWITCH_GRACE_MS;

describe('ordering — which path an event takes', () => {
  it('a new ordered integration is ordered at once; a new unordered one never', () => {
    const ordered = switchOrdering(null, true, T0);
    expect(ordered).toEqual({ ordered: true, orderedFrom: new Date(T0).toISOString(), orderedUntil: null });
    expect(isOrderedAt(ordered, T0)).toBe(true);
    expect(isOrderedAt(ordered, T0 - 1)).toBe(false);
    const plain = switchOrdering(null, false, T0);
    expect(mayBeOrdered(plain)).toBe(false);
    expect(isOrderedAt(plain, T0 + 1)).toBe(false);
  });

  it('switched on, events published after the grace are ordered, those before it are not', () => {
    const on = switchOrdering({ ordered: false, orderedFrom: null, orderedUntil: null }, true, T0);
    expect(isOrderedAt(on, T0 + G - 1)).toBe(false);
    expect(isOrderedAt(on, T0 + G)).toBe(true);
  });

  it('switched off, the queue keeps the events published until the grace ends; none after', () => {
    const on = switchOrdering(null, true, T0);
    const off = switchOrdering(on, false, T0 + 60_000);
    expect(mayBeOrdered(off)).toBe(true);
    expect(isOrderedAt(off, T0 + 60_000 + G - 1)).toBe(true);
    expect(isOrderedAt(off, T0 + 60_000 + G)).toBe(false);
    // The two versions a router or the reader may know disagree only past the grace.
    for (const ts of [T0, T0 + 30_000, T0 + 60_000, T0 + 60_000 + G - 1])
      expect(isOrderedAt(off, ts)).toBe(isOrderedAt(on, ts));
  });

  it('switched on again while a switch-off drains, the queue goes on from where it was', () => {
    const on = switchOrdering(null, true, T0);
    const off = switchOrdering(on, false, T0 + 1_000);
    const again = switchOrdering(off, true, T0 + 2_000);
    expect(again.orderedFrom).toBe(on.orderedFrom);
    for (const ts of [T0, T0 + 1_500, T0 + 1_000 + G - 1]) expect(isOrderedAt(again, ts)).toBe(true);
  });

  it('setting the same value changes nothing, and answers only the ordering fields', () => {
    const on = switchOrdering(null, true, T0);
    expect(switchOrdering({ ...on, name: 'kept apart' } as typeof on, true, T0 + 5)).toEqual(on);
  });
});
