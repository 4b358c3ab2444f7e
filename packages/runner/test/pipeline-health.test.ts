import { exampleEvent, publishEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Commands } from '../src/commands.js';
import type { RunningHerald } from '../src/run.js';
import { HealthStore } from '../src/store/health.js';
import { IntegrationStore } from '../src/store/integrations.js';
import { TOKENS } from '../src/tokens.js';
import { eventually, integration, startHerald } from './support/herald.js';
import { type Sink, startSink } from './support/sink.js';

const ENV = {
  HERALD_RETRY_SCHEDULE: 'none',
  HERALD_DISABLE_AFTER_FAILURES: '2',
  HERALD_DISABLE_AFTER: '1s',
  HERALD_HTTP_TIMEOUT: '2s',
};

describe('pipeline — health and isolation', () => {
  let nats: TestNats;
  let herald: RunningHerald;
  let nc: NatsConnection;
  let sink: Sink;

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url, ENV);
    nc = await connect({ servers: nats.url });
    sink = await startSink('/');
    sink.respond((req, res) => {
      if (req.path === '/down') res.writeHead(500).end('down');
      else if (req.path === '/hang')
        return; // never answers: the runner's timeout ends it
      else res.writeHead(200).end('ok');
    });
  });
  afterAll(async () => {
    await nc?.close();
    await herald?.stop();
    await sink?.close();
    await nats?.cleanup();
  });

  const publish = (event: Parameters<typeof publishEvent>[1]) => publishEvent(jetstream(nc), event);

  it('drives an always-failing integration healthy → failing → disabled, tells others, survives a restart, and recovers when enabled', async () => {
    const team = 'health';
    const down = integration({
      teamId: team,
      type: 'webhook',
      name: 'Down hook',
      config: { url: `${sink.url}down` },
      events: ['build:*'],
    });
    const watcher = integration({
      teamId: team,
      type: 'webhook',
      config: { url: `${sink.url}watch` },
      events: ['integration:*'],
    });
    await herald.resolve(IntegrationStore).create(down);
    await herald.resolve(IntegrationStore).create(watcher);

    await publish(exampleEvent('build:failure', { id: 'evt_h1', teamId: team }));
    await eventually(async () => (await herald.resolve(HealthStore).view(down.id)).state === 'failing');
    await new Promise((r) => setTimeout(r, 1_100));
    await publish(exampleEvent('build:failure', { id: 'evt_h2', teamId: team }));
    const view = await eventually(async () => {
      const v = await herald.resolve(HealthStore).view(down.id);
      return v.state === 'disabled' ? v : undefined;
    });
    expect(view.transitions.map((t) => t.to)).toEqual(['disabled', 'failing']);
    expect(view.lastError).toMatch(/^HTTP 500/);

    const told = await eventually(() => {
      const events = sink.requests
        .filter((r) => r.path === '/watch')
        .map((r) => JSON.parse(r.body) as { event: string; data: { integration: { id: string } } });
      return events.length >= 2 ? events : undefined;
    });
    expect(told.map((e) => e.event)).toEqual(['integration:failing', 'integration:disabled']);
    expect(told.every((e) => e.data.integration.id === down.id)).toBe(true);

    // A restart keeps it disabled: the next delivery is skipped, not sent.
    await herald.stop();
    herald = await startHerald(nats.url, ENV);
    const before = sink.requests.filter((r) => r.path === '/down').length;
    await publish(exampleEvent('build:failure', { id: 'evt_h3', teamId: team }));
    const skipped = await eventually(async () => {
      const page = await herald.resolve(TOKENS.deliveryLog).list(down.id, { status: 'skipped', limit: 5 });
      return page.items.length ? page.items : undefined;
    });
    expect(skipped.map((d) => d.eventId)).toEqual(['evt_h3']);
    expect(sink.requests.filter((r) => r.path === '/down').length).toBe(before);

    // Enabling makes it healthy again, and it is delivered to.
    await herald.resolve(IntegrationStore).update({ ...down, config: { url: `${sink.url}up` } });
    await herald.resolve(Commands).control(down.id, 'enable', 'fixed the endpoint');
    await eventually(async () => (await herald.resolve(HealthStore).view(down.id)).state === 'healthy');
    await publish(exampleEvent('build:start', { id: 'evt_h4', teamId: team }));
    await eventually(() =>
      sink.requests.some(
        (r) => r.path === '/up' && r.headers['x-herald-notification-integration-event-id'] === 'evt_h4',
      ),
    );
    const recovered = await eventually(() =>
      sink.requests
        .filter((r) => r.path === '/watch')
        .map((r) => JSON.parse(r.body).event)
        .find((e: string) => e === 'integration:recovered'),
    );
    expect(recovered).toBe('integration:recovered');
  });

  it('keeps one integration’s hanging endpoint from delaying another’s deliveries', async () => {
    const team = 'isolation';
    const hang = integration({
      teamId: team,
      type: 'webhook',
      config: { url: `${sink.url}hang` },
      events: ['alert:*'],
    });
    const fine = integration({
      teamId: team,
      type: 'webhook',
      config: { url: `${sink.url}fine` },
      events: ['alert:*'],
    });
    await herald.resolve(IntegrationStore).create(hang);
    await herald.resolve(IntegrationStore).create(fine);
    const sent = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      const id = `evt_iso_${i}`;
      sent.set(id, Date.now());
      await publish(exampleEvent('alert:cpu-high', { id, teamId: team }));
      await new Promise((r) => setTimeout(r, 20));
    }
    await eventually(() => sink.requests.filter((r) => r.path === '/fine').length >= 30);
    const latencies = sink.requests
      .filter((r) => r.path === '/fine')
      .map((r) => r.at - sent.get(r.headers['x-herald-notification-integration-event-id']!)!)
      .sort((a, b) => a - b);
    const p99 = latencies[Math.ceil(latencies.length * 0.99) - 1]!;
    // Loose: the hanging endpoint holds its requests for 2 s; the other must not wait for them.
    expect(p99).toBeLessThan(500);
  });
});
