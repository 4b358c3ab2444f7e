import { allowedInFlight, DEFAULT_HEALTH_POLICY, type IntegrationMachineEmitted } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import { type KV, Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActorRegistry } from '../src/delivery/actors.js';
import { HealthStore } from '../src/store/health.js';

describe('ActorRegistry', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let kv: KV;

  beforeAll(async () => {
    nats = await startNats();
    nc = await connect({ servers: nats.url });
    kv = await new Kvm(nc).create('ACTORS_TEST', { history: 1 });
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.cleanup();
  });

  it('gives an integration without persisted state an actor only when an event changes its machine', async () => {
    const health = new HealthStore(kv);
    await health.start();
    const transitions: Array<[string, IntegrationMachineEmitted]> = [];
    const actors = new ActorRegistry({
      health,
      policy: DEFAULT_HEALTH_POLICY,
      concurrency: 3,
      idleTtlMs: 60_000,
      onTransition: async (id, t) => {
        transitions.push([id, t]);
      },
    });
    try {
      // Fresh: healthy at the configured concurrency, no actor, nothing stored.
      const fresh = actors.peek('int_fresh');
      expect(fresh?.value).toBe('healthy');
      expect(allowedInFlight(fresh!)).toBe(3);
      expect(
        (await actors.send('int_fresh', { type: 'attempt.succeeded', at: new Date().toISOString() })).value,
      ).toBe('healthy');
      expect(actors.size).toBe(0);
      expect(actors.states()).toEqual({ healthy: 1, failing: 0, disabled: 0 });
      expect(await kv.get('int_fresh')).toBeNull();

      // A failure changes the machine: now it has an actor, its state is stored and announced.
      const failed = await actors.send('int_fresh', {
        type: 'attempt.failed',
        at: new Date().toISOString(),
        reason: 'HTTP 500',
        exhausted: false,
      });
      expect(failed.value).toBe('failing');
      expect(actors.size).toBe(1);
      expect(actors.peek('int_fresh')?.value).toBe('failing');
      expect(allowedInFlight(actors.peek('int_fresh')!)).toBe(1);
      expect(actors.states()).toEqual({ healthy: 0, failing: 1, disabled: 0 });
      expect(JSON.parse((await kv.get('int_fresh'))!.string()).value).toBe('failing');
      expect(transitions.map(([id, t]) => [id, t.from, t.to])).toEqual([['int_fresh', 'healthy', 'failing']]);

      // Evicted, it comes back from its stored state, not as a fresh machine.
      expect(actors.evictIdle(Date.now() + 120_000)).toBe(1);
      expect(actors.peek('int_fresh')).toBeUndefined();
      expect((await actors.snapshot('int_fresh')).value).toBe('failing');

      // Forgotten (deleted): fresh again, and not counted twice.
      await actors.forget('int_fresh');
      expect(actors.peek('int_fresh')?.value).toBe('healthy');
      expect(actors.size).toBe(0);
      expect(actors.states()).toEqual({ healthy: 1, failing: 0, disabled: 0 });
    } finally {
      actors.stop();
      health.stop();
    }
  });
});
