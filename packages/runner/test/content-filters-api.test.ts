import { exampleEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHerald } from '../src/run.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { TOKENS } from '../src/tokens.js';
import { type ApiClient, apiClient } from './support/api-client.js';
import { eventually, startHerald } from './support/herald.js';
import { type Sink, startSink } from './support/sink.js';

/** A build event of `branch`, as a platform posts it. */
function buildOn(id: string, branch: string) {
  const { data } = exampleEvent('build:success');
  return {
    id,
    event: 'build:success',
    projectId: 'prj_web',
    data: { ...data, build: { ...(data.build as object), branch } },
  };
}

describe('content filters through the API: saved, shown in words, applied by the router', () => {
  let nats: TestNats;
  let herald: RunningHerald;
  let sink: Sink;
  let api: ApiClient;

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url);
    sink = await startSink();
    const key = (await new ApiKeyStore(herald.resolve(TOKENS.buckets).teams).create('filters')).key;
    api = apiClient(herald.url, key);
  });
  afterAll(async () => {
    await herald?.stop();
    await sink?.close();
    await nats?.cleanup();
  });

  it('only builds on main are delivered; the read says so in words; null removes the filter', async () => {
    const created = await api.post('/v1/integrations', {
      name: 'Main builds',
      type: 'webhook',
      config: { url: `${sink.url}main` },
      events: ['build:*'],
      filter: { all: [{ path: 'data.build.branch', op: 'eq', value: 'main' }] },
      confirm: false,
    });
    expect(created.status).toBe(201);
    expect(created.body.filter).toEqual({ all: [{ path: 'data.build.branch', op: 'eq', value: 'main' }] });
    expect(created.body.filterInWords).toBe('data.build.branch is "main"');

    for (const [id, branch] of [
      ['evt_f_feature', 'feature/x'],
      ['evt_f_main', 'main'],
    ])
      expect((await api.post('/v1/events', buildOn(id, branch))).status).toBe(202);
    await sink.waitFor(1);
    // The feature build was published first: had it been delivered, it would be here by now.
    await new Promise((r) => setTimeout(r, 500));
    expect(sink.requests.map((r) => r.headers['x-herald-notification-integration-event-id'])).toEqual([
      'evt_f_main',
    ]);

    // The events log says why the feature build went nowhere.
    const row = await eventually(async () =>
      (await api.get('/v1/events')).body.items.find(
        (r: { eventId: string }) => r.eventId === 'evt_f_feature',
      ),
    );
    expect(row.skipped).toEqual([
      expect.objectContaining({
        integrationId: created.body.id,
        reason: 'content',
        message: 'only when data.build.branch is "main"',
      }),
    ]);

    const cleared = await api.patch(`/v1/integrations/${created.body.id}`, { filter: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.filter).toBeNull();
    expect(cleared.body.filterInWords).toBeNull();
    await api.post('/v1/events', buildOn('evt_f_feature_2', 'feature/y'));
    await eventually(() =>
      sink.requests.some(
        (r) => r.headers['x-herald-notification-integration-event-id'] === 'evt_f_feature_2',
      ),
    );
  });

  it('a filter it cannot evaluate is refused with a 400 naming the field', async () => {
    const res = await api.post('/v1/integrations', {
      name: 'Bad filter',
      type: 'webhook',
      config: { url: `${sink.url}bad` },
      filter: { any: [{ path: 'data.alert.severity', op: 'like', value: 'crit%' }] },
      confirm: false,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      expect.objectContaining({ path: 'filter.any.0.op', in: 'body' }),
    ]);
    const patch = await api.patch('/v1/integrations/int_none', {
      filter: { all: [{ path: 'data.metric.value', op: 'gt', value: 'high' }] },
    });
    expect(patch.status).toBe(400);
    expect(patch.body.error.details).toEqual([
      expect.objectContaining({ path: 'filter.all.0.value', message: 'must be a number' }),
    ]);
  });
});
