import { integrationMachine } from '@herald/core';
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { attemptLimitOf, LANE_QUEUE_CAP, queueCapOf, slotClassOf } from '../src/delivery/lane-policy.js';
import { Pacer } from '../src/delivery/pacer.js';
import type { Standing } from '../src/delivery/standing.js';

const AT = '2026-12-01T10:00:00.000Z';

function snapshotIn(state: 'healthy' | 'failing' | 'disabled') {
  const actor = createActor(integrationMachine, {
    input: { integrationId: 'int_1', concurrency: 4 },
  }).start();
  if (state === 'failing')
    actor.send({ type: 'attempt.failed', at: AT, reason: 'HTTP 500', exhausted: false });
  if (state === 'disabled') actor.send({ type: 'integration.disable', at: AT });
  return actor.getSnapshot();
}

const standing = (patch: Partial<Standing> = {}): Standing => ({
  pacer: new Pacer(null),
  proven: true,
  slow: false,
  lastUsed: 0,
  ...patch,
});

describe('lane policy', () => {
  it('holds what a healthy, proven integration can attempt soon, with its concurrency', () => {
    const s = snapshotIn('healthy');
    expect(queueCapOf(s, standing(), 0)).toBe(LANE_QUEUE_CAP);
    expect(attemptLimitOf(s, standing())).toBe(4);
    expect(slotClassOf(s, standing())).toBe('proven');
  });

  it('gives an integration not yet proven one attempt, as unproven', () => {
    const s = snapshotIn('healthy');
    expect(attemptLimitOf(s, standing({ proven: false }))).toBe(1);
    expect(slotClassOf(s, standing({ proven: false }))).toBe('unproven');
  });

  it('restricts a failing or slow integration to one probe, holding one delivery', () => {
    for (const [s, st] of [
      [snapshotIn('failing'), standing()],
      [snapshotIn('healthy'), standing({ slow: true })],
    ] as const) {
      expect(queueCapOf(s, st, 0)).toBe(1);
      expect(attemptLimitOf(s, st)).toBe(1);
      expect(slotClassOf(s, st)).toBe('restricted');
    }
  });

  it('holds nothing while the destination makes it wait over a second, and what 10 s of pace lets go when paced', () => {
    const paused = standing();
    paused.pacer.pauseUntil(5_000);
    expect(queueCapOf(snapshotIn('healthy'), paused, 0)).toBe(0);
    expect(queueCapOf(snapshotIn('healthy'), paused, 4_500)).toBe(LANE_QUEUE_CAP);
    const slack = standing({ pacer: new Pacer({ count: 1, perMs: 1_000 }) });
    expect(queueCapOf(snapshotIn('healthy'), slack, 0)).toBe(10);
  });

  it('holds all of a disabled integration’s deliveries (they are skipped at once), and all while its machine loads', () => {
    expect(queueCapOf(snapshotIn('disabled'), standing(), 0)).toBe(LANE_QUEUE_CAP);
    expect(queueCapOf(undefined, standing({ slow: true }), 0)).toBe(LANE_QUEUE_CAP);
  });
});
