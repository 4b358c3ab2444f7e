import { deliverySubject } from '@herald/core';
import { describe, expect, it } from 'vitest';
import { Commands } from '../src/commands.js';
import { wire } from '../src/composition.js';
import { ConnectFlows } from '../src/connect/flows.js';
import { Gauges } from '../src/gauges.js';
import { Metrics } from '../src/metrics.js';
import { ProviderRegistry } from '../src/providers/registry.js';
import { IntegrationStore } from '../src/store/integrations.js';
import { TOKENS } from '../src/tokens.js';
import { Tracing } from '../src/tracing.js';
import { testConfig } from './support/herald.js';

// The composition root wired from fakes of what start-up makes (no NATS): TypeScript
// cannot check an `@inject(TOKEN)` against its parameter, so these check that each part
// got what its token stands for, and that runners in one process share nothing.

function startup(runnerId: string) {
  const published: string[] = [];
  const config = testConfig('nats://127.0.0.1:1', { HERALD_PARTITIONS: '8', HERALD_RUNNER_ID: runnerId });
  const kv = {} as never;
  const values = {
    config,
    logger: { info() {}, warn() {}, error() {}, debug() {} } as never,
    metrics: new Metrics(false),
    nats: { subscribe: () => ({ unsubscribe() {} }), isClosed: () => false } as never,
    js: { publish: async (subject: string) => void published.push(subject) } as never,
    jsm: { streams: { info: async () => ({ state: { messages: 7 } }) } } as never,
    buckets: { integrations: kv, health: kv, log: kv, throttle: kv, teams: kv, leases: kv, eventLog: kv },
    version: '2.9.10',
    providers: new ProviderRegistry(),
    connectFlows: new ConnectFlows([]),
    tracing: Tracing.off,
  };
  return { values, published };
}

describe('composition root — wiring without NATS', () => {
  it('builds each part once per runner, and two runners share none', () => {
    const a = wire(startup('rnr_a').values);
    const b = wire(startup('rnr_b').values);
    expect(a.resolve(Commands)).toBe(a.resolve(Commands));
    expect(a.http.api.commands).toBe(a.resolve(Commands));
    expect(a.http.api.integrations).toBe(a.resolve(IntegrationStore));
    expect(a.http.runner).toBe(a.service);
    expect(a.resolve(Commands)).not.toBe(b.resolve(Commands));
    expect(a.resolve(IntegrationStore)).not.toBe(b.resolve(IntegrationStore));
  });

  it("injects each token's own value: commands publish on the runner's JetStream with its partitions", async () => {
    const { values, published } = startup('rnr_c');
    const herald = wire(values);
    await herald.resolve(Commands).control('int_a', 'enable');
    expect(published).toEqual([deliverySubject('int_a', 8)]);
    expect(herald.resolve(TOKENS.config)).toBe(values.config);
  });

  it('the lifecycle reads its own runner id and connection; the gauges their metrics and manager', async () => {
    const { values } = startup('rnr_d');
    const herald = wire(values);
    expect(herald.service.readiness()).toMatchObject({
      ready: false,
      nats: true,
      runnerId: 'rnr_d',
      partitions: [],
    });
    await herald.resolve(Gauges).refresh();
    expect(await values.metrics.registry.getSingleMetricAsString('herald_dlq_messages')).toContain(
      'herald_dlq_messages 7',
    );
  });
});
