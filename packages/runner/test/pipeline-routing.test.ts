import { resolve } from 'node:path';
import { exampleEvent, publishEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHerald } from '../src/run.js';
import { IntegrationStore } from '../src/store/integrations.js';
import { TOKENS } from '../src/tokens.js';
import { eventually, integration, startHerald } from './support/herald.js';
import { type Sink, startSink } from './support/sink.js';

const repo = resolve(import.meta.dirname, '../../..');

describe('pipeline — filtering, fan-out, pacing, third-party providers', () => {
  let nats: TestNats;
  let herald: RunningHerald;
  let nc: NatsConnection;
  let sink: Sink;

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url, {
      HERALD_PROVIDERS: `@herald/provider-webhook,@herald/provider-slack,${resolve(repo, 'examples/chat-provider/index.js')}`,
    });
    nc = await connect({ servers: nats.url });
    sink = await startSink('/');
  });
  afterAll(async () => {
    await nc?.close();
    await herald?.stop();
    await sink?.close();
    await nats?.cleanup();
  });

  const publish = (event: Parameters<typeof publishEvent>[1]) => publishEvent(jetstream(nc), event);
  const seenBy = (path: string) => sink.requests.filter((r) => r.path === path);

  it('filters by type pattern and project list, never across teams', async () => {
    const team = 'filters';
    const hooks = {
      exact: integration({
        teamId: team,
        type: 'webhook',
        config: { url: `${sink.url}exact` },
        events: ['build:failure'],
      }),
      category: integration({
        teamId: team,
        type: 'webhook',
        config: { url: `${sink.url}category` },
        events: ['build:*'],
      }),
      project: integration({
        teamId: team,
        type: 'webhook',
        config: { url: `${sink.url}project` },
        events: ['*'],
        projects: ['shop'],
      }),
      other: integration({
        teamId: 'someone-else',
        type: 'webhook',
        config: { url: `${sink.url}other` },
        events: ['*'],
      }),
    };
    for (const h of Object.values(hooks)) await herald.resolve(IntegrationStore).create(h);
    await publish(exampleEvent('build:start', { id: 'evt_f1', teamId: team }));
    await publish(exampleEvent('build:failure', { id: 'evt_f2', teamId: team }));
    await publish(exampleEvent('build:failure', { id: 'evt_f3', teamId: team, projectId: 'shop' }));
    await publish(exampleEvent('job-run:failure', { id: 'evt_f4', teamId: team, projectId: 'shop' }));
    const ids = (path: string) =>
      seenBy(path)
        .map((r) => r.headers['x-herald-notification-integration-event-id'])
        .sort();
    await eventually(
      () => ids('/exact').length + ids('/category').length + ids('/project').length === 2 + 3 + 2,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(ids('/exact')).toEqual(['evt_f2', 'evt_f3']);
    expect(ids('/category')).toEqual(['evt_f1', 'evt_f2', 'evt_f3']);
    expect(ids('/project')).toEqual(['evt_f3', 'evt_f4']);
    expect(ids('/other')).toEqual([]);
  });

  it('routes no test or confirmation published on NATS, even to an integration taking every event', async () => {
    const team = 'direct';
    await herald
      .resolve(IntegrationStore)
      .create(
        integration({ teamId: team, type: 'webhook', config: { url: `${sink.url}direct` }, events: ['*'] }),
      );
    await publish(exampleEvent('integration:test', { id: 'evt_d1', teamId: team }));
    await publish(exampleEvent('integration:connected', { id: 'evt_d2', teamId: team }));
    // A real event published after them arrives: by then the two were routed (to nobody).
    await publish(exampleEvent('integration:failing', { id: 'evt_d3', teamId: team }));
    await eventually(() => seenBy('/direct').length >= 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(seenBy('/direct').map((r) => r.headers['x-herald-notification-integration-event-id'])).toEqual([
      'evt_d3',
    ]);
  });

  it('fans one event out to 200 integrations, once each', async () => {
    const team = 'fanout';
    const ids = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const h = integration({
        teamId: team,
        type: 'webhook',
        config: { url: `${sink.url}fan` },
        events: ['deployment:success'],
      });
      ids.add(h.id);
      await herald.resolve(IntegrationStore).create(h);
    }
    await publish(exampleEvent('deployment:success', { id: 'evt_fan', teamId: team }));
    await eventually(() => seenBy('/fan').length >= 200);
    await new Promise((r) => setTimeout(r, 500));
    const got = seenBy('/fan').map((r) => r.headers['x-herald-notification-integration-id']);
    expect(got).toHaveLength(200);
    expect(new Set(got)).toEqual(ids);
  });

  it('delivers through a third-party provider loaded from a file path', async () => {
    const chat = integration({
      teamId: 'chatters',
      type: 'chat',
      config: { url: `${sink.url}chat` },
      events: ['backup:failure'],
    });
    await herald.resolve(IntegrationStore).create(chat);
    await publish(exampleEvent('backup:failure', { id: 'evt_chat', teamId: 'chatters' }));
    const [req] = await eventually(() => (seenBy('/chat').length ? seenBy('/chat') : undefined));
    expect(JSON.parse(req!.body).text).toMatch(/Backup failed: Postgres/);
  });

  it('paces a burst to a Slack integration at its provider rate instead of drawing 429s', async () => {
    const slackSink = await startSink('/services/T/B/X');
    const slack = integration({
      teamId: 'paced',
      type: 'slack',
      config: { url: slackSink.url },
      events: ['build:*'],
    });
    await herald.resolve(IntegrationStore).create(slack);
    for (let i = 0; i < 4; i++)
      await publish(exampleEvent('build:success', { id: `evt_pace_${i}`, teamId: 'paced' }));
    const reqs = await slackSink.waitFor(4, 10_000);
    const gaps = reqs.slice(1).map((r, i) => r.at - reqs[i]!.at);
    // Slack: one message per second per webhook.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(900);
    await slackSink.close();
  });

  it('honours 429 Retry-After without using up a retry', async () => {
    const limited = await startSink('/limited');
    let calls = 0;
    limited.respond((_req, res) => {
      calls++;
      if (calls <= 2) res.writeHead(429, { 'retry-after': '1' }).end('slow down');
      else res.writeHead(200).end('ok');
    });
    const hook = integration({
      teamId: 'limited',
      type: 'webhook',
      config: { url: limited.url },
      events: ['*'],
    });
    await herald.resolve(IntegrationStore).create(hook);
    await publish(exampleEvent('job-run:success', { id: 'evt_429', teamId: 'limited' }));
    const reqs = await limited.waitFor(3, 10_000);
    const gaps = reqs.slice(1).map((r, i) => r.at - reqs[i]!.at);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(1_000);
      expect(gap).toBeLessThan(2_500);
    }
    const record = await eventually(async () => {
      const page = await herald.resolve(TOKENS.deliveryLog).list(hook.id, { limit: 1 });
      return page.items[0]?.status === 'succeeded' ? page.items[0] : undefined;
    });
    expect(record.attemptCount).toBe(3);
    expect(record.failures).toBe(0);
    expect(record.rateLimitWaits).toBe(2);
    await limited.close();
  });
});
