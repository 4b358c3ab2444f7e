import { resolve } from 'node:path';
import { DELIVERY_LOG_STREAM, exampleEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_PROVIDERS } from '../src/config/config.js';
import type { RunningHerald } from '../src/run.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { TOKENS } from '../src/tokens.js';
import { type ApiClient, apiClient } from './support/api-client.js';
import { eventually, type LogCapture, startHerald } from './support/herald.js';
import { type Sink, startSink } from './support/sink.js';

const QUOTING_PROVIDER = resolve(import.meta.dirname, 'support/quoting-provider.mjs');
const TOKEN = 'tok_echoed-0123456789abcdefghij';
const SIGNING_SECRET = `whsec_${Buffer.from('herald-echo-test-signing-secret-0001').toString('base64')}`;
/** The secret part of a chat webhook URL, as Slack's look (`/services/T…/B…/<token>`). */
const CHAT_PATH = '/services/T0ECHO001/B0ECHO001/Zq8rT4vW2xY6bN0mK3pL5sD7';
const PASSWORD = 'pa55-w0rd-basic';
const QUERY_TOKEN = 'qs-secret-98765';
const BASIC = Buffer.from(`herald:${PASSWORD}`).toString('base64');

describe('secrets — what destinations echo, and credentials in URLs, never reach reads, logs or the delivery log', () => {
  let nats: TestNats;
  let herald: RunningHerald & { logs: LogCapture };
  let sink: Sink;
  let acme: ApiClient;
  /** Everything that must never be stored or shown. */
  const secrets = [
    TOKEN,
    SIGNING_SECRET,
    CHAT_PATH,
    'Zq8rT4vW2xY6bN0mK3pL5sD7',
    PASSWORD,
    QUERY_TOKEN,
    BASIC,
  ];

  /** Every revision of every delivery-log record, as stored in JetStream. */
  const storedLog = async (): Promise<string> => {
    const jsm = await jetstreamManager(herald.resolve(TOKENS.nats));
    const stream = `KV_${DELIVERY_LOG_STREAM}`;
    const { first_seq, last_seq } = (await jsm.streams.info(stream)).state;
    const out: string[] = [];
    for (let seq = first_seq; seq <= last_seq; seq++) {
      const msg = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (msg) out.push(msg.string());
    }
    return out.join('\n');
  };
  const create = async (body: Record<string, unknown>) => {
    const res = await acme.post('/v1/integrations', { events: ['build:*'], confirm: false, ...body });
    expect(res.status, res.text).toBe(201);
    return res.body;
  };
  const testAttempt = async (id: string) => {
    const res = await acme.post(`/v1/integrations/${id}/test`);
    expect(res.status, res.text).toBe(200);
    return (await acme.get(`/v1/integrations/${id}/deliveries/${res.body.deliveryId}`)).body;
  };
  const expectNoSecret = (where: string, text: string) => {
    for (const s of secrets) expect(text, `${where} holds ${s}`).not.toContain(s);
  };

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url, {
      HERALD_PROVIDERS: [...BUILTIN_PROVIDERS, QUOTING_PROVIDER].join(','),
      HERALD_RETRY_SCHEDULE: 'none',
    });
    sink = await startSink('/');
    acme = apiClient(herald.url, (await herald.resolve(ApiKeyStore).create('acme')).key);
  });
  afterAll(async () => {
    await herald?.stop();
    await sink?.close();
    await nats?.cleanup();
  });

  it('a webhook receiver echoing the token and its signing secret in headers and body: masked in the stored attempt', async () => {
    sink.respond((req, res) => {
      const token = req.headers['x-herald-notification-integration-token'] ?? '';
      res
        .writeHead(401, {
          'content-type': 'application/json',
          'x-echo-token': token,
          'www-authenticate': `Token realm="hooks", token="${encodeURIComponent(token)}"`,
        })
        .end(
          JSON.stringify({
            error: `token ${token} does not match secret ${SIGNING_SECRET}`,
            headers: req.headers,
          }),
        );
    });
    const hook = await create({
      name: 'Echoing receiver',
      type: 'webhook',
      // Not the events the next test publishes: this receiver is not to quote another's URL.
      events: ['backup:*'],
      config: { url: `${sink.url}hook`, secret: TOKEN, signingSecrets: [SIGNING_SECRET] },
    });
    const delivery = await testAttempt(hook.id);
    const attempt = delivery.attempts[0];
    expect(attempt.response.status).toBe(401);
    // The receiver did get the token; the log keeps its mask.
    expect(sink.requests.at(-1)!.headers['x-herald-notification-integration-token']).toBe(TOKEN);
    expect(attempt.response.headers['x-echo-token']).toBe('…ghij');
    expect(attempt.response.headers['www-authenticate']).toBe('Token realm="hooks", token="…ghij"');
    expect(JSON.parse(attempt.response.body).error).toBe(
      `token …ghij does not match secret whsec_…${SIGNING_SECRET.slice(-4)}`,
    );
    expect(attempt.request.headers['X-Herald-Notification-Integration-Token']).toBe('…ghij');
    expectNoSecret('the delivery as read', JSON.stringify(delivery));
  });

  it('a chat endpoint quoting its webhook URL (whole, JSON-escaped, or only its path) in an error: masked, also in the health shown', async () => {
    const chatUrl = `${sink.url.replace(/\/$/, '')}${CHAT_PATH}`;
    sink.respond((req, res) => {
      const escaped = chatUrl.replaceAll('/', '\\/');
      res
        .writeHead(404, {
          'content-type': 'text/plain',
          'x-not-found': req.path,
          link: `<${chatUrl}>; rel="self"`,
        })
        .end(`no_service: POST ${req.path} is not a webhook (${escaped}; ${encodeURIComponent(chatUrl)})`);
    });
    const slack = await create({ name: 'Quoted Slack', type: 'slack', config: { url: chatUrl } });
    const slackDelivery = await testAttempt(slack.id);
    expect(slackDelivery.attempts[0].response.status).toBe(404);
    expect(slackDelivery.attempts[0].response.body).toMatch(/^no_service: POST \*\*\*\* is not a webhook/);
    expect(slackDelivery.attempts[0].response.headers['x-not-found']).toBe('****');
    expectNoSecret('the Slack delivery as read', JSON.stringify(slackDelivery));

    // A provider that quotes the answer in its reason: the reason reaches the delivery's
    // last error and the integration's health, through a real delivery.
    const quoting = await create({ name: 'Quoting chat', type: 'quoting', config: { url: chatUrl } });
    const { teamId: _team, ...event } = exampleEvent('build:failure', { id: 'evt_quoted_1' });
    expect((await acme.post('/v1/events', event)).status).toBe(202);
    const failed = await eventually(async () => {
      const list = (await acme.get(`/v1/integrations/${quoting.id}/deliveries`)).body;
      return list.items.find((d: { eventId: string; status: string }) => d.status === 'failed');
    });
    expect(failed.lastError).toMatch(/^HTTP 404: no_service: POST \*\*\*\* is not a webhook/);
    const read = (await acme.get(`/v1/integrations/${quoting.id}`)).body;
    expect(read.health.lastError).toMatch(/^HTTP 404: no_service/);
    expectNoSecret('the integration as read', JSON.stringify(read));
    expectNoSecret('the delivery as read', JSON.stringify(failed));
  });

  it('credentials in a webhook URL are sent as HTTP Basic auth and masked in reads, PATCH keeps them, the log masks them', async () => {
    sink.respond((req, res) => {
      res
        .writeHead(500, { 'x-echo-authorization': req.headers.authorization ?? '' })
        .end(`bad ${req.headers.authorization} for ${req.path}`);
    });
    const url = `http://herald:${PASSWORD}@127.0.0.1:${sink.port}/hook?x=1&token=${QUERY_TOKEN}`;
    const masked = `http://herald:****@127.0.0.1:${sink.port}/hook?x=1&token=****`;
    const hook = await create({ name: 'Basic auth', type: 'webhook', events: ['backup:*'], config: { url } });
    expect(hook.config.url).toBe(masked);
    expect((await acme.get(`/v1/integrations/${hook.id}`)).body.config.url).toBe(masked);
    const listed = (await acme.get('/v1/integrations')).body.items.find(
      (i: { id: string }) => i.id === hook.id,
    );
    expect(listed.config.url).toBe(masked);

    const delivery = await testAttempt(hook.id);
    const received = sink.requests.at(-1)!;
    expect(received.headers.authorization).toBe(`Basic ${BASIC}`);
    expect(received.path).toBe(`/hook?x=1&token=${QUERY_TOKEN}`);
    const attempt = delivery.attempts[0];
    expect(attempt.request.url).toBe(masked);
    expect(attempt.response.headers['x-echo-authorization']).toBe('Basic ****');
    expect(attempt.response.body).toBe('bad Basic **** for /hook?x=1&token=****');
    expectNoSecret('the delivery as read', JSON.stringify(delivery));

    // A form that posts back what it read keeps the credentials; a new URL replaces them.
    const patched = await acme.patch(`/v1/integrations/${hook.id}`, {
      name: 'Basic auth 2',
      config: { url: masked },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.config.url).toBe(masked);
    await testAttempt(hook.id);
    expect(sink.requests.at(-1)!.headers.authorization).toBe(`Basic ${BASIC}`);
    expect(sink.requests.at(-1)!.path).toBe(`/hook?x=1&token=${QUERY_TOKEN}`);
  });

  it('none of it is in the stored delivery log or the service log', async () => {
    const stored = await storedLog();
    expect(stored).toContain('Basic ****');
    expectNoSecret('the delivery log bucket', stored);
    expectNoSecret('the service log', herald.logs.text);
  });
});
