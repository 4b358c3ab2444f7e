import {
  type DeliveryPolicy,
  type IntegrationMachineEvent,
  type Outcome,
  rateLimitDelayMs,
  retryDelayMs,
} from '@herald/core';
import type { DeliveryRecord, DeliveryStatus } from '../store/delivery-records.js';

/** What becomes of the delivery: done, its next retry (the n-th), or back into its integration's backlog. */
export type Next = { kind: 'done' } | { kind: 'retry'; level: number } | { kind: 'backlog' };

/** What to do with a delivery after an attempt. */
export interface Decision {
  status: DeliveryStatus;
  next: Next;
  /** Wait before the next attempt; null = done. */
  retryInMs: number | null;
  failures: number;
  rateLimitWaits: number;
  /** What the integration's machine is told; null when nothing happened to its health. */
  machineEvent: IntegrationMachineEvent | null;
  /** Hold every attempt of the integration this long (the destination asked us to wait). */
  pauseMs: number;
}

/**
 * The one place that turns an attempt's outcome into the delivery's next step, per the
 * delivery policy: retries on the schedule, rate-limited waits that use up no retry,
 * terminal failures. A destination's `Retry-After` (on a 429, or on a failure such as a
 * 503) pauses the whole integration for what it asked, up to `maxRateLimitWaitMs`: a longer
 * ask pauses it that long and counts as a failure, so it never gets more requests than a
 * short one. Manual attempts (resend) are single shots.
 */
export function decide(
  policy: DeliveryPolicy,
  record: Pick<DeliveryRecord, 'failures' | 'rateLimitWaits'>,
  outcome: Outcome,
  at: string,
  single: boolean,
  random: () => number = Math.random,
): Decision {
  const base = { failures: record.failures, rateLimitWaits: record.rateLimitWaits, pauseMs: 0 };
  if (outcome.kind === 'success') {
    return {
      ...base,
      status: 'succeeded',
      next: { kind: 'done' },
      retryInMs: null,
      machineEvent: { type: 'attempt.succeeded', at },
    };
  }
  if (outcome.kind === 'fail') {
    return {
      ...base,
      failures: record.failures + 1,
      status: 'failed',
      next: { kind: 'done' },
      retryInMs: null,
      machineEvent: {
        type: 'attempt.failed',
        at,
        reason: outcome.reason,
        exhausted: true,
        disable: outcome.disable,
      },
    };
  }
  const asked =
    outcome.kind === 'rateLimited' ? (outcome.afterMs ?? policy.defaultRateLimitWaitMs) : outcome.afterMs;
  const pauseMs = asked === undefined ? 0 : Math.min(asked, policy.maxRateLimitWaitMs);
  if (outcome.kind === 'rateLimited' && !single) {
    const wait = rateLimitDelayMs(policy, record.rateLimitWaits, outcome.afterMs, random);
    if (wait !== null) {
      return {
        ...base,
        rateLimitWaits: record.rateLimitWaits + 1,
        status: 'retrying',
        next: { kind: 'backlog' },
        retryInMs: wait,
        machineEvent: null,
        pauseMs: wait,
      };
    }
  }
  // A failed attempt, or a rate limit past its bounds: counts as a failure.
  const failures = record.failures + 1;
  const reason =
    outcome.kind === 'rateLimited'
      ? `${outcome.reason} (rate-limited too long or too often)`
      : outcome.reason;
  const scheduled = single ? null : retryDelayMs(policy, failures, outcome.afterMs, random);
  const wait = scheduled === null ? null : Math.max(scheduled, pauseMs);
  return {
    ...base,
    failures,
    status: wait === null ? 'failed' : 'retrying',
    next: wait === null ? { kind: 'done' } : { kind: 'retry', level: failures },
    retryInMs: wait,
    machineEvent: { type: 'attempt.failed', at, reason, exhausted: wait === null },
    pauseMs,
  };
}
