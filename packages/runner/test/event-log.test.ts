import { startNats, type TestNats } from '@herald/core/testing';
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AckedPublisher } from '../src/nats/acked-publisher.js';
import { EVENT_LOG_BUCKET, KvEventLog } from '../src/store/event-log.js';
import type { EventOutcome, NewEventRecord } from '../src/store/event-records.js';

function record(teamId: string, n: number, outcome: EventOutcome = 'delivered', skipped = 0): NewEventRecord {
  const at = new Date(Date.UTC(2026, 0, 1) + n).toISOString();
  return {
    teamId,
    eventId: `evt_${n}`,
    type: n % 2 ? 'build:start' : 'backup:failure',
    projectId: `p${n % 3}`,
    occurredAt: at,
    receivedAt: at,
    routedAt: at,
    outcome,
    deliveredTo: outcome === 'delivered' ? ['int_a'] : [],
    skipped: Object.fromEntries(Array.from({ length: skipped }, (_, k) => [`int_skip_${k}`, 'project'])),
    skippedCount: skipped,
    throttle: null,
    rejection: null,
  };
}

describe('events log store — batched records, listings, rows by id', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let publisher: AckedPublisher;
  let log: KvEventLog;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    nats = await startNats();
    nc = await connect({ servers: nats.url });
    jsm = await jetstreamManager(nc);
    const kv = await new Kvm(nc).create(EVENT_LOG_BUCKET, { history: 1 });
    publisher = new AckedPublisher(nc, 5_000);
    log = new KvEventLog(kv, publisher);
  });
  afterAll(async () => {
    publisher?.close();
    await nc?.close();
    await nats?.cleanup();
  });

  const walk = async (teamId: string, query: Record<string, string> = {}, limit = 50) => {
    const out: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await log.list(teamId, { ...query, cursor, limit });
      out.push(...page.items.map((r) => r.eventId!));
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  };

  it('writes a team’s records of one moment in a few writes, and lists every one newest first', async () => {
    const before = (await jsm.streams.info(`KV_${EVENT_LOG_BUCKET}`)).state.messages;
    const stored = await Promise.all(Array.from({ length: 300 }, (_, n) => log.record(record('acme', n))));
    await Promise.all(stored.map((s) => s.listed));
    const after = (await jsm.streams.info(`KV_${EVENT_LOG_BUCKET}`)).state.messages;
    // 300 records: 3 batches (at most 128 each) and a few index pages, not 300 writes.
    expect(after - before).toBeLessThan(20);
    const ids = await walk('acme');
    expect(ids).toEqual(Array.from({ length: 300 }, (_, n) => `evt_${299 - n}`));
  });

  it('filters by type, project and outcome from the index entries', async () => {
    await Promise.all([
      log.record(record('globex', 1, 'rejected')),
      log.record(record('globex', 2, 'unmatched')),
    ]);
    const last = await log.record(record('globex', 3, 'delivered'));
    // One batch: its listing covers all three.
    await last.listed;
    expect(await walk('globex', { outcome: 'rejected' })).toEqual(['evt_1']);
    expect(await walk('globex', { outcome: 'delivered' })).toEqual(['evt_3']);
    expect(await walk('globex', { type: 'build:start' })).toEqual(['evt_3', 'evt_1']);
    expect(await walk('acme', { projectId: 'p1', type: 'build:start' }, 7)).toHaveLength(50);
  });

  it('batches every team’s records of a moment together, and answers each team its own rows only', async () => {
    const stored = await Promise.all([log.record(record('team-a', 1)), log.record(record('team-b', 2))]);
    await Promise.all(stored.map((s) => s.listed));
    const [a] = (await log.list('team-a', { limit: 5 })).items;
    const [b] = (await log.list('team-b', { limit: 5 })).items;
    // One write for both: the same batch.
    expect(a!.id.split('-')[0]).toBe(b!.id.split('-')[0]);
    expect(await walk('team-a')).toEqual(['evt_1']);
    expect(await walk('team-b')).toEqual(['evt_2']);
    expect(await log.get('team-b', a!.id)).toBeNull();
    expect(await log.get('team-a', a!.id)).toMatchObject({ eventId: 'evt_1', teamId: 'team-a' });
  });

  it('reads a row by its id for its team only', async () => {
    const [first] = (await log.list('acme', { limit: 1 })).items;
    expect(first?.eventId).toBe('evt_299');
    expect(await log.get('acme', first!.id)).toMatchObject({ id: first!.id, eventId: 'evt_299' });
    expect(await log.get('globex', first!.id)).toBeNull();
    expect(await log.get('acme', 'evt_299')).toBeNull();
    expect(await log.get('acme', `${first!.id.split('-')[0]}-9999`)).toBeNull();
  });

  it('splits a batch before it grows past its byte cap', async () => {
    // ~3.3 KB each with 100 skipped integrations: 256 KiB holds ~78 of them.
    const stored = await Promise.all(
      Array.from({ length: 120 }, (_, n) => log.record(record('big', n, 'unmatched', 100))),
    );
    await Promise.all(stored.map((s) => s.listed));
    const rows = (await log.list('big', { outcome: 'unmatched', limit: 200 })).items.map((r) => r.id);
    expect(rows).toHaveLength(120);
    expect(new Set(rows.map((id) => id.split('-')[0])).size).toBe(2);
    expect(await walk('big', { outcome: 'unmatched' })).toHaveLength(120);
  });
});
