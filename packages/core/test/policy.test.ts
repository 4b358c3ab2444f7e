import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DELIVERY_POLICY as P,
  parseDuration,
  parseRetryAfter,
  parseRetrySchedule,
  rateLimitDelayMs,
  retryDelayMs,
} from '../src/index.js';

const mid = () => 0.5; // no jitter
const low = () => 0; // −20 %
const high = () => 1; // +20 %

describe('retry delays', () => {
  it.each([
    [1, mid, 5_000],
    [2, mid, 300_000],
    [3, mid, 1_800_000],
    [4, mid, 7_200_000],
    [5, mid, 18_000_000],
    [6, mid, 36_000_000],
    [7, mid, 36_000_000],
    [1, low, 4_000],
    [1, high, 6_000],
    [2, low, 240_000],
    [7, high, 43_200_000],
  ])('after failed attempt %i → %s', (attempt, random, expected) => {
    expect(retryDelayMs(P, attempt, undefined, random)).toBe(expected);
  });

  it('is used up after the last retry: eight attempts in all', () => {
    expect(retryDelayMs(P, 8, undefined, mid)).toBeNull();
  });

  it('lets Retry-After lengthen a wait, never shorten it, capped at twice the schedule', () => {
    expect(retryDelayMs(P, 1, 8_000, mid)).toBe(8_000);
    expect(retryDelayMs(P, 1, 1_000, mid)).toBe(5_000);
    expect(retryDelayMs(P, 1, 3_600_000, mid)).toBe(10_000);
  });

  it('waits what a rate limit asks, plus jitter, without a retry and within bounds', () => {
    expect(rateLimitDelayMs(P, 0, 1_000, low)).toBe(1_000);
    expect(rateLimitDelayMs(P, 0, 1_000, high)).toBe(1_250);
    expect(rateLimitDelayMs(P, 0, undefined, low)).toBe(P.defaultRateLimitWaitMs);
    expect(rateLimitDelayMs(P, 19, 1_000, low)).toBe(1_000);
    expect(rateLimitDelayMs(P, 20, 1_000, low)).toBeNull();
    expect(rateLimitDelayMs(P, 0, 86_400_001, low)).toBeNull();
    expect(rateLimitDelayMs(P, 0, 86_400_000, low)).toBe(86_400_000);
  });
});

describe('parsing', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-27T10:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('1.5', now)).toBe(1_500);
    expect(parseRetryAfter('Fri, 27 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Fri, 27 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('reads durations and schedules', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('5s')).toBe(5_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseRetrySchedule('5s,5m,30m,2h,5h,10h,10h')).toEqual([...P.retryScheduleMs]);
    expect(parseRetrySchedule('')).toEqual([]);
    expect(parseRetrySchedule('none')).toEqual([]);
    expect(() => parseDuration('5 minutes')).toThrow(/not a duration/);
  });
});
