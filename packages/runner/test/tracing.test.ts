import { exampleEvent, publishEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHerald } from '../src/run.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { IntegrationStore } from '../src/store/integrations.js';
import { TOKENS } from '../src/tokens.js';
import { Tracing } from '../src/tracing.js';
import { eventually, integration, startHerald } from './support/herald.js';
import { type Sink, startSink } from './support/sink.js';

/** A publisher's span: trace id and span id as a W3C traceparent. */
function publisherSpan(n: number): { traceId: string; spanId: string; traceparent: string } {
  const traceId = `${'4bf92f3577b34da6a3ce929d0e0e47'}${String(n).padStart(2, '0')}`;
  const spanId = `00f067aa0ba902${String(n).padStart(2, '0')}`;
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

describe('tracing: a traceparent on an event continues through routing, each attempt and the log write', () => {
  let nats: TestNats;
  let herald: RunningHerald;
  let nc: NatsConnection;
  let sink: Sink;
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url, {}, new Tracing(provider, () => provider.shutdown()));
    nc = await connect({ servers: nats.url });
    sink = await startSink();
  });
  afterAll(async () => {
    await nc?.close();
    await herald?.stop();
    await sink?.close();
    await nats?.cleanup();
  });

  const spansOf = (traceId: string) =>
    exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

  it('an event published on NATS with a traceparent: route → attempt (client span) → log write, one trace', async () => {
    const hook = integration({
      type: 'webhook',
      config: { url: `${sink.url}-sekret9f2` },
      events: ['build:*'],
    });
    await herald.resolve(IntegrationStore).create(hook);
    const publisher = publisherSpan(1);
    const event = exampleEvent('build:failure', { id: 'evt_traced_1' });
    await publishEvent(jetstream(nc), event, { traceparent: publisher.traceparent });
    await sink.waitFor(1);
    const spans = await eventually(() => {
      const s = spansOf(publisher.traceId);
      return s.some((x) => x.name === 'herald.log.write') && s;
    });
    const route = spans.find((s) => s.name === 'herald.route')!;
    const attemptSpan = spans.find((s) => s.name === 'herald.attempt')!;
    const write = spans.find((s) => s.name === 'herald.log.write')!;
    expect(parentOf(route)).toBe(publisher.spanId);
    expect(route.attributes).toMatchObject({
      'herald.event.id': 'evt_traced_1',
      'herald.event.type': 'build:failure',
      'herald.deliveries': 1,
    });
    expect(parentOf(attemptSpan)).toBe(route.spanContext().spanId);
    expect(attemptSpan.kind).toBe(SpanKind.CLIENT);
    expect(attemptSpan.attributes).toMatchObject({
      'herald.provider': 'webhook',
      'herald.integration.id': hook.id,
      'herald.attempt.number': 1,
      'herald.outcome': 'success',
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'server.address': '127.0.0.1',
    });
    expect(attemptSpan.status.code).toBe(SpanStatusCode.OK);
    expect(parentOf(write)).toBe(attemptSpan.spanContext().spanId);
    // Never the URL itself: for a chat provider it is the secret.
    for (const span of spans)
      for (const value of Object.values(span.attributes)) expect(String(value)).not.toContain('sekret9f2');
  });

  it('a failed attempt ends its span with an error; POST /v1/events passes the request traceparent on', async () => {
    const hook = integration({
      teamId: 'traced',
      type: 'webhook',
      config: { url: `${sink.url}fail` },
      events: ['backup:*'],
    });
    sink.respond((req, res) => {
      res.writeHead(req.path.endsWith('fail') ? 500 : 200).end('x');
    });
    await herald.resolve(IntegrationStore).create(hook);
    const key = (await new ApiKeyStore(herald.resolve(TOKENS.buckets).teams).create('traced')).key;
    const publisher = publisherSpan(2);
    const res = await fetch(`${herald.url}/v1/events`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        traceparent: publisher.traceparent,
      },
      body: JSON.stringify({
        event: 'backup:failure',
        projectId: 'prj_1',
        data: exampleEvent('backup:failure').data,
      }),
    });
    expect(res.status).toBe(202);
    const attemptSpan = await eventually(() =>
      spansOf(publisher.traceId).find((s) => s.name === 'herald.attempt'),
    );
    const route = spansOf(publisher.traceId).find((s) => s.name === 'herald.route')!;
    expect(parentOf(route)).toBe(publisher.spanId);
    expect(attemptSpan.attributes['http.response.status_code']).toBe(500);
    expect(attemptSpan.attributes['herald.outcome']).not.toBe('success');
    expect(attemptSpan.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('off (no OTLP endpoint in the environment): no tracer at all', async () => {
    expect((await Tracing.fromEnv({})).enabled).toBe(false);
    expect((await Tracing.fromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).enabled).toBe(
      true,
    );
  });
});
