import { readFileSync } from 'node:fs';
import { exampleEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import { verifyWebhook } from '@herald/provider-webhook/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHerald } from '../src/run.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { TOKENS } from '../src/tokens.js';
import { type ApiClient, apiClient } from './support/api-client.js';
import { eventually, type LogCapture, startHerald } from './support/herald.js';
import { type Sink, type SinkRequest, startSink } from './support/sink.js';

const SIGNING_SECRET = `whsec_${Buffer.from('templates-signing-secret-32-bytes!').toString('base64')}`;
const SLACK_URL = 'https://hooks.slack.com/services/T0TEMPLATE/B0TEMPLATE/tEmPlAtEsEcReTtOkEn';

/** A body template that is JSON for every example, and says which branch a build was on. */
const BODY = [
  '{ "kind": {{ event.event | json }},',
  '  "branch": {{ event.data.build.branch | default: "" | json }},',
  '  "for": {{ integration.name | json }} }',
].join('\n');

/** The root README's template example: the integration it creates, as JSON. */
function readmeExample(): Record<string, unknown> & { config: { url: string } } {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const block =
    /<!-- template-example:start -->\s*```json\n([\s\S]*?)```\s*<!-- template-example:end -->/.exec(readme);
  if (!block) throw new Error('README has no template example');
  return JSON.parse(block[1]!);
}

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

describe('message templates through the API: saved, previewed, delivered, failing honestly', () => {
  let nats: TestNats;
  let herald: RunningHerald & { logs: LogCapture };
  let sink: Sink;
  let api: ApiClient;
  let other: ApiClient;
  const secrets: string[] = [SIGNING_SECRET, SLACK_URL, 'tEmPlAtEsEcReTtOkEn'];

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url, {
      HERALD_PORTAL_SECRET: 'portal-secret-for-template-tests-0123456789',
    });
    sink = await startSink();
    const keys = new ApiKeyStore(herald.resolve(TOKENS.buckets).teams);
    api = apiClient(herald.url, (await keys.create('tpl')).key);
    other = apiClient(herald.url, (await keys.create('tpl-other')).key);
  });
  afterAll(async () => {
    // Nothing secret in anything the runner logged, whatever the templates asked for.
    for (const s of secrets) expect(herald?.logs.text ?? '').not.toContain(s);
    await herald?.stop();
    await sink?.close();
    await nats?.cleanup();
  });

  const forEvent = (id: string, path: string) => (r: SinkRequest) =>
    r.path.endsWith(path) && r.headers['x-herald-notification-integration-event-id'] === id;

  it('a webhook sends the rendered body, signed as sent; the read shows the template', async () => {
    const created = await api.post('/v1/integrations', {
      name: 'Templated hook',
      type: 'webhook',
      config: { url: `${sink.url}body`, secret: 'generate', signingSecrets: [SIGNING_SECRET] },
      events: ['build:*'],
      template: { body: BODY },
      confirm: false,
    });
    expect(created.status).toBe(201);
    secrets.push(created.body.generatedSecret);
    expect(created.body.template).toEqual({ body: BODY });
    expect((await api.get(`/v1/integrations/${created.body.id}`)).body.template).toEqual({ body: BODY });

    expect((await api.post('/v1/events', buildOn('evt_tpl_main', 'main'))).status).toBe(202);
    const req = await eventually(() => sink.requests.find(forEvent('evt_tpl_main', 'body')));
    expect(req.body).toBe('{ "kind": "build:success",\n  "branch": "main",\n  "for": "Templated hook" }');
    // A receiver verifies it as any other (its own shape: `templated`).
    const verified = verifyWebhook(
      { headers: req.headers, body: req.body },
      { secrets: [SIGNING_SECRET], templated: true },
    );
    expect(verified.event).toBe('build:success');
    expect(verified.body).toEqual({ kind: 'build:success', branch: 'main', for: 'Templated hook' });
  });

  it("the README's example: created as written, previewed, and its body delivered", async () => {
    const example = readmeExample();
    const created = await api.post('/v1/integrations', {
      ...example,
      config: { url: `${sink.url}readme` },
      confirm: false,
    });
    expect(created.status).toBe(201);
    const preview = await api.post(`/v1/integrations/${created.body.id}/template-preview`, {
      eventType: 'deployment:failure',
    });
    expect(preview.status).toBe(200);
    expect(JSON.parse(preview.body.message.body)).toEqual({
      text: 'Deployment failed: Website',
      project: 'personal-blog',
      service: 'Website',
    });
    expect(preview.body.request.url).toBe(`${sink.url}readme`);
    const { teamId: _team, ...event } = exampleEvent('deployment:success', { id: 'evt_tpl_readme' });
    expect((await api.post('/v1/events', event)).status).toBe(202);
    const req = await eventually(() => sink.requests.find(forEvent('evt_tpl_readme', 'readme')));
    expect(JSON.parse(req.body)).toEqual({
      text: expect.stringContaining('Website'),
      project: 'personal-blog',
      service: 'Website',
    });
  });

  it('a parse error is a 400 naming the field, the line and the problem; nothing is written', async () => {
    const before = (await api.get('/v1/integrations')).body.items.length;
    const res = await api.post('/v1/integrations', {
      name: 'Broken',
      type: 'webhook',
      config: { url: `${sink.url}broken` },
      template: { body: '{\n  "kind": {{ event.event | shout }}\n}' },
      confirm: false,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.message).toBe(
      'invalid request body: template.body: line 2, column 11: undefined filter: shout',
    );
    expect(res.body.error.details).toEqual([
      {
        path: 'template.body',
        message: 'line 2, column 11: undefined filter: shout',
        in: 'body',
        line: 2,
        column: 11,
      },
    ]);
    expect((await api.get('/v1/integrations')).body.items.length).toBe(before);
  });

  it('a body that is not JSON for an example the integration would get is refused, naming the example', async () => {
    const body = '{ "branch": {{ event.data.build.branch | json }} }';
    // Fine for builds — but Herald also sends every integration its test and confirmation.
    const res = await api.post('/v1/integrations', {
      name: 'Builds only',
      type: 'webhook',
      config: { url: `${sink.url}builds` },
      events: ['build:*'],
      template: { body },
      confirm: false,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]).toMatchObject({
      path: 'template.body',
      eventType: 'integration:test',
      line: null,
    });
    expect(res.body.error.details[0].message).toMatch(
      /^does not render valid JSON \(.+\) \(rendering the integration:test example\)$/,
    );
  });

  it('a field the provider does not render is refused; templates cannot use files', async () => {
    const slack = await api.post('/v1/integrations', {
      name: 'Slack body',
      type: 'slack',
      config: { url: SLACK_URL },
      template: { body: '{}' },
      confirm: false,
    });
    expect(slack.status).toBe(400);
    expect(slack.body.error.details[0]).toMatchObject({
      path: 'template.body',
      message: 'a Slack integration has no body to template; it takes title, text',
    });
    const include = await api.post('/v1/integrations', {
      name: 'Include',
      type: 'slack',
      config: { url: SLACK_URL },
      template: { text: 'hello\n{% include "/etc/passwd" %}' },
      confirm: false,
    });
    expect(include.status).toBe(400);
    expect(include.body.error.details[0]).toMatchObject({ path: 'template.text', line: 2 });
    expect(include.body.error.details[0].message).toContain('tag "include" not found');
  });

  it('a template too slow to render for every example is refused at save, and the save stays short', async () => {
    // Five times what took ~15 ms a render on a busy machine: refused on any machine, by the
    // save's budget for all examples or by the per-render limit (a fast machine renders
    // the lighter one thirty times within the budget: CI did once).
    const started = Date.now();
    const res = await api.post('/v1/integrations', {
      name: 'Slow',
      type: 'slack',
      config: { url: SLACK_URL },
      template: { text: '{% for a in (1..200) %}{% for b in (1..1000) %}{% endfor %}{% endfor %}done' },
      confirm: false,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('template.text');
    expect(res.body.error.details[0].message).toMatch(
      /takes too long to render|template render limit exceeded/,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('previews a chat template for any example: title and text in the request, the URL masked', async () => {
    const created = await api.post('/v1/integrations', {
      name: 'Ops chat',
      type: 'slack',
      config: { url: SLACK_URL },
      template: {
        title: 'Deploy of {{ event.data.service.name }}',
        text: '{{ summary.title }} — by {{ integration.name }}',
      },
      confirm: false,
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const preview = await api.post(`/v1/integrations/${id}/template-preview`, {
      eventType: 'deployment:failure',
    });
    expect(preview.status).toBe(200);
    const service = (exampleEvent('deployment:failure').data as { service: { name: string } }).service.name;
    expect(preview.body.message.title).toBe(`Deploy of ${service}`);
    expect(preview.body.message.text).toMatch(/ — by Ops chat$/);
    const sent = JSON.parse(preview.body.request.body);
    expect(sent.blocks[0].text.text).toContain(`Deploy of ${service}`);
    expect(preview.body.request.url).not.toContain('tEmPlAtEsEcReTtOkEn');
    expect(preview.body.event.teamId).toBe('tpl');

    // An edited template (not saved) with an error: the line and problem, as at save.
    const broken = await api.post(`/v1/integrations/${id}/template-preview`, {
      eventType: 'build:start',
      template: { text: 'ok\nstill ok\n{{ event | nope }}' },
    });
    expect(broken.status).toBe(400);
    expect(broken.body.error.details[0]).toMatchObject({ path: 'template.text', line: 3, column: 1 });
    // A parse error belongs to no example.
    expect(broken.body.error.details[0].eventType).toBeUndefined();
    expect((await api.get(`/v1/integrations/${id}`)).body.template.title).toBe(
      'Deploy of {{ event.data.service.name }}',
    );

    // null: Herald's own wording.
    const plain = await api.post(`/v1/integrations/${id}/template-preview`, {
      eventType: 'build:start',
      template: null,
    });
    expect(plain.status).toBe(200);
    expect(plain.body.message).toBeNull();
    expect(JSON.parse(plain.body.request.body).blocks[0].text.text).not.toContain('Deploy of');

    expect(
      (await api.post(`/v1/integrations/${id}/template-preview`, { eventType: 'build:nope' })).status,
    ).toBe(400);
    expect(
      (await other.post(`/v1/integrations/${id}/template-preview`, { eventType: 'build:start' })).status,
    ).toBe(404);
  });

  it('previews a template before any integration has it: the message alone, or the request with a config', async () => {
    const template = {
      title: '{{ integration.name }}: {{ summary.title }}',
      text: 'in {{ integration.projects | join: ", " }}',
    };
    const bare = await api.post('/v1/template-preview', {
      type: 'slack',
      eventType: 'backup:failure',
      template,
      name: 'Ops',
      projects: ['personal-blog'],
    });
    expect(bare.status).toBe(200);
    expect(bare.body.message.title).toMatch(/^Ops: /);
    expect(bare.body.message.text).toBe('in personal-blog');
    expect(bare.body.request).toBeNull();
    expect(bare.body.event.teamId).toBe('tpl');

    const full = await api.post('/v1/template-preview', {
      type: 'slack',
      eventType: 'backup:failure',
      template,
      config: { url: SLACK_URL },
    });
    expect(full.status).toBe(200);
    expect(JSON.parse(full.body.request.body).blocks[0].text.text).toContain('Preview: ');
    expect(JSON.stringify(full.body)).not.toContain('tEmPlAtEsEcReTtOkEn');

    const broken = await api.post('/v1/template-preview', {
      type: 'webhook',
      eventType: 'build:start',
      template: { body: '{"a": {{ event.id | json }}\n' },
    });
    expect(broken.status).toBe(400);
    expect(broken.body.error.details[0]).toMatchObject({ path: 'template.body', eventType: 'build:start' });
    const unknown = await api.post('/v1/template-preview', {
      type: 'pager',
      eventType: 'build:start',
      template,
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0].path).toBe('type');
    const badConfig = await api.post('/v1/template-preview', {
      type: 'slack',
      eventType: 'build:start',
      template,
      config: { url: 'not a url' },
    });
    expect(badConfig.status).toBe(400);
    expect(badConfig.body.error.details[0].path).toBe('config.url');
    // Nothing was created.
    expect(
      (await api.get('/v1/integrations')).body.items.some((i: { id: string }) => i.id === 'int_preview'),
    ).toBe(false);
  });

  it('templates never see the config: no URL, token or signing secret to render', async () => {
    const created = await api.post('/v1/integrations', {
      name: 'Curious',
      type: 'webhook',
      config: { url: `${sink.url}curious`, secret: 'generate', signingSecrets: [SIGNING_SECRET] },
      template: {
        body: '{"integration": {{ integration | json }}, "config": {{ integration.config | json | default: "none" | json }}}',
      },
      confirm: false,
    });
    expect(created.status).toBe(201);
    secrets.push(created.body.generatedSecret);
    const preview = await api.post(`/v1/integrations/${created.body.id}/template-preview`, {
      eventType: 'build:start',
    });
    expect(preview.status).toBe(200);
    const rendered = JSON.parse(preview.body.message.body);
    expect(rendered).toEqual({
      integration: { id: created.body.id, name: 'Curious', provider: 'webhook', projects: null },
      config: 'none',
    });
    for (const s of [...secrets, 'curious']) expect(preview.body.message.body).not.toContain(s);
    // The preview's request masks the token header as the delivery log does.
    expect(JSON.stringify(preview.body.request)).not.toContain(created.body.generatedSecret);
  });

  it('a template that fails at delivery fails that attempt with its error (no retry), marks the integration failing, and the runner goes on', async () => {
    // JSON for every example (their branch is "master"), not for a branch with a quote in it.
    const created = await api.post('/v1/integrations', {
      name: 'Naive body',
      type: 'webhook',
      config: { url: `${sink.url}naive` },
      events: ['build:*'],
      template: { body: '{"branch": "{{ event.data.build.branch | default: "none" }}"}' },
      confirm: false,
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await api.post('/v1/events', buildOn('evt_tpl_quote', 'fix "quotes"'))).status).toBe(202);
    const failed = await eventually(async () => {
      const page = (await api.get(`/v1/integrations/${id}/deliveries?status=failed`)).body.items;
      return page.find((d: { eventId: string }) => d.eventId === 'evt_tpl_quote');
    });
    expect(failed.lastError).toMatch(/^template body: does not render valid JSON/);
    const detail = (await api.get(`/v1/integrations/${id}/deliveries/${failed.id}`)).body;
    expect(detail.attempts).toHaveLength(1);
    expect(detail.attempts[0]).toMatchObject({ outcome: 'fail', response: null });
    expect(detail.attempts[0].error).toBe(failed.lastError);
    expect(detail.nextAttemptAt).toBeNull();
    expect(sink.requests.some((r) => r.path.endsWith('naive'))).toBe(false);
    const failing = await eventually(async () => {
      const read = (await api.get(`/v1/integrations/${id}`)).body;
      return read.state === 'failing' ? read : undefined;
    });
    expect(failing.health.lastError).toMatch(/^template body: does not render valid JSON/);

    // The runner is fine: the next build is delivered and the integration recovers.
    expect((await api.post('/v1/events', buildOn('evt_tpl_plain', 'main'))).status).toBe(202);
    const ok = await eventually(() => sink.requests.find(forEvent('evt_tpl_plain', 'naive')));
    expect(ok.body).toBe('{"branch": "main"}');
    await eventually(async () => (await api.get(`/v1/integrations/${id}`)).body.state === 'healthy');
  });

  it('a template past its render limit at delivery (data-driven loops) fails with the limit as the reason', async () => {
    // Fine for the examples (a six-letter branch: 216 turns), not for a 400-letter one (64 million).
    const loops = ['a', 'b', 'c'].map((v) => `{% for ${v} in (1..event.data.build.branch.size) %}`).join('');
    const created = await api.post('/v1/integrations', {
      name: 'Heavy body',
      type: 'webhook',
      config: { url: `${sink.url}heavy` },
      events: ['build:*'],
      template: { body: `{"n": 0${loops}{% endfor %}{% endfor %}{% endfor %}}` },
      confirm: false,
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await api.post('/v1/events', buildOn('evt_tpl_heavy', 'b'.repeat(400)))).status).toBe(202);
    const failed = await eventually(async () => {
      const page = (await api.get(`/v1/integrations/${id}/deliveries?status=failed`)).body.items;
      return page.find((d: { eventId: string }) => d.eventId === 'evt_tpl_heavy');
    });
    expect(failed.lastError).toMatch(
      /^template body: line 1, column \d+: (template render limit exceeded|memory alloc limit exceeded)$/,
    );
    expect(failed.attemptCount).toBe(1);
    expect(sink.requests.some((r) => r.path.endsWith('heavy'))).toBe(false);
    // A short branch still renders: the limit is per render, not a mark on the integration.
    expect((await api.post('/v1/events', buildOn('evt_tpl_light', 'main'))).status).toBe(202);
    const ok = await eventually(() => sink.requests.find(forEvent('evt_tpl_light', 'heavy')));
    expect(ok.body).toBe('{"n": 0}');
  });

  it('a read-only portal link may preview a template, not save one', async () => {
    const created = await api.post('/v1/integrations', {
      name: 'Portal shown',
      type: 'webhook',
      config: { url: `${sink.url}portal` },
      template: { body: BODY },
      confirm: false,
    });
    const link = await api.post('/v1/portal-links', { integrationId: created.body.id, readOnly: true });
    expect(link.status).toBe(201);
    const portal = apiClient(herald.url, link.body.token);
    const preview = await portal.post(`/v1/integrations/${created.body.id}/template-preview`, {
      eventType: 'build:start',
    });
    expect(preview.status).toBe(200);
    expect(JSON.parse(preview.body.message.body).for).toBe('Portal shown');
    const patch = await portal.patch(`/v1/integrations/${created.body.id}`, { template: null });
    expect(patch.status).toBe(403);
    expect((await api.get(`/v1/integrations/${created.body.id}`)).body.template).toEqual({ body: BODY });
  });

  it('PATCH replaces or removes the template, and checks it against widened events', async () => {
    const created = await api.post('/v1/integrations', {
      name: 'Patched',
      type: 'webhook',
      config: { url: `${sink.url}patched` },
      events: ['build:*'],
      template: { body: BODY },
      confirm: false,
    });
    const id = created.body.id;
    const bad = await api.patch(`/v1/integrations/${id}`, { template: { body: '{{ event.id }}' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('template.body');
    expect((await api.get(`/v1/integrations/${id}`)).body.template).toEqual({ body: BODY });
    // The name is data too: one that would break a naive body is refused, naming the template.
    const naive = await api.patch(`/v1/integrations/${id}`, {
      template: { body: '{"for": "{{ integration.name }}"}' },
    });
    expect(naive.status).toBe(200);
    const renamed = await api.patch(`/v1/integrations/${id}`, { name: 'The "quoted" one' });
    expect(renamed.status).toBe(400);
    expect(renamed.body.error.details[0]).toMatchObject({
      path: 'template.body',
      eventType: 'build:start',
    });
    expect((await api.get(`/v1/integrations/${id}`)).body.name).toBe('Patched');
    const removed = await api.patch(`/v1/integrations/${id}`, { template: null });
    expect(removed.status).toBe(200);
    expect(removed.body.template).toBeNull();
    expect((await api.post('/v1/events', buildOn('evt_tpl_untemplated', 'dev'))).status).toBe(202);
    const req = await eventually(() => sink.requests.find(forEvent('evt_tpl_untemplated', 'patched')));
    expect(Object.keys(JSON.parse(req.body))).toEqual(['event', 'data']);
  });
});
