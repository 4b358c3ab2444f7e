import { exampleEvent, publishEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHerald } from '../src/run.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { IntegrationStore } from '../src/store/integrations.js';
import { type ApiClient, apiClient } from './support/api-client.js';
import { eventually, integration, startHerald } from './support/herald.js';
import { type Sink, startSink } from './support/sink.js';

const EVENT_ID_HEADER = 'x-herald-notification-integration-event-id';

describe('teams stay apart — event ids are per team', () => {
  let nats: TestNats;
  let herald: RunningHerald;
  let nc: NatsConnection;
  let sink: Sink;
  let acme: ApiClient;
  let globex: ApiClient;

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url);
    nc = await connect({ servers: nats.url });
    sink = await startSink('/');
    const keys = herald.resolve(ApiKeyStore);
    acme = apiClient(herald.url, (await keys.create('acme')).key);
    globex = apiClient(herald.url, (await keys.create('globex')).key);
    for (const team of ['acme', 'globex']) {
      await herald
        .resolve(IntegrationStore)
        .create(integration({ teamId: team, type: 'webhook', config: { url: `${sink.url}${team}` } }));
    }
  });
  afterAll(async () => {
    await nc?.close();
    await herald?.stop();
    await sink?.close();
    await nats?.cleanup();
  });

  const arrivals = (team: string, id: string) =>
    sink.requests.filter((r) => r.path === `/${team}` && r.headers[EVENT_ID_HEADER] === id).length;

  it('delivers the same event id to two teams published over NATS; a repeat within one team is dropped', async () => {
    const js = jetstream(nc);
    const a = await publishEvent(js, exampleEvent('build:start', { id: 'evt_shared_nats', teamId: 'acme' }));
    const b = await publishEvent(
      js,
      exampleEvent('build:start', { id: 'evt_shared_nats', teamId: 'globex' }),
    );
    const again = await publishEvent(
      js,
      exampleEvent('build:start', { id: 'evt_shared_nats', teamId: 'acme' }),
    );
    expect([a.duplicate, b.duplicate, again.duplicate]).toEqual([false, false, true]);
    await eventually(
      () => arrivals('acme', 'evt_shared_nats') >= 1 && arrivals('globex', 'evt_shared_nats') >= 1,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(arrivals('acme', 'evt_shared_nats')).toBe(1);
    expect(arrivals('globex', 'evt_shared_nats')).toBe(1);
  });

  it('delivers the same event id to two teams posted over the API; each team sees its own delivery', async () => {
    const body = (teamId: string) => {
      const { teamId: _, ...rest } = exampleEvent('backup:success', { id: 'evt_shared_http', teamId });
      return rest;
    };
    const a = await acme.post('/v1/events', body('acme'));
    const b = await globex.post('/v1/events', body('globex'));
    expect(a.status, a.text).toBeLessThan(300);
    expect(b.status, b.text).toBeLessThan(300);
    expect(a.body.duplicate).toBe(false);
    expect(b.body.duplicate).toBe(false);
    expect((await acme.post('/v1/events', body('acme'))).body.duplicate).toBe(true);
    await eventually(
      () => arrivals('acme', 'evt_shared_http') >= 1 && arrivals('globex', 'evt_shared_http') >= 1,
    );
    // Each team's delivery log shows its own delivery of that event, not the other's.
    for (const client of [acme, globex]) {
      const [mine] = (await client.get('/v1/integrations')).body.items;
      const list = await eventually(async () => {
        const l = (await client.get(`/v1/integrations/${mine.id}/deliveries`)).body.items;
        return l.some((d: { eventId: string }) => d.eventId === 'evt_shared_http') ? l : undefined;
      });
      expect(list.filter((d: { eventId: string }) => d.eventId === 'evt_shared_http')).toHaveLength(1);
    }
  });
});
