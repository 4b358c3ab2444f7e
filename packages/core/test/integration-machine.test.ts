import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor, initialTransition, transition } from 'xstate';
import {
  allowedInFlight,
  type IntegrationMachineEmitted,
  type IntegrationMachineEvent,
  type IntegrationMachineSnapshot,
  integrationMachine,
  MAX_HISTORY_ENTRIES,
  stateOf,
} from '../src/index.js';

const policy = { disableAfterFailedDeliveries: 2, disableAfterFailingMs: 60_000 };
const T0 = Date.parse('2026-11-27T10:00:00Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

function start(): IntegrationMachineSnapshot {
  return initialTransition(integrationMachine, {
    integrationId: 'int_1',
    concurrency: 8,
    policy,
    now: at(0),
  })[0];
}

function run(events: IntegrationMachineEvent[]) {
  let snapshot = start();
  const emitted: unknown[] = [];
  for (const event of events) {
    const [next, actions] = transition(integrationMachine, snapshot, event);
    snapshot = next;
    for (const a of actions)
      if (a.type === 'xstate.emit') emitted.push((a.params as { event: unknown }).event);
  }
  return { snapshot, emitted };
}

const fail = (ms: number, exhausted = false, disable = false): IntegrationMachineEvent => ({
  type: 'attempt.failed',
  at: at(ms),
  reason: disable ? 'HTTP 410' : 'HTTP 503',
  exhausted,
  disable,
});
const ok = (ms: number): IntegrationMachineEvent => ({ type: 'attempt.succeeded', at: at(ms) });

describe('integration machine — transition table', () => {
  it.each([
    ['healthy + success → healthy', [ok(1)], 'healthy', 0],
    ['healthy + failed attempt → failing', [fail(1)], 'failing', 1],
    ['healthy + disabling failure (410) → disabled at once', [fail(1, false, true)], 'disabled', 1],
    ['healthy + user disable → disabled', [{ type: 'integration.disable', at: at(1) }], 'disabled', 1],
    ['healthy + enable → healthy (ignored)', [{ type: 'integration.enable', at: at(1) }], 'healthy', 0],
    ['failing + success → healthy', [fail(1), ok(2)], 'healthy', 2],
    [
      'failing + failures, count met but not duration → failing',
      [fail(1, true), fail(2, true), fail(3, true)],
      'failing',
      1,
    ],
    ['failing + duration met but not count → failing', [fail(1), fail(120_000, false)], 'failing', 1],
    ['failing + count and duration met → disabled', [fail(1, true), fail(60_001, true)], 'disabled', 2],
    ['failing + disabling failure → disabled', [fail(1), fail(2, false, true)], 'disabled', 2],
    [
      'failing + user disable → disabled',
      [fail(1), { type: 'integration.disable', at: at(2) }],
      'disabled',
      2,
    ],
    [
      'disabled + attempt results → disabled (ignored)',
      [fail(1, false, true), ok(2), fail(3)],
      'disabled',
      1,
    ],
    [
      'disabled + enable → healthy',
      [fail(1, false, true), { type: 'integration.enable', at: at(2) }],
      'healthy',
      2,
    ],
  ] as const)('%s', (_t, events, state, emittedCount) => {
    const { snapshot, emitted } = run([...events]);
    expect(stateOf(snapshot)).toBe(state);
    expect(emitted).toHaveLength(emittedCount);
  });

  it('a success forgives: the count and the window start again', () => {
    const { snapshot } = run([fail(1, true), ok(2), fail(70_000, true)]);
    expect(stateOf(snapshot)).toBe('failing');
    expect(snapshot.context.failedDeliveries).toBe(1);
    expect(snapshot.context.failingSince).toBe(at(70_000));
  });

  it('emits each transition with its reason and keeps a newest-first history', () => {
    const { snapshot, emitted } = run([
      fail(1),
      fail(2, false, true),
      { type: 'integration.enable', at: at(3), reason: 'fixed' },
    ]);
    expect(emitted).toEqual([
      { type: 'integration.transition', from: 'healthy', to: 'failing', at: at(1), reason: 'HTTP 503' },
      {
        type: 'integration.transition',
        from: 'failing',
        to: 'disabled',
        at: at(2),
        reason: 'HTTP 410',
        cause: 'gone',
      },
      { type: 'integration.transition', from: 'disabled', to: 'healthy', at: at(3), reason: 'fixed' },
    ]);
    expect(snapshot.context.history.map((h) => h.to)).toEqual(['healthy', 'disabled', 'failing']);
    expect(snapshot.context.since).toBe(at(3));
  });

  it('says why each disabling happened: gone, kept failing, or a user', () => {
    const causeOf = (events: IntegrationMachineEvent[]) => run(events).snapshot.context.history[0]?.cause;
    expect(causeOf([fail(1, false, true)])).toBe('gone');
    expect(causeOf([fail(1, true), fail(60_001, true)])).toBe('kept_failing');
    expect(causeOf([fail(1), { type: 'integration.disable', at: at(2) }])).toBe('user');
    expect(causeOf([{ type: 'integration.disable', at: at(1) }])).toBe('user');
    // Only a disabling carries a cause.
    expect(causeOf([fail(1)])).toBeUndefined();
  });

  it('allows the configured concurrency when healthy, one probe when failing, none when disabled', () => {
    expect(allowedInFlight(start())).toBe(8);
    expect(allowedInFlight(run([fail(1)]).snapshot)).toBe(1);
    expect(allowedInFlight(run([fail(1, false, true)]).snapshot)).toBe(0);
  });
});

describe('integration machine — live actor', () => {
  beforeEach(() => vi.useFakeTimers({ now: T0 }));
  afterEach(() => vi.useRealTimers());

  it('persists and restores its snapshot, keeping state and counters', () => {
    const actor = createActor(integrationMachine, { input: { integrationId: 'int_1', policy } });
    const seen: string[] = [];
    actor.on('integration.transition', (e) => seen.push(`${e.from}->${e.to}`));
    actor.start();
    actor.send(fail(0, true));
    vi.advanceTimersByTime(61_000);
    actor.send({
      type: 'attempt.failed',
      at: new Date(Date.now()).toISOString(),
      reason: 'HTTP 500',
      exhausted: false,
    });
    const persisted = JSON.parse(JSON.stringify(actor.getPersistedSnapshot()));
    actor.stop();
    expect(seen).toEqual(['healthy->failing']);

    const restored = createActor(integrationMachine, {
      snapshot: persisted,
      input: { integrationId: 'int_1' },
    }).start();
    expect(restored.getSnapshot().value).toBe('failing');
    expect(restored.getSnapshot().context.failedDeliveries).toBe(1);
    restored.send({
      type: 'attempt.failed',
      at: new Date(Date.now()).toISOString(),
      reason: 'HTTP 500',
      exhausted: true,
    });
    expect(restored.getSnapshot().value).toBe('disabled');
  });
});

describe('integration machine — changeTo', () => {
  it('records every announced transition as the newest history entry', () => {
    let snapshot = start();
    const events = [fail(1), ok(2), fail(3), fail(4, false, true), { type: 'integration.enable', at: at(5) }];
    for (const event of events as IntegrationMachineEvent[]) {
      const [next, actions] = transition(integrationMachine, snapshot, event);
      snapshot = next;
      for (const a of actions) {
        if (a.type !== 'xstate.emit') continue;
        const { type: _type, ...announced } = (a.params as { event: IntegrationMachineEmitted }).event;
        expect(snapshot.context.history[0]).toEqual(announced);
        expect(snapshot.context.since).toBe(announced.at);
      }
    }
    expect(snapshot.context.history).toHaveLength(5);
  });

  it(`keeps the newest ${MAX_HISTORY_ENTRIES} transitions`, () => {
    const flaps = Array.from({ length: MAX_HISTORY_ENTRIES }, (_, i) => [
      fail(2 * i + 1),
      ok(2 * i + 2),
    ]).flat();
    const { snapshot } = run(flaps);
    expect(snapshot.context.history).toHaveLength(MAX_HISTORY_ENTRIES);
    expect(snapshot.context.history[0]).toEqual({
      from: 'failing',
      to: 'healthy',
      at: at(2 * MAX_HISTORY_ENTRIES),
      reason: 'a delivery succeeded',
    });
  });

  it('an enabled integration forgets its last error and its failure counters', () => {
    const { snapshot } = run([
      fail(1, true),
      fail(2, false, true),
      { type: 'integration.enable', at: at(3) },
    ]);
    expect(snapshot.context).toMatchObject({ lastError: null, failingSince: null, failedDeliveries: 0 });
    expect(snapshot.context.history[0]?.reason).toBe('enabled by a user');
  });
});
