import { exampleEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECOVERED_REASON } from '../src/delivery/recovered-attempt.js';
import { BUCKETS } from '../src/nats/provision.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { type ApiClient, apiClient } from './support/api-client.js';
import { eventually } from './support/herald.js';
import { type RunnerProcess, startRunnerProcess } from './support/runner-process.js';
import { type Sink, type SinkRequest, startSink } from './support/sink.js';

// A short ack wait: what the killed runner held comes back this soon. One attempt at a time
// per integration, so a second delivery waits in its lane behind one in flight. Retries
// wait an hour: none interferes.
const ENV = {
  HERALD_ACK_WAIT: '4s',
  HERALD_HTTP_TIMEOUT: '2s',
  HERALD_LEASE_TTL: '2s',
  HERALD_CONCURRENCY_PER_INTEGRATION: '1',
  HERALD_RETRY_SCHEDULE: '1h',
};

const EVENT_ID_HEADER = 'x-herald-notification-integration-event-id';

function event(id: string) {
  const { teamId: _team, ...rest } = exampleEvent('build:success', { id });
  return rest;
}

interface Attempt {
  number: number;
  trigger: string;
  outcome: string;
  response: { status: number } | null;
  reason: string | null;
}

describe('crash and restart — the log tells an attempt that may have reached the destination', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let sink: Sink;
  let runner: RunnerProcess | null = null;
  let api: ApiClient;
  let key: string;
  /** Event ids whose requests the sink holds unanswered (the runner's HTTP timeout ends them). */
  const hanging = new Set<string>();

  /** What the sink received for one integration (its path) and one event. */
  const requestsFor = (integration: string, eventId: string): SinkRequest[] =>
    sink.requests.filter((r) => r.path === `/${integration}` && r.headers[EVENT_ID_HEADER] === eventId);

  async function newIntegration(name: string): Promise<string> {
    const created = await api.post('/v1/integrations', {
      name,
      type: 'webhook',
      config: { url: `${sink.url}${name}` },
      events: ['build:*'],
      confirm: false,
    });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  /** The delivery of `eventId` once `done` holds for it (list, then detail with every attempt). */
  async function deliveryOf(
    integrationId: string,
    eventId: string,
    done: (d: { status: string; attempts: Attempt[] }) => boolean,
  ) {
    let last: unknown = null;
    return eventually(
      async () => {
        const page = await api.get(`/v1/integrations/${integrationId}/deliveries?limit=100`);
        const item = page.body.items?.find((d: { eventId: string }) => d.eventId === eventId);
        if (!item) return undefined;
        const detail = (await api.get(`/v1/integrations/${integrationId}/deliveries/${item.id}`)).body;
        last = detail;
        return done(detail) ? detail : undefined;
      },
      30_000,
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last seen: ${JSON.stringify(last)}`);
    });
  }

  beforeAll(async () => {
    nats = await startNats();
    nc = await connect({ servers: nats.url });
    sink = await startSink('/');
    sink.respond((req, res) => {
      if (hanging.has(req.headers[EVENT_ID_HEADER] ?? '')) return; // never answered
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    runner = await startRunnerProcess(nats.url, ENV);
    const keys = new ApiKeyStore(await new Kvm(nc).open(BUCKETS.teams));
    key = (await keys.create('recover')).key;
    api = apiClient(runner.url, key);
  });
  afterAll(async () => {
    await runner?.kill();
    await nc?.close();
    await sink?.close();
    await nats?.cleanup();
  });

  it('kill -9 with an attempt in flight: the next runner records a recovered attempt (unknown), then the real one', {
    timeout: 60_000,
  }, async () => {
    const integrationId = await newIntegration('inflight');
    hanging.add('evt_inflight');
    expect((await api.post('/v1/events', event('evt_inflight'))).status).toBe(202);
    await sink.waitFor(1, 10_000);
    // A second delivery waits in the lane behind it (one attempt at a time), never attempted.
    expect((await api.post('/v1/events', event('evt_waiting'))).status).toBe(202);
    await new Promise((r) => setTimeout(r, 500));
    expect(requestsFor('inflight', 'evt_waiting')).toHaveLength(0);
    // The request is at the destination, its answer not yet at the runner: it dies now.
    await runner!.kill('SIGKILL');
    hanging.delete('evt_inflight');
    runner = await startRunnerProcess(nats.url, ENV);
    api = apiClient(runner.url, key);

    const delivery = await deliveryOf(integrationId, 'evt_inflight', (d) => d.status === 'succeeded');
    expect(
      delivery.attempts.map((a: Attempt) => ({ number: a.number, trigger: a.trigger, outcome: a.outcome })),
    ).toEqual([
      { number: 1, trigger: 'recovered', outcome: 'unknown' },
      { number: 2, trigger: 'scheduled', outcome: 'success' },
    ]);
    const [recovered, real] = delivery.attempts as Attempt[];
    expect(recovered!.response).toBeNull();
    expect(recovered!.reason).toBe(RECOVERED_REASON);
    expect(real!.response?.status).toBe(200);
    // The receiver saw two requests; the log now accounts for both.
    expect(requestsFor('inflight', 'evt_inflight')).toHaveLength(2);
    // The recovered attempt used up no retry and did not make the integration failing.
    const integration = (await api.get(`/v1/integrations/${integrationId}`)).body;
    expect(integration.state).toBe('healthy');

    // After a crash, a delivery that only waited cannot be told from one in flight without a
    // write before every attempt: it is marked too ("may have"), and was in fact sent once.
    const waiting = await deliveryOf(integrationId, 'evt_waiting', (d) => d.status === 'succeeded');
    expect(waiting.attempts.map((a: Attempt) => `${a.trigger}:${a.outcome}`)).toEqual([
      'recovered:unknown',
      'scheduled:success',
    ]);
    expect(requestsFor('inflight', 'evt_waiting')).toHaveLength(1);
  });

  it('SIGTERM with a delivery waiting in its lane: given back unattempted, it gets no recovered attempt', {
    timeout: 60_000,
  }, async () => {
    const integrationId = await newIntegration('queued');
    expect((await api.post('/v1/events', event('evt_done'))).status).toBe(202);
    const done = await deliveryOf(integrationId, 'evt_done', (d) => d.status === 'succeeded');

    // One attempt in flight (unanswered), and a resend of the finished delivery behind it:
    // a partition message that waits in the lane (one attempt at a time).
    hanging.add('evt_slow');
    expect((await api.post('/v1/events', event('evt_slow'))).status).toBe(202);
    await eventually(() => requestsFor('queued', 'evt_slow').length === 1, 10_000);
    const resend = await api.post(`/v1/integrations/${integrationId}/deliveries/${done.id}/resend`);
    expect(resend.status).toBeLessThan(300);
    await new Promise((r) => setTimeout(r, 1_000)); // the runner pulls it into the lane
    expect(requestsFor('queued', 'evt_done')).toHaveLength(1);

    // Stopping gives the waiting resend back (nak) and finishes the attempt in flight (it times out).
    expect(await runner!.kill('SIGTERM')).toBe(0);
    runner = await startRunnerProcess(nats.url, ENV);
    api = apiClient(runner.url, key);

    const resent = await deliveryOf(integrationId, 'evt_done', (d) => d.attempts.length >= 2);
    expect(
      resent.attempts.map((a: Attempt) => ({ number: a.number, trigger: a.trigger, outcome: a.outcome })),
    ).toEqual([
      { number: 1, trigger: 'scheduled', outcome: 'success' },
      { number: 2, trigger: 'manual', outcome: 'success' },
    ]);
    expect(requestsFor('queued', 'evt_done')).toHaveLength(2);
    // The attempt in flight at the stop was recorded by its own runner: nothing to recover.
    const slow = await deliveryOf(integrationId, 'evt_slow', (d) => d.attempts.length >= 1);
    expect(slow.attempts.map((a: Attempt) => a.trigger)).toEqual(['scheduled']);
    expect(slow.status).toBe('retrying');
  });
});
