import { startNats, type TestNats } from '@herald/core/testing';
import { type KV, Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthStore } from '../src/store/health.js';
import { eventually } from './support/herald.js';

const snapshot = (state: string) => ({ value: state, context: { failedDeliveries: 1 }, status: 'active' });

describe('HealthStore follows which integrations have a snapshot', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let kv: KV;

  beforeAll(async () => {
    nats = await startNats({ faults: true });
    nc = await connect({ servers: nats.url });
    kv = await new Kvm(nc).create('HEALTH_TEST', { history: 1 });
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.cleanup();
  });

  it('loads snapshots stored before and after it started, by itself or another runner; none for the rest', async () => {
    await kv.put('int_before', JSON.stringify(snapshot('failing')));
    const store = new HealthStore(kv);
    const other = new HealthStore(kv);
    await store.start();
    try {
      expect((await store.load('int_before'))?.value).toBe('failing');
      expect(await store.load('int_never')).toBeNull();

      // Another runner (the partition's previous owner) writes one: it is seen, not assumed absent.
      await other.save('int_elsewhere', snapshot('disabled'));
      await eventually(async () => (await store.load('int_elsewhere'))?.value === 'disabled');

      await store.save('int_mine', snapshot('failing'));
      expect((await store.load('int_mine'))?.value).toBe('failing');

      // Removed elsewhere: gone here too.
      await other.remove('int_before');
      await eventually(async () => (await store.load('int_before')) === null);
    } finally {
      store.stop();
    }
    // Stopped: it reads every time again.
    expect((await store.load('int_mine'))?.value).toBe('failing');
  });
});
