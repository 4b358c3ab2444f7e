import { DEFAULT_DELIVERY_POLICY, type DeliveryPolicy } from '@herald/core';
import { describe, expect, it } from 'vitest';
import { decide } from '../src/delivery/outcome-policy.js';
import { Pacer } from '../src/delivery/pacer.js';

const AT = '2026-12-01T10:00:00.000Z';
const HOUR = 3_600_000;
const policy: DeliveryPolicy = {
  ...DEFAULT_DELIVERY_POLICY,
  retryScheduleMs: [1_000, 60_000],
  jitterRatio: 0,
  rateLimitJitterMs: 0,
};
const fresh = { failures: 0, rateLimitWaits: 0 };
const noJitter = () => 0.5;

describe('retry decision', () => {
  it('acks a success and tells the machine', () => {
    const d = decide(policy, fresh, { kind: 'success' }, AT, false, noJitter);
    expect(d).toMatchObject({ status: 'succeeded', next: { kind: 'done' }, retryInMs: null, pauseMs: 0 });
    expect(d.machineEvent).toEqual({ type: 'attempt.succeeded', at: AT });
  });

  it('parks a failure for its n-th retry on the schedule, then fails it', () => {
    const first = decide(policy, fresh, { kind: 'retry', reason: 'HTTP 500' }, AT, false, noJitter);
    expect(first).toMatchObject({ status: 'retrying', next: { kind: 'retry', level: 1 }, retryInMs: 1_000 });
    const second = decide(
      policy,
      { failures: 1, rateLimitWaits: 0 },
      { kind: 'retry', reason: 'x' },
      AT,
      false,
    );
    expect(second).toMatchObject({ next: { kind: 'retry', level: 2 }, retryInMs: 60_000 });
    const last = decide(
      policy,
      { failures: 2, rateLimitWaits: 0 },
      { kind: 'retry', reason: 'x' },
      AT,
      false,
    );
    expect(last).toMatchObject({ status: 'failed', next: { kind: 'done' }, retryInMs: null });
    expect(last.machineEvent).toMatchObject({ type: 'attempt.failed', exhausted: true });
  });

  it('waits what a 429 asks without using a retry, and pauses the integration as long', () => {
    const d = decide(
      policy,
      fresh,
      { kind: 'rateLimited', reason: '429', afterMs: 7_000 },
      AT,
      false,
      noJitter,
    );
    expect(d).toMatchObject({
      status: 'retrying',
      next: { kind: 'backlog' },
      retryInMs: 7_000,
      pauseMs: 7_000,
      failures: 0,
      rateLimitWaits: 1,
      machineEvent: null,
    });
  });

  it('pauses a 429 asking for more than the longest pause for that pause, and counts it a failure', () => {
    const d = decide(
      policy,
      fresh,
      { kind: 'rateLimited', reason: '429', afterMs: 10 * 8_760 * HOUR },
      AT,
      false,
    );
    expect(d.pauseMs).toBe(24 * HOUR);
    expect(d).toMatchObject({ status: 'retrying', failures: 1, next: { kind: 'retry', level: 1 } });
    // The delivery's own retry is no sooner than the pause.
    expect(d.retryInMs).toBe(24 * HOUR);
    expect(d.machineEvent).toMatchObject({ type: 'attempt.failed' });
  });

  it('pauses the integration for a 503’s Retry-After (up to the longest pause) and lengthens the retry', () => {
    const d = decide(
      policy,
      fresh,
      { kind: 'retry', reason: 'HTTP 503', afterMs: 30_000 },
      AT,
      false,
      noJitter,
    );
    expect(d).toMatchObject({ pauseMs: 30_000, retryInMs: 30_000, next: { kind: 'retry', level: 1 } });
    const long = decide(policy, fresh, { kind: 'retry', reason: 'HTTP 503', afterMs: 100 * HOUR }, AT, false);
    expect(long.pauseMs).toBe(24 * HOUR);
  });

  it('gives a resend one shot: no retry, no rate-limit wait', () => {
    const d = decide(policy, fresh, { kind: 'rateLimited', reason: '429', afterMs: 1_000 }, AT, true);
    expect(d).toMatchObject({ status: 'failed', next: { kind: 'done' }, retryInMs: null });
  });

  it('fails at once on a terminal failure, and says when it disables', () => {
    const d = decide(policy, fresh, { kind: 'fail', reason: 'HTTP 410', disable: true }, AT, false);
    expect(d).toMatchObject({ status: 'failed', next: { kind: 'done' } });
    expect(d.machineEvent).toMatchObject({ type: 'attempt.failed', disable: true, exhausted: true });
  });
});

describe('pacer', () => {
  it('lets a burst go, then one per interval (GCRA)', () => {
    const pacer = new Pacer({ count: 2, perMs: 1_000 });
    expect(pacer.perSecond).toBe(2);
    expect(pacer.take(0)).toBe(0);
    expect(pacer.take(0)).toBe(0);
    expect(pacer.take(0)).toBe(500);
    expect(pacer.waitMs(400)).toBe(100);
    expect(pacer.take(500)).toBe(0);
    expect(pacer.take(600)).toBe(400);
  });

  it('holds every attempt while a destination’s pause runs, and never shortens it', () => {
    const pacer = new Pacer(null);
    expect(pacer.take(0)).toBe(0);
    pacer.pauseUntil(10_000);
    pacer.pauseUntil(5_000);
    expect(pacer.pausedUntil).toBe(10_000);
    expect(pacer.take(2_000)).toBe(8_000);
    expect(pacer.waitMs(9_999)).toBe(1);
    expect(pacer.take(10_000)).toBe(0);
  });

  it('is idle, and can be forgotten, a while after its last hold', () => {
    const pacer = new Pacer({ count: 1, perMs: 1_000 });
    pacer.take(0);
    expect(pacer.idle(30_000)).toBe(false);
    expect(pacer.idle(61_001)).toBe(true);
  });
});
