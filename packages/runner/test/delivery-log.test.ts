import { DELIVERY_LOG_STREAM, deliveryIdFor, exampleEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newDeliveryRecord } from '../src/delivery/delivery-steps.js';
import { AckedPublisher } from '../src/nats/acked-publisher.js';
import { KvDeliveryLog, LOG_PAGE_SIZE, RecordExistsError } from '../src/store/delivery-log.js';
import type { AttemptRecord, DeliveryRecord } from '../src/store/delivery-records.js';
import { LogIndex } from '../src/store/log-index.js';

function delivery(integrationId: string, n: number): DeliveryRecord {
  const event = exampleEvent('build:success', { id: `evt_${integrationId}_${n}` });
  return newDeliveryRecord(
    { integrationId, teamId: 'acme', event },
    deliveryIdFor(event.id, integrationId),
    new Date().toISOString(),
  );
}

function attemptOf(number: number, status: number): AttemptRecord {
  return {
    number,
    trigger: 'scheduled',
    at: new Date().toISOString(),
    durationMs: 3,
    request: { method: 'POST', url: 'https://example.test/hook', headers: {}, body: '{}' },
    response: { status, headers: {}, body: '', truncated: false },
    error: null,
    outcome: status < 300 ? 'success' : 'retry',
    reason: status < 300 ? null : `HTTP ${status}`,
  };
}

/** Every delivery id of a listing, newest first, following its cursors. */
async function listAll(log: KvDeliveryLog, integrationId: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await log.list(integrationId, { limit, cursor });
    ids.push(...page.items.map((r) => r.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

describe('KvDeliveryLog', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let kv: KV;
  let publisher: AckedPublisher;
  let log: KvDeliveryLog;

  /** Writes to the log's bucket so far (each KV write is one stream message). */
  const writes = async () => (await jsm.streams.info(`KV_${DELIVERY_LOG_STREAM}`)).state.last_seq;

  beforeAll(async () => {
    nats = await startNats({ faults: true });
    nc = await connect({ servers: nats.url });
    jsm = await jetstreamManager(nc);
    kv = await new Kvm(nc).create(DELIVERY_LOG_STREAM, { history: 1 });
    publisher = new AckedPublisher(nc, 5_000);
    log = new KvDeliveryLog(kv, publisher, jsm);
  });
  afterAll(async () => {
    publisher?.close();
    await nc?.close();
    await nats?.cleanup();
  });

  it('keeps attempt 1 in the record (one write) and later attempts beside it; detail shows them in order', async () => {
    const record = delivery('int_detail', 1);
    const before = await writes();
    const first = { ...record, status: 'retrying' as const, attemptCount: 1 };
    await (
      await log.save(first, {
        isNew: true,
        enteredStatus: 'retrying',
        attempt: attemptOf(1, 503),
        create: true,
      })
    ).indexed;
    // The record and one index page (created, then its head): no separate attempt write.
    expect(await writes()).toBe(before + 3);
    const second = { ...first, status: 'succeeded' as const, attemptCount: 2 };
    await (await log.save(second, { isNew: false, enteredStatus: 'succeeded', attempt: attemptOf(2, 200) }))
      .indexed;
    const detail = await log.getDetail('int_detail', record.id);
    expect(detail?.status).toBe('succeeded');
    expect(detail?.attempts.map((a) => [a.number, a.response?.status])).toEqual([
      [1, 503],
      [2, 200],
    ]);
    expect(detail).not.toHaveProperty('firstAttempt');
  });

  it('refuses to create a record that exists, with RecordExistsError', async () => {
    const record = delivery('int_exists', 1);
    await log.save({ ...record }, { isNew: true, enteredStatus: 'pending', create: true });
    const err = await log
      .save({ ...record }, { isNew: true, enteredStatus: 'pending', create: true })
      .catch((e) => e);
    expect(err).toBeInstanceOf(RecordExistsError);
  });

  it("reads a record from the stream's leader as it reads it from any replica, and none that is missing", async () => {
    const record = delivery('int_current', 1);
    await (await log.save({ ...record }, { isNew: true, enteredStatus: 'pending', create: true })).indexed;
    expect(await log.currentRecord(record.integrationId, record.id)).toEqual(
      await log.getRecord(record.integrationId, record.id),
    );
    expect((await log.currentRecord(record.integrationId, record.id))?.id).toBe(record.id);
    expect(await log.currentRecord(record.integrationId, 'dlv_missing')).toBeNull();
    await kv.delete(`d.${record.integrationId}.${record.id}`);
    expect(await log.currentRecord(record.integrationId, record.id)).toBeNull();
  });

  it('lists newest first across pages, with one index write for many deliveries saved together', async () => {
    const id = 'int_batch';
    const records = Array.from({ length: LOG_PAGE_SIZE * 2 + 10 }, (_, i) => delivery(id, i));
    // The first write goes at once; the rest arrive while it is under way and share writes.
    const before = await writes();
    const saved = await Promise.all(
      records.map((r) =>
        log.save({ ...r, status: 'succeeded' }, { isNew: true, enteredStatus: 'succeeded', create: true }),
      ),
    );
    await Promise.all(saved.map((s) => s.indexed));
    const indexWrites = (await writes()) - before - records.length;
    // Three pages created (each: page + head), one for the first id alone; far fewer than one per delivery.
    expect(indexWrites).toBeLessThanOrEqual(10);
    const seen = await listAll(log, id, 50);
    expect(new Set(seen).size).toBe(records.length);
    expect(seen[0]).toBe(records[records.length - 1]!.id);
    expect(seen[seen.length - 1]).toBe(records[0]!.id);
  });

  it('reindex after a crash lists a delivery once, also when pages have filled since', async () => {
    const id = 'int_reindex';
    const records = Array.from({ length: LOG_PAGE_SIZE * 3 + 5 }, (_, i) => ({
      ...delivery(id, i),
      status: 'succeeded' as const,
    }));
    for (const r of records)
      await (await log.save(r, { isNew: true, enteredStatus: 'succeeded', create: true })).indexed;
    // A new process (no cached tail) reindexes the last of page 1 and the newest, as a redelivery would.
    const restarted = new KvDeliveryLog(kv, publisher, jsm);
    // The first is four pages back: beyond the appender's own window, found by the reindex walk.
    await restarted.reindex(records[0]!);
    await restarted.reindex(records[LOG_PAGE_SIZE - 1]!);
    await restarted.reindex(records[records.length - 1]!);
    const listed = await listAll(restarted, id, 100);
    expect(listed).toHaveLength(records.length);
    expect(new Set(listed).size).toBe(records.length);
    // A record that was never listed (crash between record and index) is listed by reindex.
    const lost = { ...delivery(id, 999), status: 'failed' as const };
    await log.save(lost, { isNew: false, enteredStatus: null, create: true });
    expect((await log.list(id, { limit: 1 })).items[0]?.id).not.toBe(lost.id);
    await restarted.reindex(lost);
    expect((await log.list(id, { limit: 1 })).items[0]?.id).toBe(lost.id);
    expect((await log.list(id, { limit: 5, status: 'failed' })).items.map((r) => r.id)).toEqual([lost.id]);
  });

  it("a reindex queued behind its delivery's own listing, in a batch that spans pages, lists it once", async () => {
    // After an outage a chain's appends pile up behind one stuck write and go as one batch
    // over several pages; a redelivered copy's reindex came meanwhile. Checked before it
    // queued, the reindex saw nothing listed yet; appended after that batch, a plain append
    // no longer sees the id (more than two pages back) and lists it twice.
    const id = 'int_reindex_race';
    const put = async (key: string, value: unknown, expectRevision?: number) =>
      (
        await publisher.publish(`$KV.${DELIVERY_LOG_STREAM}.${key}`, JSON.stringify(value), {
          expectLastSubjectSeq: expectRevision,
        })
      ).seq;
    const index = new LogIndex(kv, put);
    const late = `dlv_late_${Date.now()}`;
    const since = Date.now();
    const rest = Array.from({ length: LOG_PAGE_SIZE * 2 + 10 }, (_, i) => `dlv_rest_${i}`);
    // An idle chain is written at once: this batch is under way when the reindex queues.
    const batch = index.append(id, 'all', [late, ...rest]);
    const reindexed = index.append(id, 'all', late, since);
    await Promise.all([batch, reindexed]);
    const pages: string[] = [];
    for (let p = 1; p <= (await index.head(id, 'all')); p++) pages.push(...(await index.page(id, 'all', p)));
    expect(pages.filter((x) => x === late)).toHaveLength(1);
    expect(pages).toHaveLength(rest.length + 1);
    // And through the log: a reindex of a delivery listed pages back adds nothing.
    const record = {
      ...delivery(id, 0),
      id: late,
      status: 'succeeded' as const,
      updatedAt: new Date(since).toISOString(),
    };
    await new KvDeliveryLog(kv, publisher, jsm).reindex(record);
    const after: string[] = [];
    for (let p = 1; p <= (await index.head(id, 'all')); p++) after.push(...(await index.page(id, 'all', p)));
    expect(after).toEqual(pages);
  });
});
