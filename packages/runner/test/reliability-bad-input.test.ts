import {
  DLQ_ERROR_HEADER,
  DLQ_SOURCE_SUBJECT_HEADER,
  DLQ_STREAM,
  EVENT_TYPES,
  EVENTS_STREAM,
  exampleEvent,
  MAX_EVENT_BYTES,
  publishEvent,
} from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import { type JetStreamClient, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metrics } from '../src/metrics.js';
import { ROUTER_CONSUMER } from '../src/router/router.js';
import type { RunningHerald } from '../src/run.js';
import { IntegrationStore } from '../src/store/integrations.js';
import { eventually, integration, startHerald } from './support/herald.js';
import { type Sink, startSink } from './support/sink.js';

const TEAM = 'input';
const REASONS = ['bad_json', 'too_large', 'unknown_type', 'schema', 'subject_mismatch'] as const;
type Reason = (typeof REASONS)[number];
/** Levels of nesting of the deepest payloads: far past any recursive parser's stack. */
const DEEP_LEVELS = 100_000;

interface DeadLetter {
  subject: string;
  reason: string;
  error: string;
  source: string;
  data: Uint8Array;
}

/** What became of one published message: dead-lettered (with the DLQ copy) or routed. */
type Fate = { kind: 'dead'; letter: DeadLetter } | { kind: 'routed' };

/** Raw text as published bytes. */
const bytes = (text: string) => new TextEncoder().encode(text);
/** A value as JSON bytes. */
const encode = (value: unknown) => bytes(JSON.stringify(value));

describe('reliability — bad input on NATS', () => {
  let nats: TestNats;
  let herald: RunningHerald;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let sink: Sink;
  let dlqSub: Subscription;
  const letters = new Map<string, DeadLetter>();
  let seq = 0;

  beforeAll(async () => {
    nats = await startNats({ faults: true });
    herald = await startHerald(nats.url, { HERALD_RETRY_SCHEDULE: 'none', LOG_LEVEL: 'error' });
    nc = await connect({ servers: nats.url });
    js = jetstream(nc);
    sink = await startSink('/');
    await herald
      .resolve(IntegrationStore)
      .create(
        integration({ teamId: TEAM, type: 'webhook', config: { url: `${sink.url}all` }, events: ['*'] }),
      );
    dlqSub = nc.subscribe('herald.dlq.>');
    void (async () => {
      for await (const m of dlqSub) {
        const letter: DeadLetter = {
          subject: m.subject,
          reason: m.subject.split('.')[2] ?? '',
          error: m.headers?.get(DLQ_ERROR_HEADER) ?? '',
          source: m.headers?.get(DLQ_SOURCE_SUBJECT_HEADER) ?? '',
          data: m.data,
        };
        letters.set(letter.source, letter);
      }
    })();
  });
  afterAll(async () => {
    dlqSub?.unsubscribe();
    await nc?.close();
    await herald?.stop();
    await sink?.close();
    await nats?.cleanup();
  });

  const counters = async () => {
    const metrics = herald.resolve(Metrics);
    const dead = (await metrics.eventsDeadLettered.get()).values.reduce((n, v) => n + v.value, 0);
    const routed = (await metrics.eventsRouted.get()).values.reduce((n, v) => n + v.value, 0);
    return { dead, routed };
  };

  /** A subject no other message uses, so the DLQ copy can be told apart by its source subject. */
  const freshSubject = (type = 'build.start', team = TEAM) => `herald.events.${team}.p${++seq}.${type}`;

  /** Publishes raw bytes and waits until the router has either dead-lettered or routed them. */
  const fateOf = async (subject: string, data: Uint8Array): Promise<Fate> => {
    const before = await counters();
    await js.publish(subject, data);
    const after = await eventually(
      async () => {
        const now = await counters();
        return now.dead + now.routed > before.dead + before.routed ? now : undefined;
      },
      10_000,
      5,
    );
    // One message, one fate: never both, never twice.
    expect(after.dead + after.routed).toBe(before.dead + before.routed + 1);
    if (after.routed > before.routed) return { kind: 'routed' };
    const letter = await eventually(() => letters.get(subject), 5_000, 5);
    return { kind: 'dead', letter };
  };

  const expectDead = async (subject: string, data: Uint8Array, reasons: readonly Reason[]) => {
    const fate = await fateOf(subject, data);
    if (fate.kind !== 'dead') throw new Error(`${subject}: routed, expected the DLQ (${reasons.join('|')})`);
    expect(reasons, fate.letter.error).toContain(fate.letter.reason);
    expect(fate.letter.subject).toBe(`herald.dlq.${fate.letter.reason}`);
    expect(fate.letter.error).toMatch(new RegExp(`invalid event \\(${fate.letter.reason}\\)`));
    expect(fate.letter.error).not.toMatch(/[\r\n]/);
    expect(Buffer.from(fate.letter.data).equals(Buffer.from(data))).toBe(true);
    return fate.letter;
  };

  it('dead-letters random bytes (property): bad_json or schema, payload kept as published', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4_096 }), async (bytes) => {
        await expectDead(freshSubject(), bytes, ['bad_json', 'schema']);
      }),
      { numRuns: 60 },
    );
  });

  it('dead-letters any JSON that is not an event object (property): schema', async () => {
    const notAnEvent = fc.oneof(
      fc.jsonValue().filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)),
      fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
    );
    await fc.assert(
      fc.asyncProperty(notAnEvent, async (value) => {
        await expectDead(freshSubject(), encode(value), ['schema']);
      }),
      { numRuns: 40 },
    );
  });

  it('routes or dead-letters an event with one field given a value of any type (property), never both, never neither', async () => {
    const fields = [
      'id',
      'event',
      'occurredAt',
      'teamId',
      'projectId',
      'data',
      'data.build',
      'data.build.sha',
      'data.build.branch',
      'data.build.pullRequestId',
      'data.build.concluded',
      'data.project',
      'data.user',
    ];
    const anyValue = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.string({ maxLength: 80 }),
      fc.integer(),
      fc.constant(null),
    );
    let dead = 0;
    let routed = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fields), anyValue, async (field, value) => {
        const event = exampleEvent('build:start', {
          id: `evt_prop_${++seq}`,
          teamId: TEAM,
          projectId: `p${seq}`,
        }) as unknown as Record<string, unknown>;
        const path = field.split('.');
        let target = event;
        for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
        target[path[path.length - 1]!] = value;
        const fate = await fateOf(`herald.events.${TEAM}.p${seq}.build.start`, encode(event));
        if (fate.kind === 'dead') {
          dead++;
          expect(['schema', 'unknown_type', 'subject_mismatch']).toContain(fate.letter.reason);
        } else routed++;
      }),
      { numRuns: 60 },
    );
    console.log(`bad input — mutated events: ${dead} dead-lettered, ${routed} routed (still valid)`);
    expect(dead).toBeGreaterThan(0);
  });

  it('dead-letters a valid event published on another team’s, project’s or type’s subject (property): subject_mismatch', async () => {
    const token = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
    await fc.assert(
      fc.asyncProperty(token, token, fc.constantFrom(...EVENT_TYPES), async (team, project, type) => {
        const event = exampleEvent('build:start', {
          id: `evt_mm_${++seq}`,
          teamId: TEAM,
          projectId: `p${seq}`,
        });
        fc.pre(team !== TEAM || project !== event.projectId || type !== 'build:start');
        const subject = `herald.events.${team}.${project}.${type.replace(':', '.')}`;
        letters.delete(subject);
        await expectDead(subject, encode(event), ['subject_mismatch']);
      }),
      { numRuns: 40 },
    );
  });

  it('dead-letters each kind of bad input by hand with its reason, and counts it in herald_events_dead_lettered_total', async () => {
    const valid = () =>
      exampleEvent('build:start', { id: `evt_hand_${++seq}`, teamId: TEAM, projectId: `p${seq}` });
    const onItsSubject = (event: { projectId: string }) =>
      `herald.events.${TEAM}.${event.projectId}.build.start`;
    const text = (await herald.resolve(Metrics).registry.metrics()).split('\n');
    const metricSum = (lines: string[]) =>
      lines
        .filter((l) => l.startsWith('herald_events_dead_lettered_total{'))
        .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
    const metricBefore = metricSum(text);

    const cases: Array<[string, string, Uint8Array, Reason]> = [];
    const add = (name: string, subject: string, data: Uint8Array, reason: Reason) =>
      cases.push([name, subject, data, reason]);

    add(
      'invalid UTF-8',
      freshSubject(),
      new Uint8Array([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      'bad_json',
    );
    add('lone surrogate bytes', freshSubject(), new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22]), 'bad_json');
    add('truncated JSON', freshSubject(), bytes(JSON.stringify(valid()).slice(0, -5)), 'bad_json');
    add('empty payload', freshSubject(), new Uint8Array(), 'bad_json');
    add('JSON null', freshSubject(), bytes('null'), 'schema');
    add(
      `arrays nested ${DEEP_LEVELS} deep`,
      freshSubject(),
      bytes('['.repeat(DEEP_LEVELS) + ']'.repeat(DEEP_LEVELS)),
      'schema',
    );
    {
      const e = valid();
      const deep = `${'{"a":'.repeat(40_000)}1${'}'.repeat(40_000)}`;
      add(
        'objects nested 40 000 deep in data.build',
        onItsSubject(e),
        bytes(JSON.stringify(e).replace('"build":{', `"build":${deep},"_":{`)),
        'schema',
      );
    }
    add(
      'one byte over the size limit',
      freshSubject(),
      bytes(JSON.stringify({ ...valid(), pad: 'x'.repeat(MAX_EVENT_BYTES) }).slice(0, MAX_EVENT_BYTES + 1)),
      'too_large',
    );
    add(
      'a 900 KB string',
      freshSubject(),
      bytes(JSON.stringify({ ...valid(), data: { s: 'x'.repeat(900_000) } })),
      'too_large',
    );
    {
      const e = valid();
      add('id is a number', onItsSubject(e), encode({ ...e, id: 123 }), 'schema');
    }
    {
      const e = valid();
      add('data is a string', onItsSubject(e), encode({ ...e, data: 'build' }), 'schema');
    }
    {
      const e = valid();
      add('occurredAt is not a date', onItsSubject(e), encode({ ...e, occurredAt: 'yesterday' }), 'schema');
    }
    {
      const e = valid();
      add(
        'build.concluded is a string',
        onItsSubject(e),
        encode({ ...e, data: { ...e.data, build: { ...e.data.build, concluded: 'yes' } } }),
        'schema',
      );
    }
    {
      const e = valid();
      add('teamId with a dot', onItsSubject(e), encode({ ...e, teamId: 'in.put' }), 'schema');
    }
    {
      const e = { ...valid(), event: 'build:exploded' };
      add(
        'unknown event type',
        `herald.events.${TEAM}.${e.projectId}.build.exploded`,
        encode(e),
        'unknown_type',
      );
    }
    {
      const e = { ...valid(), event: 'x'.repeat(10_000) };
      add('a 10 000-character event type', onItsSubject(e), encode(e), 'unknown_type');
    }
    {
      const e = valid();
      add('payload of another team', onItsSubject(e), encode({ ...e, teamId: 'other' }), 'subject_mismatch');
    }
    {
      const e = valid();
      add(
        'payload of another type',
        onItsSubject(e),
        encode({ ...e, event: 'build:success' }),
        'subject_mismatch',
      );
    }
    add(
      'subject with too few tokens',
      `herald.events.${TEAM}.p${++seq}.build`,
      encode(valid()),
      'subject_mismatch',
    );
    add(
      'subject with too many tokens',
      `herald.events.${TEAM}.p${++seq}.build.start.now`,
      encode(valid()),
      'subject_mismatch',
    );
    add(
      'subject with a malformed type',
      `herald.events.${TEAM}.p${++seq}.Build.Start`,
      encode(valid()),
      'subject_mismatch',
    );

    const reasons: Record<string, number> = {};
    for (const [name, subject, data, reason] of cases) {
      const letter = await expectDead(subject, data, [reason]).catch((err: Error) => {
        throw new Error(`${name}: ${err.message}`);
      });
      reasons[letter.reason] = (reasons[letter.reason] ?? 0) + 1;
    }
    const metricAfter = metricSum((await herald.resolve(Metrics).registry.metrics()).split('\n'));
    expect(metricAfter - metricBefore).toBe(cases.length);
    for (const r of Object.keys(reasons)) {
      const line = (await herald.resolve(Metrics).registry.metrics())
        .split('\n')
        .find((l) => l.startsWith(`herald_events_dead_lettered_total{reason="${r}"}`));
      expect(line, r).toBeDefined();
    }
    console.log(`bad input — by hand: ${cases.length} dead-lettered ${JSON.stringify(reasons)}`);
  });

  it('routes what is valid despite oddities (deep or huge values where unknown keys are dropped, __proto__), and keeps working', async () => {
    const valid = (id: string) => exampleEvent('build:start', { id, teamId: TEAM, projectId: `p${++seq}` });
    const deepExtra = valid('evt_deep_extra');
    const deepText = JSON.stringify(deepExtra).replace(
      '"build":{',
      `"build":{"extra":${'['.repeat(DEEP_LEVELS)}${']'.repeat(DEEP_LEVELS)},`,
    );
    const huge = valid('evt_huge_branch');
    huge.data.build.branch = 'b'.repeat(200_000);
    const proto = valid('evt_proto');
    const protoText = JSON.stringify(proto).replace(
      '"data":{',
      '"__proto__":{"polluted":true},"data":{"__proto__":{"polluted":true},',
    );
    for (const [subject, text] of [
      [`herald.events.${TEAM}.${deepExtra.projectId}.build.start`, deepText],
      [`herald.events.${TEAM}.${huge.projectId}.build.start`, JSON.stringify(huge)],
      [`herald.events.${TEAM}.${proto.projectId}.build.start`, protoText],
    ] as const) {
      expect((await fateOf(subject, bytes(text))).kind, subject).toBe('routed');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const got = await eventually(() => {
      const ids = new Set(sink.requests.map((r) => r.headers['x-herald-notification-integration-event-id']));
      return ['evt_deep_extra', 'evt_huge_branch', 'evt_proto'].every((id) => ids.has(id)) ? ids : undefined;
    });
    expect(got.size).toBeGreaterThanOrEqual(3);
    const hugeRequest = sink.requests.find(
      (r) => r.headers['x-herald-notification-integration-event-id'] === 'evt_huge_branch',
    )!;
    expect(JSON.parse(hugeRequest.body).data.build.branch).toHaveLength(200_000);

    // Nothing left behind on the events stream, the DLQ holds exactly what was counted,
    // and the router still routes.
    const jsm = await jetstreamManager(nc);
    await eventually(async () => {
      const info = await jsm.consumers.info(EVENTS_STREAM, ROUTER_CONSUMER);
      return info.num_pending === 0 && info.num_ack_pending === 0;
    });
    const { dead } = await counters();
    expect((await jsm.streams.info(DLQ_STREAM)).state.messages).toBe(dead);
    expect(herald.service.ready).toBe(true);
    await publishEvent(js, valid('evt_after_all'));
    await eventually(() =>
      sink.requests.some((r) => r.headers['x-herald-notification-integration-event-id'] === 'evt_after_all'),
    );
  });
});
