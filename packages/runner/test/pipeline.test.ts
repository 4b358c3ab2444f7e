import { DLQ_ERROR_HEADER, DLQ_STREAM, exampleEvent, publishEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHerald } from '../src/run.js';
import { IntegrationStore } from '../src/store/integrations.js';
import { TOKENS } from '../src/tokens.js';
import { eventually, integration, startHerald } from './support/herald.js';
import { type Sink, startSink } from './support/sink.js';

const SIGNING_SECRET = `whsec_${Buffer.from('herald-test-signing-secret-0123').toString('base64')}`;

describe('pipeline — route, deliver, record', () => {
  let nats: TestNats;
  let herald: RunningHerald & { logs: { text: string } };
  let nc: NatsConnection;
  let sink: Sink;

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url, { HERALD_RETRY_SCHEDULE: '1s,1s' });
    nc = await connect({ servers: nats.url });
    sink = await startSink();
  });
  afterAll(async () => {
    await nc?.close();
    await herald?.stop();
    await sink?.close();
    await nats?.cleanup();
  });

  it('delivers an event published with publishEvent with the exact body, headers and a verifiable signature', async () => {
    const hook = integration({
      type: 'webhook',
      name: 'Ops hook',
      config: { url: sink.url, secret: 'tok-123', signingSecrets: [SIGNING_SECRET] },
      events: ['build:*'],
    });
    await herald.resolve(IntegrationStore).create(hook);
    const event = exampleEvent('build:start', { id: 'evt_pipeline_1' });
    await publishEvent(jetstream(nc), event);
    const [req] = await sink.waitFor(1);
    expect(req!.method).toBe('POST');
    expect(JSON.parse(req!.body)).toEqual({ event: 'build:start', data: event.data });
    expect(req!.body).toBe(JSON.stringify({ event: 'build:start', data: event.data }));
    expect(req!.headers).toMatchObject({
      'content-type': 'application/json',
      'x-herald-notification-integration-id': hook.id,
      'x-herald-notification-integration-name': 'Ops hook',
      'x-herald-notification-integration-token': 'tok-123',
      'x-herald-notification-integration-event-id': 'evt_pipeline_1',
      'x-herald-notification-integration-event-type': 'build:start',
      // Which runner made the attempt (several share the partitions in a cluster).
      'x-herald-runner-id': herald.resolve(TOKENS.config).runnerId,
    });
    expect(herald.resolve(TOKENS.config).runnerId).toMatch(/^rnr_/);
    expect(() => new Webhook(SIGNING_SECRET).verify(req!.body, req!.headers)).not.toThrow();

    const page = await eventually(async () => {
      const p = await herald.resolve(TOKENS.deliveryLog).list(hook.id, { limit: 10 });
      return p.items[0]?.status === 'succeeded' ? p : undefined;
    });
    expect(page.items).toHaveLength(1);
    const detail = await herald.resolve(TOKENS.deliveryLog).getDetail(hook.id, page.items[0]!.id);
    expect(detail!.attempts).toHaveLength(1);
    expect(detail!.attempts[0]!.response!.status).toBe(200);
    expect(detail!.attempts[0]!.request.headers['X-Herald-Runner-Id']).toBe(
      herald.resolve(TOKENS.config).runnerId,
    );
    // The token is masked in the log.
    expect(JSON.stringify(detail)).not.toContain('tok-123');
    expect(JSON.stringify(detail)).not.toContain(SIGNING_SECRET);
  });

  it('delivers a raw JSON event published with a plain NATS client', async () => {
    const start = sink.requests.length;
    const event = exampleEvent('build:failure', { id: 'evt_raw_1' });
    await jetstream(nc).publish('herald.events.acme.personal-blog.build.failure', JSON.stringify(event), {
      msgID: event.id,
    });
    const reqs = await sink.waitFor(start + 1);
    expect(JSON.parse(reqs[start]!.body).event).toBe('build:failure');
  });

  it.each([
    ['bad_json', 'herald.events.acme.p.build.start', '{not json'],
    [
      'unknown_type',
      'herald.events.acme.p.build.exploded',
      JSON.stringify({ ...exampleEvent('build:start'), event: 'build:exploded', projectId: 'p' }),
    ],
    [
      'schema',
      'herald.events.acme.p.build.start',
      JSON.stringify({ ...exampleEvent('build:start'), projectId: 'p', data: { build: {} } }),
    ],
    [
      'subject_mismatch',
      'herald.events.globex.personal-blog.build.start',
      JSON.stringify(exampleEvent('build:start', { id: 'evt_mismatch' })),
    ],
    ['too_large', 'herald.events.acme.p.build.start', 'x'.repeat(300 * 1024)],
  ])('dead-letters %s with the reason in a header', async (reason, subject, payload) => {
    await jetstream(nc).publish(subject, payload);
    const msg = await eventually(async () => {
      const jsm = await jetstream(nc).jetstreamManager();
      return await jsm.streams
        .getMessage(DLQ_STREAM, { last_by_subj: `herald.dlq.${reason}` })
        .catch(() => undefined);
    });
    expect(msg.header.get(DLQ_ERROR_HEADER)).toMatch(new RegExp(reason));
    expect(msg.header.get('Herald-Source-Subject')).toBe(subject);
  });

  it('retries a 503 twice, then succeeds: three attempts, all in the log', async () => {
    const flaky = await startSink();
    let calls = 0;
    flaky.respond((_req, res) => {
      calls++;
      if (calls <= 2) res.writeHead(503, { 'content-type': 'text/plain' }).end('busy');
      else res.writeHead(200).end('ok');
    });
    const hook = integration({ type: 'webhook', config: { url: flaky.url }, events: ['backup:success'] });
    await herald.resolve(IntegrationStore).create(hook);
    await publishEvent(jetstream(nc), exampleEvent('backup:success', { id: 'evt_retry_1' }));
    await flaky.waitFor(3, 20_000);
    const detail = await eventually(async () => {
      const p = await herald.resolve(TOKENS.deliveryLog).list(hook.id, { limit: 1 });
      const d = p.items[0] && (await herald.resolve(TOKENS.deliveryLog).getDetail(hook.id, p.items[0].id));
      return d && d.status === 'succeeded' ? d : undefined;
    });
    expect(detail.attempts.map((a) => a.response?.status)).toEqual([503, 503, 200]);
    expect(detail.attempts.map((a) => a.outcome)).toEqual(['retry', 'retry', 'success']);
    expect(detail.attempts[0]!.response!.body).toBe('busy');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(flaky.requests).toHaveLength(3);
    await flaky.close();
  });
});
