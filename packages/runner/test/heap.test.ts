import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { DEFAULT_HEAP_GROWTH_PERCENT, limitHeapGrowth } from '../src/heap.js';

describe('heap growth', () => {
  it('is 100 % unless HERALD_HEAP_GROWTH says otherwise', () => {
    expect(loadConfig({}).heapGrowthPercent).toBe(DEFAULT_HEAP_GROWTH_PERCENT);
    expect(DEFAULT_HEAP_GROWTH_PERCENT).toBe(100);
    expect(loadConfig({ HERALD_HEAP_GROWTH: '0' }).heapGrowthPercent).toBe(0);
    expect(loadConfig({ HERALD_HEAP_GROWTH: '120' }).heapGrowthPercent).toBe(120);
    expect(() => loadConfig({ HERALD_HEAP_GROWTH: '-1' })).toThrow(/HERALD_HEAP_GROWTH/);
  });

  it("leaves V8's own choice at 0 and an operator's flag alone", () => {
    expect(limitHeapGrowth(0, [], undefined)).toBe(false);
    expect(limitHeapGrowth(50, ['--heap-growing-percent=20'], undefined)).toBe(false);
    expect(limitHeapGrowth(50, [], '--max-semi-space-size=32 --heap_growing_percent=20')).toBe(false);
  });

  it('sets the flag otherwise, in a running process', () => {
    expect(limitHeapGrowth(50, [], '--max-old-space-size=2048')).toBe(true);
    // The process goes on as before: the flag changes when V8 collects, not what it holds.
    expect(getHeapStatistics().used_heap_size).toBeGreaterThan(0);
  });
});
