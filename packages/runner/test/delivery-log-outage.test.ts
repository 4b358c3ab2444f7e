import { DELIVERY_LOG_STREAM, deliveryIdFor, exampleEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newDeliveryRecord } from '../src/delivery/delivery-steps.js';
import { AckedPublisher } from '../src/nats/acked-publisher.js';
import { KvDeliveryLog } from '../src/store/delivery-log.js';
import type { DeliveryRecord } from '../src/store/delivery-records.js';

function succeeded(n: number): DeliveryRecord {
  const event = exampleEvent('build:success', { id: `evt_outage_${n}` });
  const record = newDeliveryRecord(
    { integrationId: 'int_outage', teamId: 'acme', event },
    deliveryIdFor(event.id, 'int_outage'),
    new Date().toISOString(),
  );
  return { ...record, status: 'succeeded', attemptCount: 1 };
}

/**
 * While the log's stream has no leader (after a NATS node died), nothing answers its
 * subject. A record of an attempt already made must wait for it, not fail: failing gives
 * the delivery up, and its redelivery sends the request again.
 */
describe('the delivery log while its stream does not answer', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let publisher: AckedPublisher;

  const createBucket = () => new Kvm(nc).create(DELIVERY_LOG_STREAM, { history: 1 });

  beforeAll(async () => {
    nats = await startNats({ faults: true });
    nc = await connect({ servers: nats.url });
    jsm = await jetstreamManager(nc);
    publisher = new AckedPublisher(nc, 5_000);
  });
  beforeEach(async () => {
    await jsm.streams.delete(`KV_${DELIVERY_LOG_STREAM}`).catch(() => undefined);
  });
  afterAll(async () => {
    publisher?.close();
    await nc?.close();
    await nats?.cleanup();
  });

  it('a record written while no stream answers is stored once the stream is back', async () => {
    const log = new KvDeliveryLog(await createBucket(), publisher, jsm);
    await jsm.streams.delete(`KV_${DELIVERY_LOG_STREAM}`);
    const record = succeeded(1);
    const saving = log.save(record, { isNew: true, enteredStatus: 'succeeded', create: true });
    let settled = false;
    void saving.then(
      () => (settled = true),
      () => (settled = true),
    );
    await new Promise((r) => setTimeout(r, 600));
    expect(settled).toBe(false); // still being sent, not failed
    await createBucket();
    await (await saving).indexed;
    expect((await log.getRecord(record.integrationId, record.id))?.status).toBe('succeeded');
  });

  it('gives up with the reason once the retry budget is spent', async () => {
    const log = new KvDeliveryLog(await createBucket(), publisher, jsm, 300);
    await jsm.streams.delete(`KV_${DELIVERY_LOG_STREAM}`);
    const started = Date.now();
    await expect(
      log.save(succeeded(2), { isNew: true, enteredStatus: 'succeeded', create: true }),
    ).rejects.toThrow('no JetStream stream answers this subject');
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("a create that finds another writer's record fails at once, without being sent again", async () => {
    const log = new KvDeliveryLog(await createBucket(), publisher, jsm);
    const record = succeeded(3);
    await (await log.save(record, { isNew: true, enteredStatus: 'succeeded', create: true })).indexed;
    const started = Date.now();
    const other = { ...record, updatedAt: new Date(Date.now() + 1).toISOString() };
    await expect(log.save(other, { isNew: true, enteredStatus: 'succeeded', create: true })).rejects.toThrow(
      'is recorded already',
    );
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
