import { startNats, type TestNats } from '@herald/core/testing';
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AckedPublisher, PublishError } from '../src/nats/acked-publisher.js';
import { ForgottenAcks } from '../src/nats/forgotten-acks.js';
import { installWriteCoalescing } from '../src/nats/write-coalescing.js';
import { eventually } from './support/herald.js';

const STREAM = 'PUBTEST';

describe('AckedPublisher and ForgottenAcks against a real nats-server', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let publisher: AckedPublisher;

  beforeAll(async () => {
    // The runner coalesces the client's socket writes; these tests run with it installed.
    expect(installWriteCoalescing()).toBe(true);
    nats = await startNats({ faults: true });
    nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: STREAM, subjects: ['pub.>'] });
    publisher = new AckedPublisher(nc, 1_000);
  });
  afterAll(async () => {
    publisher?.close();
    await nc?.close();
    await nats?.cleanup();
  });

  it('resolves with the stored sequence; a repeated Nats-Msg-Id is answered as a duplicate', async () => {
    const first = await publisher.publish('pub.a', 'one', { msgId: 'm-1' });
    const again = await publisher.publish('pub.a', 'one', { msgId: 'm-1' });
    expect(first).toEqual({ stream: STREAM, seq: expect.any(Number), duplicate: false });
    expect(again).toEqual({ stream: STREAM, seq: first.seq, duplicate: true });
    const stored = await jsm.streams.getMessage(STREAM, { seq: first.seq });
    expect(stored?.string()).toBe('one');
    expect(stored?.header.get('Nats-Msg-Id')).toBe('m-1');
    // Both headers in one block; a line break in an id is refused before anything is sent.
    const both = await publisher.publish('pub.both', 'x', { msgId: 'm-2', expectLastSubjectSeq: 0 });
    const bothStored = await jsm.streams.getMessage(STREAM, { seq: both.seq });
    expect(bothStored?.header.get('Nats-Msg-Id')).toBe('m-2');
    expect(bothStored?.header.get('Nats-Expected-Last-Subject-Sequence')).toBe('0');
    await expect(publisher.publish('pub.a', 'x', { msgId: 'm\r\nNats-Rollup: all' })).rejects.toThrow(
      /CR or LF/,
    );
  });

  it('answers many publishes in flight at once, each with its own sequence', async () => {
    const acks = await Promise.all(
      Array.from({ length: 500 }, (_, i) => publisher.publish(`pub.many.${i}`, `${i}`)),
    );
    expect(new Set(acks.map((a) => a.seq)).size).toBe(500);
    const msg = await jsm.streams.getMessage(STREAM, { seq: acks[123]!.seq });
    expect(msg?.string()).toBe('123');
  });

  it('writes what one event-loop turn publishes in a few socket writes, not one per message', async () => {
    type Writable = { _write: (...a: unknown[]) => void; _writev?: (...a: unknown[]) => void };
    const socket = (nc as unknown as { protocol: { transport: { socket: Writable } } }).protocol.transport
      .socket;
    const { _write, _writev } = socket;
    let writes = 0;
    socket._write = (...a: unknown[]) => {
      writes++;
      _write.apply(socket, a);
    };
    if (_writev)
      socket._writev = (...a: unknown[]) => {
        writes++;
        _writev.apply(socket, a);
      };
    const acks: Promise<unknown>[] = [];
    try {
      // Each publish in its own microtask: the client flushes after each one.
      for (let i = 0; i < 200; i++) {
        acks.push(publisher.publish(`pub.turn.${i}`, `${i}`));
        await Promise.resolve();
      }
      await new Promise((r) => setImmediate(r));
    } finally {
      socket._write = _write;
      if (_writev) socket._writev = _writev;
    }
    await Promise.all(acks);
    expect(writes).toBeGreaterThanOrEqual(1);
    expect(writes).toBeLessThanOrEqual(5);
  });

  it('compare-and-set: expected 0 creates once, then refuses with a wrong-last-sequence error', async () => {
    const created = await publisher.publish('pub.cas', 'v1', { expectLastSubjectSeq: 0 });
    const refused = await publisher
      .publish('pub.cas', 'v1 again', { expectLastSubjectSeq: 0 })
      .catch((e) => e);
    expect(refused).toBeInstanceOf(PublishError);
    expect((refused as PublishError).isWrongLastSequence).toBe(true);
    expect((refused as Error).message).toMatch(/wrong last sequence/);
    const updated = await publisher.publish('pub.cas', 'v2', { expectLastSubjectSeq: created.seq });
    expect(updated.seq).toBeGreaterThan(created.seq);
  });

  it('rejects a subject no stream stores, naming the problem', async () => {
    const err = await publisher.publish('nowhere.at.all', 'x').catch((e) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect((err as PublishError).code).toBe(503);
    expect((err as Error).message).toMatch(/no JetStream stream/);
  });

  it('ForgottenAcks: everything is suspect until the horizon is known, then only what was stored before', async () => {
    const before = await publisher.publish('pub.h', 'x');
    const forgotten = new ForgottenAcks(jsm, STREAM, pino({ level: 'silent' }));
    expect(forgotten.possible(before.seq + 1_000)).toBe(true);
    await forgotten.start(nc);
    expect(forgotten.possible(before.seq)).toBe(true);
    const after = await publisher.publish('pub.h', 'y');
    expect(forgotten.possible(after.seq)).toBe(false);

    // A nats-server restart may lose acks: what was stored before the reconnect is suspect again.
    await nats.kill();
    await nats.restart();
    await eventually(() => forgotten.possible(after.seq), 10_000, 50);
    const later = await eventually(() => publisher.publish('pub.h', 'z').catch(() => null), 10_000, 100);
    await eventually(() => !forgotten.possible(later!.seq), 10_000, 50);
  });

  it('ForgottenAcks: a leader elected for the stream or one of its consumers makes what was stored before suspect again', async () => {
    const forgotten = new ForgottenAcks(jsm, STREAM, pino({ level: 'silent' }));
    await forgotten.start(nc);
    const stored = await publisher.publish('pub.h', 'a');
    expect(forgotten.possible(stored.seq)).toBe(false);
    // What nats-server announces when a consumer's new leader takes over (its old node died).
    nc.publish(`$JS.EVENT.ADVISORY.CONSUMER.LEADER_ELECTED.${STREAM}.some-consumer`, '{}');
    const known = () => !forgotten.possible(Number.MAX_SAFE_INTEGER); // the horizon is read again
    await eventually(() => forgotten.possible(stored.seq) && known(), 5_000, 20);
    const later = await publisher.publish('pub.h', 'b');
    await eventually(() => !forgotten.possible(later.seq), 5_000, 20);
    expect(forgotten.possible(stored.seq)).toBe(true);
    nc.publish(`$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.${STREAM}`, '{}');
    await eventually(() => forgotten.possible(later.seq) && known(), 5_000, 20);
  });

  it('fails what waits for an ack at once when the connection drops: that ack cannot come', {
    timeout: 20_000,
  }, async () => {
    const slow = new AckedPublisher(nc, 10_000);
    // A subscriber that never answers: the publish waits for an ack that nothing sends.
    const silent = nc.subscribe('silent.>');
    try {
      const waiting = slow.publish('silent.one', 'x').catch((e: unknown) => e);
      await nc.flush();
      const killedAt = Date.now();
      await nats.kill();
      const err = await waiting;
      expect(err).toBeInstanceOf(PublishError);
      expect((err as PublishError).isUnanswered).toBe(true);
      expect((err as Error).message).toMatch(/connection to NATS dropped/);
      expect(Date.now() - killedAt).toBeLessThan(5_000);
      await nats.restart();
      // Once JetStream is back, a write is answered as usual, by this publisher too.
      await eventually(
        () =>
          publisher.publish('pub.after', 'y').then(
            () => true,
            () => false,
          ),
        10_000,
        200,
      );
      expect((await slow.publish('pub.after', 'z')).seq).toBeGreaterThan(0);
    } finally {
      silent.unsubscribe();
      slow.close();
    }
  });

  it('rejects after its timeout when nats-server does not answer', { timeout: 20_000 }, async () => {
    await nats.stop();
    const started = Date.now();
    const err = await publisher.publish('pub.late', 'x').catch((e) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect((err as Error).message).toMatch(/no ack from JetStream within 1000 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    await nats.restart();
  });
});
