import { exampleEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHerald } from '../src/run.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { type ApiClient, apiClient } from './support/api-client.js';
import { collectPageErrors, launchChromium, screenshot, signIn } from './support/browser.js';
import { eventually, type LogCapture, startHerald } from './support/herald.js';
import { type Sink, startSink } from './support/sink.js';

// The integration page's "Message template" pane: type a template, preview it against a
// catalogue example (the error with its line when it does not parse), save it, and the
// next delivery carries it; a chat integration previews its title and text.

const SLACK_URL = 'https://hooks.slack.com/services/T0BROWSER/B0BROWSER/bRoWsErSeCrEtToKeN';

describe('dashboard — edit, preview and save an integration’s message template', () => {
  let nats: TestNats;
  let herald: RunningHerald & { logs: LogCapture };
  let sink: Sink;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let api: ApiClient;

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url);
    sink = await startSink();
    const key = (await herald.resolve(ApiKeyStore).create('acme')).key;
    api = apiClient(herald.url, key);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    errors = collectPageErrors(page, herald.url);
    await signIn(page, herald.url, key);
  });

  afterAll(async () => {
    expect(errors).toEqual([]);
    await browser?.close();
    await herald?.stop();
    await sink?.close();
    await nats?.cleanup();
  });

  it('a webhook: a parse error shows its line at the field; a fixed body previews, saves and is delivered', async () => {
    const created = await api.post('/v1/integrations', {
      name: 'Templated hook',
      type: 'webhook',
      config: { url: `${sink.url}tpl` },
      events: ['build:*'],
      confirm: false,
    });
    const id = created.body.id;
    await page.goto(`${herald.url}/#/integrations/${id}`);
    await page.locator('#message-template').waitFor();
    // A webhook templates its body only.
    expect(await page.locator('#message-template textarea').count()).toBe(1);
    expect(await page.locator('#template-in-settings').textContent()).toBe('Herald’s wording');
    expect(await page.locator('#template-event-type').inputValue()).toBe('build:start');

    await page.fill('#template-body', '{\n  "text": {{ summary.title | shout }}\n}');
    await page.click('#template-preview');
    const slot = page.locator('[data-error-for="template.body"]');
    await slot.waitFor({ state: 'visible' });
    expect(await slot.textContent()).toBe('line 2, column 11: undefined filter: shout');
    // The 400 was the answer asked for: the only failed request so far, then forgotten.
    expect(errors).toEqual([
      `http 400: ${herald.url}/v1/integrations/${id}/template-preview`,
      'console: Failed to load resource: the server responded with a status of 400 (Bad Request)',
    ]);
    errors.length = 0;

    await page.fill(
      '#template-body',
      '{\n  "text": {{ summary.title | json }},\n  "branch": {{ event.data.build.branch | default: "" | json }}\n}',
    );
    await page.selectOption('#template-event-type', 'build:failure');
    await page.click('#template-preview');
    await page.locator('#template-request').waitFor();
    expect(await slot.isHidden()).toBe(true);
    const shown = await page.locator('#template-request pre').textContent();
    expect(JSON.parse(shown ?? '')).toEqual({ text: expect.stringContaining('failed'), branch: 'master' });
    expect(await page.locator('#template-request').textContent()).toContain(`POST ${sink.url}tpl`);
    await screenshot(page, 'template-webhook-preview');

    await page.click('#template-save');
    await eventually(async () => (await api.get(`/v1/integrations/${id}`)).body.template !== null);
    await page.locator('#template-remove').waitFor();
    expect(await page.locator('#template-in-settings').textContent()).toBe('Template: body');
    const event = {
      id: 'evt_browser_tpl',
      event: 'build:success',
      projectId: 'prj_web',
      data: exampleEvent('build:success').data,
    };
    expect((await api.post('/v1/events', event)).status).toBe(202);
    const req = await eventually(() =>
      sink.requests.find(
        (r) => r.headers['x-herald-notification-integration-event-id'] === 'evt_browser_tpl',
      ),
    );
    expect(JSON.parse(req.body)).toEqual({ text: expect.any(String), branch: 'master' });
    expect(Object.keys(JSON.parse(req.body))).toEqual(['text', 'branch']);
  });

  it('a chat integration previews its title and text; the URL stays masked; remove goes back to Herald’s wording', async () => {
    const created = await api.post('/v1/integrations', {
      name: 'Ops Slack',
      type: 'slack',
      config: { url: SLACK_URL },
      events: ['deployment:*'],
      template: { title: 'Deploy: {{ event.data.deployment.status }}' },
      confirm: false,
    });
    expect(created.status).toBe(201);
    await page.goto(`${herald.url}/#/integrations/${created.body.id}`);
    await page.locator('#message-template').waitFor();
    expect(await page.locator('#template-title').inputValue()).toBe(
      'Deploy: {{ event.data.deployment.status }}',
    );
    await page.fill('#template-text', '{{ summary.text }}\nby {{ integration.name }}');
    await page.click('#template-preview');
    await page.locator('#template-rendered-title').waitFor();
    expect(await page.locator('#template-rendered-title').textContent()).toMatch(/^Deploy: \S+/);
    expect(await page.locator('#template-rendered-text').textContent()).toMatch(/\nby Ops Slack$/);
    const request = await page.locator('#template-request').textContent();
    expect(request).toContain('Deploy: ');
    expect(request).not.toContain('bRoWsErSeCrEtToKeN');
    await screenshot(page, 'template-slack-preview');

    await page.click('#template-remove');
    await eventually(
      async () => (await api.get(`/v1/integrations/${created.body.id}`)).body.template === null,
    );
    await page.waitForFunction(() => document.querySelector('#template-remove') === null);
    expect(await page.locator('#template-title').inputValue()).toBe('');
  });
});
