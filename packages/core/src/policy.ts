import { HeraldError } from './errors.js';

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * Delays before each retry, like Svix's: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h —
 * eight attempts over ~27 h. https://docs.svix.com/retries
 */
export const DEFAULT_RETRY_SCHEDULE_MS = [
  5 * SECOND_MS,
  5 * MINUTE_MS,
  30 * MINUTE_MS,
  2 * HOUR_MS,
  5 * HOUR_MS,
  10 * HOUR_MS,
  10 * HOUR_MS,
] as const;

/**
 * The wait after a 429 that names none (no readable `Retry-After`): Herald's choice, not a
 * documented limit. A provider whose destination documents another passes its own (Teams: 15 s).
 */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 5 * SECOND_MS;

/** How a delivery is retried; every number configurable. */
export interface DeliveryPolicy {
  /** Delay before retry n (0-based). Its length is the number of retries. */
  retryScheduleMs: readonly number[];
  /** Each scheduled delay is spread by ± this ratio so retries don't stampede. */
  jitterRatio: number;
  /** `Retry-After` on a failure may lengthen a wait up to this multiple of the scheduled delay. */
  retryAfterMaxFactor: number;
  /** At most this many rate-limited waits per delivery; beyond, it counts as a failure. */
  maxRateLimitWaits: number;
  /**
   * The longest a destination's `Retry-After` pauses an integration (and its rate-limited
   * delivery); a longer ask pauses it this long and counts as a failure.
   */
  maxRateLimitWaitMs: number;
  /** Used when a 429 names no delay. */
  defaultRateLimitWaitMs: number;
  /** Added on top of what a destination asked, at random, up to this much. */
  rateLimitJitterMs: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  retryScheduleMs: DEFAULT_RETRY_SCHEDULE_MS,
  jitterRatio: 0.2,
  retryAfterMaxFactor: 2,
  maxRateLimitWaits: 20,
  maxRateLimitWaitMs: 24 * HOUR_MS,
  defaultRateLimitWaitMs: DEFAULT_RATE_LIMIT_WAIT_MS,
  rateLimitJitterMs: 250,
};

/**
 * Delay before the retry that follows failed attempt number `attempt` (1-based), or
 * null when the schedule is used up. `retryAfterMs` can lengthen the wait, never
 * shorten it, and never past `retryAfterMaxFactor` × the scheduled delay.
 */
export function retryDelayMs(
  policy: DeliveryPolicy,
  attempt: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number | null {
  const scheduled = policy.retryScheduleMs[attempt - 1];
  if (scheduled === undefined) return null;
  const jittered = Math.round(scheduled * (1 + policy.jitterRatio * (2 * random() - 1)));
  if (retryAfterMs === undefined) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, scheduled * policy.retryAfterMaxFactor));
}

/**
 * Delay after a rate-limited attempt: what the destination asked plus a little jitter,
 * or null when the delivery has waited too often or is asked to wait too long (then
 * the attempt counts as a failure).
 */
export function rateLimitDelayMs(
  policy: DeliveryPolicy,
  waitsSoFar: number,
  askedMs: number | undefined,
  random: () => number = Math.random,
): number | null {
  const asked = askedMs ?? policy.defaultRateLimitWaitMs;
  if (waitsSoFar >= policy.maxRateLimitWaits || asked > policy.maxRateLimitWaitMs) return null;
  return asked + Math.round(policy.rateLimitJitterMs * random());
}

/** `Retry-After` (delta-seconds or an HTTP date) in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(
  value: string | undefined | null,
  now: number = Date.now(),
): number | undefined {
  if (value === undefined || value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * SECOND_MS);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: SECOND_MS, m: MINUTE_MS, h: HOUR_MS, d: 24 * HOUR_MS };

/** A duration like `500ms`, `5s`, `30m`, `2h`, `3d` in ms. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m)
    throw new HeraldError('invalid_duration', `${JSON.stringify(text)} is not a duration like 5s, 30m or 2h`);
  return Math.round(Number(m[1]) * UNIT_MS[m[2]!]!);
}

/** `5s,5m,30m` → `[5000, 300000, 1800000]`; `none` (or an empty string) is no retries. */
export function parseRetrySchedule(text: string): number[] {
  if (text.trim() === '' || text.trim() === 'none') return [];
  return text.split(',').map(parseDuration);
}
