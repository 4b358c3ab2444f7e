import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliveryIdFor, exampleEvent, type Integration, publishEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import { type JetStreamClient, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EgressGuard } from '../src/delivery/egress-guard.js';
import { HttpSender, MAX_RESPONSE_BODY_BYTES } from '../src/delivery/http-sender.js';
import { AckedPublisher } from '../src/nats/acked-publisher.js';
import { BUCKETS } from '../src/nats/provision.js';
import { KvDeliveryLog } from '../src/store/delivery-log.js';
import type { DeliveryDetail } from '../src/store/delivery-records.js';
import { HealthStore } from '../src/store/health.js';
import { eventually, integration } from './support/herald.js';
import {
  type Behaviour,
  type HostileServer,
  refusedUrl,
  startHostileServer,
} from './support/hostile-server.js';
import { type RunnerProcess, startRunnerProcess } from './support/runner-process.js';

// The hostile servers listen on 127.0.0.7 and the runner may reach only that address:
// `localhost` (127.0.0.1 / ::1) is then a private address the egress guard must refuse.
const HOSTILE_HOST = '127.0.0.7';
const ENV = {
  HERALD_EGRESS_ALLOW_CIDRS: `${HOSTILE_HOST}/32`,
  HERALD_ACK_WAIT: '4s',
  HERALD_HTTP_TIMEOUT: '2s',
  // One retry a second later: enough to see the retry path, short enough for a test.
  HERALD_RETRY_SCHEDULE: '1s',
};
const HTTP_TIMEOUT_MS = 2_000;
const TEAM = 'hostile';
/** A healthy integration's events keep coming this often while the others misbehave. */
const STEADY_EVERY_MS = 50;
/** The runner may grow at most this much while reading a 100 MB answer. */
const MAX_RSS_GROWTH_BYTES = 50 * 1024 * 1024;

type Case = Behaviour | 'refused' | 'dns-invalid' | 'localhost' | 'loopback-literal' | 'decimal-ip';

function rssOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** Resets the peak RSS (VmHWM) of a process we own, so the peak we read is this test's. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

describe('reliability — hostile and broken endpoints', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let runner: RunnerProcess;
  let hostile: HostileServer;
  let elsewhere: Server;
  let elsewhereHits = 0;
  let log: KvDeliveryLog;
  let integrationsKv: KV;
  const hooks = new Map<Case, Integration>();

  beforeAll(async () => {
    nats = await startNats({ faults: true });
    nc = await connect({ servers: nats.url });
    js = jetstream(nc);
    // Another host that a redirect points to, and that `localhost` resolves to: it must never be hit.
    elsewhere = createServer((_req, res) => {
      elsewhereHits++;
      res.end('should not be reached');
    });
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
    const elsewherePort = (elsewhere.address() as AddressInfo).port;
    hostile = await startHostileServer({
      host: HOSTILE_HOST,
      redirectTo: `http://127.0.0.1:${elsewherePort}/landed`,
    });
    runner = await startRunnerProcess(nats.url, ENV);
    const kvm = new Kvm(nc);
    integrationsKv = await kvm.open(BUCKETS.integrations);
    log = new KvDeliveryLog(
      await kvm.open(BUCKETS.log),
      new AckedPublisher(nc, 5_000),
      await jetstreamManager(nc),
    );

    const urls: Record<Case, string> = {
      ok: hostile.url('ok'),
      'error-500': hostile.url('error-500'),
      'rate-limited': hostile.url('rate-limited'),
      'rate-limited-1s': hostile.url('rate-limited-1s'),
      'rate-limited-10y': hostile.url('rate-limited-10y'),
      'unavailable-10y': hostile.url('unavailable-10y'),
      'slow-headers': hostile.url('slow-headers'),
      'endless-body': hostile.url('endless-body'),
      'huge-body': hostile.url('huge-body'),
      reset: hostile.url('reset'),
      redirect: hostile.url('redirect'),
      gone: hostile.url('gone'),
      refused: await refusedUrl(HOSTILE_HOST),
      'dns-invalid': 'http://herald-test.invalid/hook',
      localhost: `http://localhost:${elsewherePort}/hook`,
      'loopback-literal': `http://127.0.0.1:${elsewherePort}/hook`,
      'decimal-ip': `http://2130706433:${elsewherePort}/hook`,
    };
    // The healthy integration is written last: once it receives an event, the runner's
    // integration watch (applied in order) has seen every hostile one too.
    const order = (Object.keys(urls) as Case[]).filter((c) => c !== 'ok').concat('ok');
    for (const c of order) {
      const hook = integration({
        teamId: TEAM,
        type: 'webhook',
        name: `hostile ${c}`,
        config: { url: urls[c] },
        events: c === 'ok' ? ['deployment:*'] : ['build:*'],
        projects: c === 'ok' ? null : [c],
      });
      hooks.set(c, hook);
      await integrationsKv.create(`${TEAM}.${hook.id}`, JSON.stringify(hook));
    }
    await eventually(
      async () => {
        await publishEvent(
          js,
          exampleEvent('deployment:success', { id: `evt_warmup_${Date.now()}`, teamId: TEAM }),
        );
        return hostile.hitsOf('ok').length > 0;
      },
      15_000,
      300,
    );
  }, 60_000);

  afterAll(async () => {
    await runner?.kill();
    await nc?.close();
    await hostile?.close();
    elsewhere?.closeAllConnections();
    elsewhere?.close();
    await nats?.cleanup();
  });

  const detail = (c: Case, eventId: string): Promise<DeliveryDetail | null> => {
    const hook = hooks.get(c)!;
    return log.getDetail(hook.id, deliveryIdFor(eventId, hook.id));
  };

  it('gives every misbehaving endpoint its outcome in the log while a healthy integration is served promptly', {
    timeout: 90_000,
  }, async () => {
    // A steady stream for the healthy integration, for as long as the others misbehave.
    const sentAt = new Map<string, number>();
    let steady = true;
    const stream = (async () => {
      for (let i = 0; steady; i++) {
        const id = `evt_steady_${i}`;
        sentAt.set(id, Date.now());
        await publishEvent(js, exampleEvent('deployment:success', { id, teamId: TEAM }));
        await new Promise((r) => setTimeout(r, STEADY_EVERY_MS));
      }
    })();

    const pid = runner.child.pid!;
    const peakReset = resetPeak(pid);
    const before = rssOf(pid);

    const hostileCases = [...hooks.keys()].filter((c) => c !== 'ok');
    for (const c of hostileCases) {
      await publishEvent(js, exampleEvent('build:failure', { id: `evt_${c}`, teamId: TEAM, projectId: c }));
    }
    // A ten-year Retry-After pauses its integration for the longest pause (24 h): its
    // delivery waits, retrying, after one attempt.
    const paused = new Set<Case>(['rate-limited-10y', 'unavailable-10y']);
    const done = (d: DeliveryDetail | null, c: Case) =>
      d !== null &&
      (paused.has(c) ? d.status === 'retrying' : ['succeeded', 'failed', 'skipped'].includes(d.status)) &&
      d.attempts.length === d.attemptCount;
    const details = new Map<Case, DeliveryDetail>();
    await eventually(
      async () => {
        for (const c of hostileCases) {
          if (details.has(c)) continue;
          const d = await detail(c, `evt_${c}`);
          if (done(d, c)) details.set(c, d!);
        }
        return details.size === hostileCases.length;
      },
      45_000,
      250,
    ).catch((err: Error) => {
      const missing = hostileCases.filter((c) => !details.has(c));
      throw new Error(`${err.message}; not terminal yet: ${missing.join(', ')}`);
    });
    const after = rssOf(pid);

    // 410 disabled the integration: a later event is skipped and never sent.
    const health = new HealthStore(await new Kvm(nc).open(BUCKETS.health));
    await eventually(async () => (await health.view(hooks.get('gone')!.id)).state === 'disabled');
    const goneHitsBefore = hostile.hitsOf('gone').length;
    await publishEvent(
      js,
      exampleEvent('build:failure', { id: 'evt_gone_later', teamId: TEAM, projectId: 'gone' }),
    );
    const skipped = await eventually(async () => {
      const d = await detail('gone', 'evt_gone_later');
      return d?.status === 'skipped' ? d : undefined;
    });

    steady = false;
    await stream;
    await eventually(
      () =>
        hostile
          .hitsOf('ok')
          .filter((h) => sentAt.has(h.headers['x-herald-notification-integration-event-id']!)).length >=
        sentAt.size,
      10_000,
    );

    const d = (c: Case) => details.get(c)!;
    const outcomes = (c: Case) => d(c).attempts.map((a) => a.outcome);
    const gapMs = (c: Case) => Date.parse(d(c).attempts[1]!.at) - Date.parse(d(c).attempts[0]!.at);

    // 500: retried on the schedule, then failed; every response recorded.
    expect(d('error-500')).toMatchObject({
      status: 'failed',
      lastStatusCode: 500,
      lastError: 'HTTP 500 (serverError)',
    });
    expect(outcomes('error-500')).toEqual(['retry', 'retry']);
    expect(d('error-500').attempts.map((a) => a.response?.body)).toEqual(['boom', 'boom']);

    // 429 without Retry-After: waits the default 5 s, uses up no retry, then succeeds.
    expect(d('rate-limited')).toMatchObject({ status: 'succeeded', failures: 0, rateLimitWaits: 1 });
    expect(outcomes('rate-limited')).toEqual(['rateLimited', 'success']);
    expect(gapMs('rate-limited')).toBeGreaterThanOrEqual(5_000);
    // 429 with Retry-After: 1 waits what was asked (plus a little jitter), not the default.
    expect(d('rate-limited-1s')).toMatchObject({ status: 'succeeded', failures: 0, rateLimitWaits: 1 });
    expect(outcomes('rate-limited-1s')).toEqual(['rateLimited', 'success']);
    expect(gapMs('rate-limited-1s')).toBeGreaterThanOrEqual(1_000);
    expect(gapMs('rate-limited-1s')).toBeLessThan(4_000);

    // Ten years: the integration is paused for the longest pause (24 h), and the ask
    // beyond it counts as a failure. One request each, not one per retry.
    for (const c of ['rate-limited-10y', 'unavailable-10y'] as const) {
      expect(d(c).status, c).toBe('retrying');
      expect(d(c).attempts, c).toHaveLength(1);
      expect(d(c).failures, c).toBe(1);
      expect(hostile.hitsOf(c), c).toHaveLength(1);
      expect(Date.parse(d(c).nextAttemptAt!) - Date.parse(d(c).attempts[0]!.at), c).toBeGreaterThanOrEqual(
        24 * 3_600_000 - 60_000,
      );
    }
    expect(d('rate-limited-10y')).toMatchObject({ rateLimitWaits: 0 });
    expect(outcomes('rate-limited-10y')).toEqual(['rateLimited']);
    expect(d('unavailable-10y').lastError).toBe('HTTP 503 (serverError)');

    // Slow headers and a body that never ends (one byte every 200 ms defeats an idle
    // timeout): both cut at the attempt's timeout, no response kept.
    for (const c of ['slow-headers', 'endless-body'] as const) {
      expect(outcomes(c), c).toEqual(['retry', 'retry']);
      for (const a of d(c).attempts) {
        expect(a.error, c).toBe('timed out');
        expect(a.response, c).toBeNull();
        expect(a.durationMs, c).toBeGreaterThanOrEqual(HTTP_TIMEOUT_MS - 100);
        expect(a.durationMs, c).toBeLessThan(HTTP_TIMEOUT_MS + 1_500);
      }
    }
    expect(hostile.hitsOf('endless-body').every((h) => h.bytesWritten > 0 && h.clientClosedEarly)).toBe(true);

    // 100 MB: read 64 KiB, mark it truncated, hang up; the server could not push the rest.
    const growth = (peakReset ? after.peak : after.rss) - before.rss;
    expect(growth, 'runner RSS growth while reading 100 MB').toBeLessThan(MAX_RSS_GROWTH_BYTES);
    const hugeHits = hostile.hitsOf('huge-body');
    expect(hugeHits.length).toBeGreaterThan(0);
    for (const hit of hugeHits) {
      expect(hit.clientClosedEarly).toBe(true);
      expect(hit.bytesWritten, 'bytes the server could push').toBeLessThan(32 * 1024 * 1024);
    }
    const huge = d('huge-body');
    expect(huge.status).toBe('succeeded');
    expect(huge.attempts).toHaveLength(1);
    expect(huge.attempts[0]!.response).toMatchObject({ status: 200, truncated: true });
    expect(huge.attempts[0]!.response!.body.length).toBe(MAX_RESPONSE_BODY_BYTES);

    // Connection-level failures: retried, each with its reason, never a response.
    const errorsOf = (c: Case) => d(c).attempts.map((a) => [a.outcome, a.error, a.response]);
    expect(errorsOf('refused')).toEqual([
      ['retry', 'connection refused', null],
      ['retry', 'connection refused', null],
    ]);
    expect(errorsOf('reset')).toEqual([
      ['retry', 'connection reset', null],
      ['retry', 'connection reset', null],
    ]);
    expect(errorsOf('dns-invalid')).toEqual([
      ['retry', 'DNS name did not resolve', null],
      ['retry', 'DNS name did not resolve', null],
    ]);
    for (const c of ['refused', 'reset', 'dns-invalid'] as const) expect(d(c).status, c).toBe('failed');

    // A redirect to another host is not followed: a failure, retried, then failed.
    expect(d('redirect').status).toBe('failed');
    expect(outcomes('redirect')).toEqual(['retry', 'retry']);
    expect(d('redirect').attempts[0]!.response?.status).toBe(302);
    expect(d('redirect').lastError).toMatch(/redirects are not followed/);

    // 410 Gone: failed at once and the integration is disabled.
    expect(d('gone')).toMatchObject({ status: 'failed', attemptCount: 1, lastStatusCode: 410 });
    expect(outcomes('gone')).toEqual(['disable']);
    expect(skipped.attemptCount).toBe(0);
    expect(hostile.hitsOf('gone').length).toBe(goneHitsBefore);

    // Private destinations: by name (localhost), by literal, by decimal spelling. Refused
    // before connecting, failed at once (retrying cannot help), nothing reached.
    for (const c of ['localhost', 'loopback-literal', 'decimal-ip'] as const) {
      expect(d(c).status, c).toBe('failed');
      expect(outcomes(c), c).toEqual(['fail']);
      expect(d(c).attempts[0]!.error, c).toMatch(
        c === 'localhost'
          ? /^refused to connect to localhost: it resolves to a private/
          : /^refused to connect to (127\.0\.0\.1|::1): a private/,
      );
    }
    expect(elsewhereHits).toBe(0);

    // Meanwhile the healthy integration was served promptly.
    const latencies = hostile
      .hitsOf('ok')
      .map((h) => h.at - (sentAt.get(h.headers['x-herald-notification-integration-event-id']!) ?? Number.NaN))
      .filter((ms) => !Number.isNaN(ms))
      .sort((a, b) => a - b);
    const p95 = latencies[Math.ceil(latencies.length * 0.95) - 1]!;
    const max = latencies[latencies.length - 1]!;
    console.log(
      `hostile endpoints: ${hostileCases.length} cases terminal; healthy integration got ${latencies.length} events, p95 ${p95} ms, max ${max} ms; runner RSS ${Math.round(before.rss / 2 ** 20)} MB → ${peakReset ? 'peak' : 'now'} ${Math.round((peakReset ? after.peak : after.rss) / 2 ** 20)} MB while reading 100 MB`,
    );
    expect(latencies.length).toBe(sentAt.size);
    expect(p95).toBeLessThan(500);
    expect(max).toBeLessThan(1_500);
  });

  it('marks a body truncated when it goes on past the cap, even when a read ends exactly at it', async () => {
    const sender = new HttpSender({
      guard: new EgressGuard([`${HOSTILE_HOST}/32`]),
      timeoutMs: HTTP_TIMEOUT_MS,
    });
    const send = (behaviour: Behaviour) =>
      sender.send({ method: 'POST', url: hostile.url(behaviour), headers: {}, body: '{}' });
    try {
      for (let i = 0; i < 3; i++) {
        const more = await send('cap-then-more');
        const exact = await send('cap-exactly');
        expect(more.ok && [more.truncated, more.response.body.length]).toEqual([
          true,
          MAX_RESPONSE_BODY_BYTES,
        ]);
        expect(exact.ok && [exact.truncated, exact.response.body.length]).toEqual([
          false,
          MAX_RESPONSE_BODY_BYTES,
        ]);
      }
    } finally {
      await sender.close();
    }
  });
});
