import { describe, expect, it } from 'vitest';
import { fenceMarginMs, HeldLeases } from '../src/cluster/fencing.js';

describe('HeldLeases', () => {
  const TTL = 4_000;

  it('a lease is safe to act on until its send time + TTL − the fence margin, then expired', () => {
    const held = new HeldLeases(TTL);
    held.hold(3, 7, 1_000);
    const until = 1_000 + TTL - fenceMarginMs(TTL);
    expect(held.expired(until - 1)).toEqual([]);
    expect(held.validForMs(3, until - 1)).toBe(1);
    expect(held.expired(until)).toEqual([3]);
    expect(held.revisionOf(3)).toBe(7);
  });

  it('a renewal moves the deadline on; a forgotten lease is neither held nor expired', () => {
    const held = new HeldLeases(TTL);
    held.hold(1, 1, 0);
    held.hold(2, 1, 0);
    held.hold(1, 2, 2_000); // renewed
    expect(held.expired(3_000)).toEqual([2]);
    held.forget(2);
    expect(held.expired(3_000)).toEqual([]);
    expect(held.partitions).toEqual([1]);
    expect(held.has(2)).toBe(false);
    expect(held.validForMs(2, 0)).toBeLessThanOrEqual(0);
    expect(held.expired(5_000)).toEqual([1]);
  });
});
