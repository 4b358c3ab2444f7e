import { startNats, type TestNats } from '@herald/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHerald } from '../../runner/src/run.js';
import { ApiKeyStore } from '../../runner/src/store/api-keys.js';
import { startHerald } from '../../runner/test/support/herald.js';
import { type Sink, startSink } from '../../runner/test/support/sink.js';
import { createHeraldClient, HeraldApiError, type HeraldClient, unwrap } from '../src/index.js';

describe('@herald/client — against a running Herald', () => {
  let nats: TestNats;
  let herald: RunningHerald;
  let sink: Sink;
  let key: string;
  let client: HeraldClient;

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url);
    sink = await startSink();
    key = (await herald.resolve(ApiKeyStore).create('acme')).key;
    client = createHeraldClient({ baseUrl: herald.url, key });
  });
  afterAll(async () => {
    await herald?.stop();
    await sink?.close();
    await nats?.cleanup();
  });

  it('creates, reads, lists, tests and deletes an integration with typed paths and bodies', async () => {
    const created = await unwrap(
      client.POST('/v1/integrations', {
        body: { name: 'Ops hook', type: 'webhook', config: { url: sink.url }, events: ['build:*'] },
      }),
    );
    expect(created.name).toBe('Ops hook');
    const id = created.id;
    const read = await unwrap(client.GET('/v1/integrations/{id}', { params: { path: { id } } }));
    expect(read).toMatchObject({ id, type: 'webhook', events: ['build:*'], enabled: true });
    const list = await unwrap(client.GET('/v1/integrations'));
    expect(list.items.map((i) => i.id)).toContain(id);

    const before = sink.requests.length;
    const test = await unwrap(client.POST('/v1/integrations/{id}/test', { params: { path: { id } } }));
    expect(test).toMatchObject({ ok: true, outcome: 'success' });
    expect(sink.requests.length).toBe(before + 1);
    const page = await unwrap(
      client.GET('/v1/integrations/{id}/deliveries', { params: { path: { id }, query: { limit: 1 } } }),
    );
    expect(page.items).toHaveLength(1);

    await unwrap(client.DELETE('/v1/integrations/{id}', { params: { path: { id } } }));
    const gone = await unwrap(client.GET('/v1/integrations/{id}', { params: { path: { id } } })).catch(
      (e) => e,
    );
    expect(gone).toBeInstanceOf(HeraldApiError);
    expect(gone).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('throws the API’s 400 with the fields at fault, having written nothing', async () => {
    const refused = await unwrap(
      client.POST('/v1/integrations', {
        body: { name: 'Bad', type: 'webhook', config: { url: 'not a url' }, events: ['build:*'] },
      }),
    ).catch((e) => e);
    expect(refused).toBeInstanceOf(HeraldApiError);
    expect(refused.status).toBe(400);
    expect(refused.issues.map((i: { path: string }) => i.path)).toContain('config.url');
    const list = await unwrap(client.GET('/v1/integrations'));
    expect(list.items.map((i) => i.name)).not.toContain('Bad');
  });

  it('calls onUnauthorized on a 401, and the key appears in no error', async () => {
    let told = 0;
    const wrong = `${key.slice(0, -4)}AAAA`;
    const stranger = createHeraldClient({ baseUrl: herald.url, key: wrong, onUnauthorized: () => told++ });
    const err = await unwrap(stranger.GET('/v1/integrations')).catch((e) => e);
    expect(err).toMatchObject({ name: 'HeraldApiError', status: 401, code: 'unauthorized' });
    expect(told).toBe(1);
    const shown = `${err.message} ${err.stack} ${JSON.stringify(err.details)}`;
    expect(shown).not.toContain(wrong);
    expect(shown).not.toContain(key);
    // Public routes need no key, and answer as typed.
    const types = await unwrap(stranger.GET('/v1/event-types'));
    expect(types.items.length).toBeGreaterThan(0);
  });

  it('says so when Herald cannot be reached (status 0, code network)', async () => {
    const closed = await startSink();
    await closed.close();
    const offline = createHeraldClient({ baseUrl: `http://127.0.0.1:${closed.port}`, key });
    const err = await unwrap(offline.GET('/v1/integrations')).catch((e) => e);
    expect(err).toMatchObject({ name: 'HeraldApiError', status: 0, code: 'network' });
    expect(err.cause).toBeInstanceOf(Error);
  });
});
