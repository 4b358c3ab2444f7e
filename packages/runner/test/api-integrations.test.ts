import { startNats, type TestNats } from '@herald/core/testing';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHerald } from '../src/run.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { HealthStore } from '../src/store/health.js';
import { TOKENS } from '../src/tokens.js';
import { type ApiClient, apiClient } from './support/api-client.js';
import { eventually, type LogCapture, startHerald } from './support/herald.js';
import { type Sink, startSink } from './support/sink.js';

const SIGNING_SECRET = `whsec_${Buffer.from('herald-api-test-signing-secret-01').toString('base64')}`;

describe('HTTP API — integrations', () => {
  let nats: TestNats;
  let herald: RunningHerald & { logs: LogCapture };
  let sink: Sink;
  let keys: ApiKeyStore;
  let acmeKey: string;
  let acme: ApiClient;
  let globex: ApiClient;
  const secrets: string[] = [SIGNING_SECRET];

  const webhook = (patch: Record<string, unknown> = {}) => ({
    name: 'Ops hook',
    type: 'webhook',
    config: { url: sink.url, secret: 'generate', signingSecrets: [SIGNING_SECRET] },
    events: ['build:*'],
    ...patch,
  });

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url);
    sink = await startSink();
    keys = new ApiKeyStore(herald.resolve(TOKENS.buckets).teams);
    acmeKey = (await keys.create('acme')).key;
    acme = apiClient(herald.url, acmeKey);
    globex = apiClient(herald.url, (await keys.create('globex')).key);
    secrets.push(acmeKey);
  });
  afterAll(async () => {
    await herald?.stop();
    await sink?.close();
    await nats?.cleanup();
  });

  describe('authentication', () => {
    it('answers 401 with the error shape without a key, with a malformed or unknown key', async () => {
      for (const key of [null, 'nonsense', `hk_0123456789abcdef_${'A'.repeat(43)}`]) {
        const res = await apiClient(herald.url, key).get('/v1/integrations');
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe('unauthorized');
        expect(res.body.error.message).toEqual(expect.any(String));
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
      }
      const wrongSecret = `${acmeKey.slice(0, -4)}AAAA`;
      expect((await apiClient(herald.url, wrongSecret).get('/v1/integrations')).status).toBe(401);
    });

    it('refuses a revoked key within the verification cache time', async () => {
      const { key, info } = await keys.create('acme');
      const client = apiClient(herald.url, key);
      expect((await client.get('/v1/integrations')).status).toBe(200);
      // Revoked elsewhere (as `herald keys revoke` does), not through this server's store.
      await new ApiKeyStore(herald.resolve(TOKENS.buckets).teams).revoke(info.keyId);
      const started = Date.now();
      await eventually(async () => (await client.get('/v1/integrations')).status === 401, 10_000, 100);
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('serves the catalogue and the OpenAPI document without a key', async () => {
      const anon = apiClient(herald.url, null);
      const types = await anon.get('/v1/event-types');
      expect(types.status).toBe(200);
      const start = types.body.items.find((t: { type: string }) => t.type === 'build:start');
      expect(start.category).toBe('build');
      expect(start.schema.properties.build.required).toContain('sha');
      expect(types.body.items.map((t: { type: string }) => t.type)).toContain('alert:cpu-high');
      const doc = await anon.get('/openapi.json');
      expect(doc.status).toBe(200);
      expect(doc.body.openapi).toBe('3.1.0');
      // Every route of DESIGN.md, from the same schemas that validate requests.
      const operations = Object.entries(doc.body.paths).flatMap(([path, ops]) =>
        Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${path}`),
      );
      expect(operations.sort()).toEqual(
        [
          'GET /v1/event-types',
          'GET /v1/providers',
          'GET /v1/integrations',
          'POST /v1/integrations',
          'GET /v1/integrations/{id}',
          'PATCH /v1/integrations/{id}',
          'DELETE /v1/integrations/{id}',
          'POST /v1/integrations/{id}/enable',
          'POST /v1/integrations/{id}/disable',
          'POST /v1/integrations/{id}/test',
          'POST /v1/integrations/{id}/rotate-secret',
          // Message templates (issue 20): render one for a catalogue example.
          'POST /v1/integrations/{id}/template-preview',
          'POST /v1/template-preview',
          'GET /v1/integrations/{id}/deliveries',
          'GET /v1/integrations/{id}/deliveries/{deliveryId}',
          'POST /v1/integrations/{id}/deliveries/{deliveryId}/resend',
          'POST /v1/integrations/{id}/replay',
          'POST /v1/events',
          'GET /v1/events',
          'GET /v1/events/{id}',
          'GET /v1/alert-settings',
          'PUT /v1/alert-settings',
          // Portal links (issue 20): mint and revoke.
          'GET /v1/portal-links',
          'POST /v1/portal-links',
          'DELETE /v1/portal-links/{id}',
          // "Add to Slack" (issue 10); its browser callback answers a redirect or HTML.
          'GET /v1/integrations/slack/app',
          'POST /v1/integrations/slack/install',
          'GET /v1/integrations/slack/install',
          'GET /v1/integrations/slack/callback',
          // Operations, listed too since every route the server registers is (openapi-document.test.ts).
          'GET /healthz',
          'GET /readyz',
          'GET /metrics',
          'GET /openapi.json',
        ].sort(),
      );
      const create = doc.body.paths['/v1/integrations'].post;
      expect(create.responses['201'].content['application/json'].schema.properties.id).toEqual({
        type: 'string',
      });
      expect(create.requestBody.content['application/json'].schema.required).toEqual([
        'name',
        'type',
        'config',
      ]);
      expect(create.requestBody.content['application/json'].schema.properties.config.anyOf).toContainEqual({
        $ref: '#/components/schemas/WebhookConfig',
      });
      expect(doc.body.components.schemas.WebhookConfig.required).toEqual(['url']);
      expect(doc.body.components.schemas.Attempt.required).toEqual(
        expect.arrayContaining([
          'number',
          'trigger',
          'at',
          'durationMs',
          'request',
          'response',
          'error',
          'outcome',
        ]),
      );
      expect(doc.body.paths['/v1/event-types'].get.security).toEqual([]);
    });
  });

  describe('create', () => {
    it('creates a webhook: 201, int_ id, generated token returned once, confirmation sent, secrets masked', async () => {
      const before = sink.requests.length;
      const res = await acme.post('/v1/integrations', webhook());
      expect(res.status).toBe(201);
      const created = res.body;
      expect(created.id).toMatch(/^int_/);
      expect(created).toMatchObject({
        name: 'Ops hook',
        type: 'webhook',
        events: ['build:*'],
        projects: null,
        enabled: true,
        state: 'healthy',
        health: { state: 'healthy', transitions: [] },
      });
      expect(created.generatedSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      secrets.push(created.generatedSecret);
      expect(created.confirmation).toMatchObject({
        ok: true,
        status: 200,
        outcome: 'success',
        trigger: 'test',
      });
      expect(created.confirmation.durationMs).toEqual(expect.any(Number));
      const [req] = (await sink.waitFor(before + 1)).slice(before);
      expect(req!.headers['x-herald-notification-integration-token']).toBe(created.generatedSecret);
      expect(() => new Webhook(SIGNING_SECRET).verify(req!.body, req!.headers)).not.toThrow();
      // The confirmation says what it is and what the integration will receive.
      expect(JSON.parse(req!.body)).toMatchObject({
        event: 'integration:connected',
        data: { integration: { id: created.id, name: 'Ops hook' }, events: ['build:*'], projects: null },
      });
      const listed = await acme.get(`/v1/integrations/${created.id}/deliveries`);
      expect(listed.body.items[0]).toMatchObject({
        eventType: 'integration:connected',
        kind: 'confirmation',
      });
      // A webhook's URL is not secret (its token and signing secrets are): shown whole.
      expect(created.config.url).toBe(sink.url);
      expect(created.config.secret).not.toBe(created.generatedSecret);
      expect(created.config.signingSecrets[0]).toMatch(/^whsec_…/);
      const body = JSON.stringify({ ...created, generatedSecret: undefined });
      for (const s of secrets) expect(body).not.toContain(s);
    });

    it('skips the confirmation with confirm: false and keeps a given token write-only', async () => {
      const before = sink.requests.length;
      const res = await acme.post(
        '/v1/integrations',
        webhook({
          name: 'Quiet',
          confirm: false,
          config: { url: sink.url, secret: 'tok-quiet-1234567890abcdef' },
        }),
      );
      expect(res.status).toBe(201);
      expect(res.body.confirmation).toBeUndefined();
      expect(res.body.generatedSecret).toBeUndefined();
      expect(res.body.config.secret).toBe('…cdef');
      secrets.push('tok-quiet-1234567890abcdef');
      await new Promise((r) => setTimeout(r, 200));
      expect(sink.requests.length).toBe(before);
    });

    it.each([
      ['a bad URL', { config: { url: 'ftp://x' } }, 'config.url', /http/],
      [
        'an unknown config field',
        { config: { url: 'https://example.com', colour: 'red' } },
        'config',
        /colour/,
      ],
      ['an unknown type', { type: 'pager' }, 'type', /known types: .*slack.*webhook/],
      ['a missing name', { name: undefined }, 'name', /./],
      ['a bad event pattern', { events: ['build:exploded'] }, 'events.0', /event type/],
      ['an empty project list', { projects: [] }, 'projects', /null for all projects/],
      ['an unknown top-level field', { colour: 'red' }, '', /colour/],
      [
        'a short signing secret',
        { config: { url: 'https://example.com', signingSecrets: ['whsec_AAAA'] } },
        'config.signingSecrets.0',
        /bytes/,
      ],
    ])('answers 400 naming the field for %s, and writes nothing', async (_what, patch, path, message) => {
      const count = (await acme.get('/v1/integrations')).body.items.length;
      const res = await acme.post('/v1/integrations', webhook(patch));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      const issue = res.body.error.details.find((d: { path: string }) => d.path === path);
      expect(issue, JSON.stringify(res.body)).toBeDefined();
      expect(issue.message).toMatch(message);
      expect(issue.in).toBe('body');
      expect((await acme.get('/v1/integrations')).body.items.length).toBe(count);
    });

    it('never echoes a secret in a validation error', async () => {
      const res = await acme.post(
        '/v1/integrations',
        webhook({ config: { url: sink.url, secret: 'has spaces TOPSECRET-1' } }),
      );
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].path).toBe('config.secret');
      const slack = await acme.post('/v1/integrations', {
        name: 'Chat',
        type: 'slack',
        config: { url: 'ftp://hooks.slack.com/services/TOPSECRET-2' },
      });
      expect(slack.status).toBe(400);
      expect(slack.body.error.details[0].path).toBe('config.url');
      for (const text of [res.text, slack.text, herald.logs.text]) expect(text).not.toMatch(/TOPSECRET/);
    });

    it('answers 413 for a body over the limit, 415 for non-JSON and 400 for broken JSON', async () => {
      const big = await acme.raw('POST', '/v1/integrations', {
        body: JSON.stringify(webhook({ name: 'x'.repeat(600 * 1024) })),
        headers: { 'content-type': 'application/json' },
      });
      expect(big.status).toBe(413);
      expect(big.body.error.code).toBe('payload_too_large');
      const text = await acme.raw('POST', '/v1/integrations', {
        body: 'name=x',
        headers: { 'content-type': 'text/plain' },
      });
      expect(text.status).toBe(415);
      expect(text.body.error.code).toBe('unsupported_media_type');
      const broken = await acme.raw('POST', '/v1/integrations', {
        body: '{"name":',
        headers: { 'content-type': 'application/json' },
      });
      expect(broken.status).toBe(400);
      expect(broken.body.error.code).toBe('invalid_json');
    });
  });

  describe('read, update, delete', () => {
    let id: string;
    let token: string;

    beforeAll(async () => {
      const res = await acme.post('/v1/integrations', webhook({ name: 'Editable', confirm: false }));
      id = res.body.id;
      token = res.body.generatedSecret;
      secrets.push(token);
    });

    it('lists and reads with config masked and health attached', async () => {
      const list = await acme.get('/v1/integrations');
      expect(list.status).toBe(200);
      expect(list.body.nextCursor).toBeNull();
      expect(list.body.items.map((i: { id: string }) => i.id)).toContain(id);
      const one = await acme.get(`/v1/integrations/${id}`);
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ id, name: 'Editable', state: 'healthy', enabled: true });
      expect(one.body.health).toEqual({
        state: 'healthy',
        since: null,
        failingSince: null,
        lastError: null,
        failedDeliveries: 0,
        transitions: [],
      });
      for (const s of secrets) {
        expect(list.text).not.toContain(s);
        expect(one.text).not.toContain(s);
      }
    });

    it('patches partially: config merged, omitted and masked-back secrets kept', async () => {
      const other = await startSink('/other');
      try {
        const masked = (await acme.get(`/v1/integrations/${id}`)).body.config;
        const res = await acme.patch(`/v1/integrations/${id}`, {
          name: 'Renamed',
          events: ['build:failure', 'backup:*'],
          config: { url: other.url, signingSecrets: masked.signingSecrets },
        });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ name: 'Renamed', events: ['build:failure', 'backup:*'] });
        expect(res.body.updatedAt >= res.body.createdAt).toBe(true);
        const test = await acme.post(`/v1/integrations/${id}/test`);
        expect(test.body.ok).toBe(true);
        const [req] = await other.waitFor(1);
        expect(req!.headers['x-herald-notification-integration-token']).toBe(token);
        // A test of its own type, sent although the integration takes only builds and backups.
        expect(req!.headers['x-herald-notification-integration-event-type']).toBe('integration:test');
        expect(JSON.parse(req!.body)).toMatchObject({
          event: 'integration:test',
          data: { integration: { id, name: 'Renamed' } },
        });
        const listed = await acme.get(`/v1/integrations/${id}/deliveries`);
        expect(listed.body.items[0]).toMatchObject({
          id: test.body.deliveryId,
          eventType: 'integration:test',
          kind: 'test',
        });
        expect(() => new Webhook(SIGNING_SECRET).verify(req!.body, req!.headers)).not.toThrow();
      } finally {
        await other.close();
        await acme.patch(`/v1/integrations/${id}`, { config: { url: sink.url } });
      }
    });

    it('removes a config field set to null, and refuses a bad patch without writing', async () => {
      const bad = await acme.patch(`/v1/integrations/${id}`, { name: 'Nope', config: { url: 'not a url' } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details[0].path).toBe('config.url');
      expect((await acme.get(`/v1/integrations/${id}`)).body.name).toBe('Renamed');
      const typeChange = await acme.patch(`/v1/integrations/${id}`, { type: 'slack' });
      expect(typeChange.status).toBe(400);
      const cleared = await acme.patch(`/v1/integrations/${id}`, { config: { signingSecrets: null } });
      expect(cleared.status).toBe(200);
      expect(cleared.body.config.signingSecrets).toBeUndefined();
      expect(cleared.body.config.secret).toEqual(expect.any(String));
    });

    it('disables and enables: enabled flag, state and health transitions', async () => {
      const off = await acme.post(`/v1/integrations/${id}/disable`);
      expect(off.status).toBe(200);
      expect(off.body).toMatchObject({ enabled: false, state: 'disabled' });
      await eventually(async () => (await herald.resolve(HealthStore).view(id)).state === 'disabled');
      const on = await acme.post(`/v1/integrations/${id}/enable`);
      expect(on.status).toBe(200);
      expect(on.body).toMatchObject({ enabled: true, state: 'healthy' });
      expect(on.body.health.transitions.map((t: { to: string }) => t.to)).toEqual(['healthy', 'disabled']);
    });

    it('rotates the token and adds a signing secret next to the old one', async () => {
      const tok = await acme.post(`/v1/integrations/${id}/rotate-secret`, { kind: 'token' });
      expect(tok.status).toBe(200);
      expect(tok.body.kind).toBe('token');
      expect(tok.body.secret).not.toBe(token);
      secrets.push(tok.body.secret);
      expect(tok.body.integration.config.secret).not.toBe(tok.body.secret);

      await acme.patch(`/v1/integrations/${id}`, { config: { signingSecrets: [SIGNING_SECRET] } });
      const sig = await acme.post(`/v1/integrations/${id}/rotate-secret`);
      expect(sig.status).toBe(200);
      expect(sig.body.kind).toBe('signingSecret');
      expect(sig.body.secret).toMatch(/^whsec_/);
      secrets.push(sig.body.secret);
      expect(sig.body.integration.config.signingSecrets).toHaveLength(2);
      expect(JSON.stringify(sig.body.integration)).not.toContain(sig.body.secret);

      const before = sink.requests.length;
      expect((await acme.post(`/v1/integrations/${id}/test`)).body.ok).toBe(true);
      const [req] = (await sink.waitFor(before + 1)).slice(before);
      expect(req!.headers['x-herald-notification-integration-token']).toBe(tok.body.secret);
      expect(req!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
      expect(() => new Webhook(sig.body.secret).verify(req!.body, req!.headers)).not.toThrow();
      expect(() => new Webhook(SIGNING_SECRET).verify(req!.body, req!.headers)).not.toThrow();

      const slack = await acme.post('/v1/integrations', {
        name: 'Chat',
        type: 'slack',
        config: { url: 'https://hooks.slack.com/services/T0/B0/xyz' },
        confirm: false,
      });
      // A Slack webhook URL is itself the secret: masked in reads.
      expect(slack.body.config.url).toMatch(/^https:\/\/hooks\.slack\.com\//);
      expect(slack.text).not.toContain('B0/xyz');
      expect((await acme.get(`/v1/integrations/${slack.body.id}`)).text).not.toContain('B0/xyz');
      const refused = await acme.post(`/v1/integrations/${slack.body.id}/rotate-secret`, {});
      expect(refused.status).toBe(400);
      expect(refused.body.error.details[0].path).toBe('kind');
    });

    it('tests a failing destination: the attempt with its status and outcome', async () => {
      sink.respond((_req, res) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('exploded');
      });
      try {
        const res = await acme.post(`/v1/integrations/${id}/test`);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({
          ok: false,
          status: 500,
          outcome: 'retry',
          trigger: 'test',
          response: { status: 500, body: 'exploded' },
        });
        expect(res.body.deliveryId).toMatch(/^dlv_/);
        expect(res.body.request.method).toBe('POST');
        for (const s of secrets) expect(res.text).not.toContain(s);
      } finally {
        sink.respond((_req, res) => {
          res.writeHead(200).end('ok');
        });
      }
    });

    it('hides every integration of another team behind 404', async () => {
      expect((await globex.get('/v1/integrations')).body.items).toEqual([]);
      const attempts = [
        globex.get(`/v1/integrations/${id}`),
        globex.patch(`/v1/integrations/${id}`, { name: 'stolen' }),
        globex.post(`/v1/integrations/${id}/disable`),
        globex.post(`/v1/integrations/${id}/test`),
        globex.post(`/v1/integrations/${id}/rotate-secret`, {}),
        globex.get(`/v1/integrations/${id}/deliveries`),
        globex.post(`/v1/integrations/${id}/replay`, { since: new Date(0).toISOString() }),
        globex.delete(`/v1/integrations/${id}`),
      ];
      for (const res of await Promise.all(attempts)) {
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('not_found');
      }
      expect((await acme.get(`/v1/integrations/${id}`)).body).toMatchObject({
        name: 'Renamed',
        enabled: true,
      });
    });

    it('answers racing PATCHes with 200 or 409 conflict, and keeps a write that was answered 200', async () => {
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => acme.patch(`/v1/integrations/${id}`, { name: `Race ${i}` })),
      );
      for (const a of answers) {
        expect([200, 409]).toContain(a.status);
        if (a.status === 409) expect(a.body.error.code).toBe('conflict');
      }
      const accepted = answers.filter((a) => a.status === 200).map((a) => a.body.name);
      expect(accepted.length).toBeGreaterThan(0);
      expect(accepted).toContain((await acme.get(`/v1/integrations/${id}`)).body.name);
    });

    it('deletes: 204, then 404', async () => {
      const res = await acme.delete(`/v1/integrations/${id}`);
      expect(res.status).toBe(204);
      expect((await acme.get(`/v1/integrations/${id}`)).status).toBe(404);
      expect((await acme.delete(`/v1/integrations/${id}`)).status).toBe(404);
    });

    it('answers 400 naming a malformed id in the path', async () => {
      const res = await acme.get('/v1/integrations/not.a.token');
      expect(res.status).toBe(400);
      expect(res.body.error.details[0]).toMatchObject({ path: 'id', in: 'path' });
    });
  });

  describe('logs', () => {
    it('logs one line per request with id, method, URL, status and duration — and no secret', async () => {
      const res = await acme.raw('GET', '/v1/integrations?status=x&token=hunter2', {
        headers: { 'x-request-id': 'req-from-test-1' },
      });
      expect(res.headers.get('x-request-id')).toBe('req-from-test-1');
      expect((await acme.get('/v1/integrations')).headers.get('x-request-id')).toMatch(/^req_/);
      const line = await eventually(() =>
        herald.logs.lines.map((l) => JSON.parse(l)).find((l) => l.reqId === 'req-from-test-1'),
      );
      expect(line).toMatchObject({ method: 'GET', status: 200, teamId: 'acme', msg: 'request' });
      expect(line.url).toBe('/v1/integrations?status=x&token=[redacted]');
      expect(line.durationMs).toEqual(expect.any(Number));
      expect(herald.logs.text).not.toContain('hunter2');
      for (const s of secrets) expect(herald.logs.text).not.toContain(s);
    });
  });
});
