import {
  type DeliveryPolicy,
  type IntegrationMachineEvent,
  type Outcome,
  rateLimitDelayMs,
  retryDelayMs,
} from '@herald/core';
import type { DeliveryRecord, DeliveryStatus } from '../store/delivery-records.js';

/** What to do with a delivery after an attempt. */
export interface Decision {
  status: DeliveryStatus;
  /** Wait before the next attempt (nak with this delay); null = done (ack). */
  retryInMs: number | null;
  failures: number;
  rateLimitWaits: number;
  /** What the integration's machine is told; null when nothing happened to its health. */
  machineEvent: IntegrationMachineEvent | null;
  /** Hold every attempt of the integration this long (the destination's rate limit). */
  pauseMs: number;
}

/**
 * The one place that turns an attempt's outcome into the delivery's next step, per the
 * delivery policy: retries on the schedule, rate-limited waits that use up no retry,
 * terminal failures. Manual attempts (resend) are single shots.
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
    return { ...base, status: 'succeeded', retryInMs: null, machineEvent: { type: 'attempt.succeeded', at } };
  }
  if (outcome.kind === 'fail') {
    return {
      ...base,
      failures: record.failures + 1,
      status: 'failed',
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
  if (outcome.kind === 'rateLimited' && !single) {
    const wait = rateLimitDelayMs(policy, record.rateLimitWaits, outcome.afterMs, random);
    if (wait !== null) {
      return {
        ...base,
        rateLimitWaits: record.rateLimitWaits + 1,
        status: 'retrying',
        retryInMs: wait,
        machineEvent: null,
        pauseMs: wait,
      };
    }
  }
  // A failed attempt, or a rate limit past its bounds: counts as a failure.
  const failures = record.failures + 1;
  const afterMs = outcome.kind === 'retry' ? outcome.afterMs : outcome.afterMs;
  const reason =
    outcome.kind === 'rateLimited'
      ? `${outcome.reason} (rate-limited too long or too often)`
      : outcome.reason;
  const wait = single ? null : retryDelayMs(policy, failures, afterMs, random);
  return {
    ...base,
    failures,
    status: wait === null ? 'failed' : 'retrying',
    retryInMs: wait,
    machineEvent: { type: 'attempt.failed', at, reason, exhausted: wait === null },
  };
}
