import { resolve } from 'node:path';
import { exampleEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_PROVIDERS } from '../src/config/config.js';
import type { RunningHerald } from '../src/run.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { type ApiClient, apiClient } from './support/api-client.js';
import { collectPageErrors, launchChromium, screenshot } from './support/browser.js';
import { eventually, type LogCapture, startHerald } from './support/herald.js';
import { type Sink, startSink } from './support/sink.js';

const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const CHAT_PROVIDER = resolve(import.meta.dirname, '../../../examples/chat-provider/index.js');
/** Polling is every 2 s: anything the page should show by itself shows within this. */
const LIVE_MS = 10_000;

describe('dashboard — in a real browser against a real runner, NATS and sink', () => {
  let nats: TestNats;
  let herald: RunningHerald & { logs: LogCapture };
  let sink: Sink;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let key: string;
  let api: ApiClient;
  let integrationId: string;
  let deliveryId: string;
  let failing = false;

  /** Publishes an event through the API, as the platform would over HTTP. */
  const publish = async (type: 'build:start' | 'build:failure', id: string) => {
    const { teamId: _team, ...event } = exampleEvent(type, { id });
    const res = await api.post('/v1/events', event);
    expect(res.status, res.text).toBe(202);
  };

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url, {
      // One attempt per delivery: a failing sink makes a failed delivery (and a failing integration) at once.
      HERALD_RETRY_SCHEDULE: 'none',
      HERALD_PROVIDERS: [...BUILTIN_PROVIDERS, CHAT_PROVIDER].join(','),
    });
    sink = await startSink();
    sink.respond((req, res) => {
      if (failing) {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"database is down"}');
        return;
      }
      const eventId = req.headers['x-herald-notification-integration-event-id'];
      res
        .writeHead(200, { 'content-type': 'application/json', 'x-sink': 'dashboard-test' })
        .end(JSON.stringify({ ok: true, received: eventId, seen: sink.requests.length }));
    });
    key = (await herald.resolve(ApiKeyStore).create('acme')).key;
    api = apiClient(herald.url, key);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: LAPTOP });
    errors = collectPageErrors(page, herald.url);
  });

  afterAll(async () => {
    await browser?.close();
    await herald?.stop();
    await sink?.close();
    await nats?.cleanup();
  });

  it('signs in with a team API key from the keyboard and shows the empty list', async () => {
    await page.goto(`${herald.url}/`);
    await page.locator('#api-key').waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('api-key');
    await screenshot(page, 'sign-in-laptop');
    await page.keyboard.type(key);
    await page.keyboard.press('Enter');
    await page.getByText('No integrations yet').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('herald.apiKey'))).toBe(key);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
  });

  it('builds the form from each provider’s schema, a third party’s included', async () => {
    await page.getByRole('link', { name: 'New integration' }).click();
    await page.locator('#integration-form').waitFor();
    await page.locator('label[for="type-chat"]').click();
    await page.locator('#config-channel').waitFor();
    expect(await page.locator('#config-url').count()).toBe(1);
    expect(await page.locator('.help').textContent()).toContain(
      'Create an incoming webhook in your chat server',
    );
    await page.locator('label[for="type-webhook"]').click();
    await page.locator('#config-secret-generate').waitFor();
    expect(await page.locator('#config-channel').count()).toBe(0);
    expect(await page.locator('.help').textContent()).toContain('Answer 2xx when handled');
  });

  it('creates a webhook through the form: generated secret shown once, test notification delivered', async () => {
    await page.fill('#name', 'Build hooks');
    // Submitting without a URL names the field, and sends nothing.
    await page.click('#save');
    await page.locator('[data-error-for="config.url"]:not([hidden])').waitFor();
    expect(sink.requests).toHaveLength(0);

    await page.fill('#config-url', sink.url);
    await page.click('#config-secret-generate');
    await page.uncheck('#ev-all');
    await page.check('#ev-build__');
    expect(await page.locator('#ev-build_start').isChecked()).toBe(true);
    expect(await page.locator('#ev-build_start').isDisabled()).toBe(true);
    await page.check('#ev-deployment_failure');
    await page.check('#projects-some');
    await page.fill('#projects', 'personal-blog, api');
    await screenshot(page, 'create-form-laptop');
    await page.click('#save');

    await page.locator('#flash').waitFor();
    integrationId = page.url().split('/').pop()!;
    expect(integrationId).toMatch(/^int_/);
    const secret = await page.locator('#flash input[aria-label="Generated secret"]').inputValue();
    expect(secret.length).toBeGreaterThan(20);
    await page.locator('#test-result[data-ok="true"]').waitFor();
    const [confirmation] = await sink.waitFor(1);
    expect(confirmation!.headers['x-herald-notification-integration-token']).toBe(secret);
    expect(JSON.parse(confirmation!.body).event).toBe('integration:connected');
    expect(await page.locator('#test-result').textContent()).toContain('Confirmation delivered');

    const stored = (await api.get(`/v1/integrations/${integrationId}`)).body;
    expect(stored).toMatchObject({
      name: 'Build hooks',
      type: 'webhook',
      events: ['build:*', 'deployment:failure'],
      projects: ['personal-blog', 'api'],
      enabled: true,
    });
    expect(stored.config.secret).not.toBe(secret);
  });

  it('edits it: secrets write-only (shown as unchanged), test notification from the form', async () => {
    const before = (await api.get(`/v1/integrations/${integrationId}`)).body;
    await page.getByRole('link', { name: 'Edit' }).first().click();
    const secret = page.locator('#config-secret');
    await secret.waitFor();
    expect(await secret.inputValue()).toBe('');
    expect(await secret.getAttribute('placeholder')).toBe(`Unchanged (${before.config.secret})`);
    expect(await page.locator('#config-url').inputValue()).toBe(sink.url);
    expect(await page.locator('#ev-build__').isChecked()).toBe(true);
    expect(await page.locator('#projects').inputValue()).toBe('personal-blog, api');

    await page.click('#send-test');
    await page.locator('#test-result[data-ok="true"]').waitFor();
    expect(await page.locator('#test-result').textContent()).toContain('"ok": true');

    await page.fill('#name', 'Build hooks (CI)');
    await page.click('#save');
    await page.locator('h1', { hasText: 'Build hooks (CI)' }).waitFor();
    const after = (await api.get(`/v1/integrations/${integrationId}`)).body;
    expect(after.name).toBe('Build hooks (CI)');
    expect(after.config).toEqual(before.config);
    expect(after.events).toEqual(before.events);
  });

  it('shows a content filter in words on the integration page', async () => {
    const filter = { all: [{ path: 'data.build.branch', op: 'eq', value: 'main' }] };
    expect((await api.patch(`/v1/integrations/${integrationId}`, { filter })).status).toBe(200);
    await page.reload();
    const words = page.locator('#filter-in-words');
    await words.waitFor();
    expect(await words.textContent()).toBe('data.build.branch is "main"');
    await screenshot(page, 'integration-filter-laptop');
    // The events published below are not on main.
    expect((await api.patch(`/v1/integrations/${integrationId}`, { filter: null })).status).toBe(200);
    await page.reload();
    await page.getByText('No content filter').waitFor();
  });

  it('shows a published event’s delivery without reloading, then its request and the sink’s response', async () => {
    // A reload would lose this marker.
    await page.evaluate(() => {
      (window as unknown as { stillHere: boolean }).stillHere = true;
    });
    await publish('build:start', 'evt_dash_1');
    const row = page.locator('tr[data-delivery]', { hasText: 'evt_dash_1' });
    await row.locator('[data-status="succeeded"]').waitFor({ timeout: LIVE_MS });
    expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
    expect(await row.textContent()).toContain('build:start');
    // The test from the form and the confirmation are marked; the real build is not.
    expect(await row.locator('.kind-badge').count()).toBe(0);
    const testRow = page.locator('tr[data-kind="test"]');
    expect(await testRow.count()).toBe(1);
    expect(await testRow.textContent()).toContain('integration:test');
    expect(await testRow.locator('.kind-badge').textContent()).toBe('Test');
    expect(await page.locator('tr[data-kind="confirmation"] .kind-badge').textContent()).toBe('Confirmation');
    await screenshot(page, 'integration-laptop');

    await row.getByRole('link', { name: 'build:start' }).click();
    await page.locator('#attempts').waitFor();
    deliveryId = page.url().split('/').pop()!;
    expect(await page.locator('#request-url').textContent()).toBe(sink.url);
    const first = page.locator('details[data-attempt="1"]');
    expect(await first.getAttribute('open')).not.toBeNull();
    const firstText = await first.textContent();
    expect(firstText).toContain('200');
    expect(firstText).toContain('x-sink');
    // The sink's JSON answer, pretty-printed.
    expect(firstText).toContain('"received": "evt_dash_1"');
    expect(await page.locator('#event').textContent()).toContain('"id": "evt_dash_1"');
    await screenshot(page, 'delivery-laptop');
  });

  it('resends a delivery and shows the second attempt by itself', async () => {
    await page.click('#resend');
    const second = page.locator('details[data-attempt="2"]');
    await second.waitFor({ timeout: LIVE_MS });
    const summary = await second.locator('summary').textContent();
    expect(summary).toContain('Resend');
    expect(summary).toContain('200');
    // Attempts are expandable rows: the first one can be folded.
    await page.locator('details[data-attempt="1"] summary').click();
    expect(await page.locator('details[data-attempt="1"]').getAttribute('open')).toBeNull();
    const detail = (await api.get(`/v1/integrations/${integrationId}/deliveries/${deliveryId}`)).body;
    expect(detail.attempts.map((a: { trigger: string }) => a.trigger)).toEqual(['scheduled', 'manual']);
  });

  it('shows the integration as failing while the sink fails, with when and why', async () => {
    failing = true;
    await page
      .getByRole('navigation', { name: 'Breadcrumb' })
      .getByRole('link', { name: 'Build hooks' })
      .click();
    await page.locator('#deliveries').waitFor();
    await publish('build:failure', 'evt_dash_2');
    await page.locator('h1 [data-state="failing"]').waitFor({ timeout: LIVE_MS });
    const notice = await page.locator('.callout-warn').textContent();
    expect(notice).toContain('Failing since');
    expect(notice).toMatch(/500/);
    await page.locator('tr[data-status="failed"]', { hasText: 'evt_dash_2' }).waitFor({ timeout: LIVE_MS });
    expect(await page.locator('#history').textContent()).toMatch(/Healthy\s*→\s*Failing/);

    // The status filter narrows the list to failed deliveries.
    await page.selectOption('#status-filter', 'failed');
    await page.waitForFunction(() => document.querySelectorAll('tr[data-delivery]').length === 1);
    expect(await page.locator('tr[data-delivery]').getAttribute('data-status')).toBe('failed');
    await page.selectOption('#status-filter', '');
    await screenshot(page, 'integration-failing-laptop');

    // Two more integrations, made through the API, so the list has every kind of row.
    const created = await Promise.all([
      api.post('/v1/integrations', {
        name: 'Deploys to #ops',
        type: 'slack',
        config: { url: `${sink.url}/slack` },
        events: ['deployment:*'],
        enabled: false,
      }),
      api.post('/v1/integrations', {
        name: 'Infra alerts',
        type: 'discord',
        config: { url: `${sink.url}/discord` },
        events: ['alert:*', 'backup:failure'],
        confirm: false,
      }),
    ]);
    expect(created.map((c) => c.status)).toEqual([201, 201]);

    await page.getByRole('link', { name: 'Integrations' }).first().click();
    const listed = page.locator('tr[data-integration]', { hasText: 'Build hooks' });
    await listed.locator('[data-state="failing"]').waitFor();
    expect(await listed.textContent()).toContain('Failing since');
    expect(await listed.textContent()).toContain('HTTP 500');
    expect(await listed.textContent()).toContain('All builds');
    const slack = page.locator('tr[data-integration]', { hasText: 'Deploys to #ops' });
    expect(await slack.locator('[data-state]').getAttribute('data-state')).toBe('disabled');
    expect(await slack.textContent()).toContain('Slack');
    expect(await slack.getByRole('switch').getAttribute('aria-checked')).toBe('false');
    expect(await page.locator('tr[data-integration]', { hasText: 'Infra alerts' }).textContent()).toContain(
      'None yet',
    );
    await screenshot(page, 'list-laptop');
  });

  it('disables and enables the integration, and replays the failed delivery once the sink is back', async () => {
    await page.locator('tr[data-integration] .row-link').first().click();
    const toggle = page.getByRole('switch', { name: 'Integration enabled' });
    await toggle.waitFor();
    // A real button: focusable and switched with the keyboard.
    await toggle.focus();
    await page.keyboard.press('Space');
    await page.locator('h1 [data-state="disabled"]').waitFor();
    // Disabled, the switch gives way to the one action that helps.
    expect(await page.getByRole('switch').count()).toBe(0);
    expect((await api.get(`/v1/integrations/${integrationId}`)).body.enabled).toBe(false);

    await page.click('#enable-again');
    await page.waitForFunction(
      () => document.querySelector('[role="switch"]')?.getAttribute('aria-checked') === 'true',
    );
    await eventually(
      async () => (await api.get(`/v1/integrations/${integrationId}`)).body.state !== 'disabled',
    );
    expect(await page.locator('h1 [data-state="disabled"]').count()).toBe(0);

    failing = false;
    await page.click('#replay-open');
    await screenshot(page, 'integration-replay-laptop');
    await page.click('#replay-submit');
    await page.getByText('1 delivery queued again').waitFor();
    await page
      .locator('tr[data-status="succeeded"]', { hasText: 'evt_dash_2' })
      .waitFor({ timeout: LIVE_MS });
    const history = await page.locator('#history').textContent();
    expect(history).toContain('disabled by a user');
    expect(history).toContain('enabled by a user');
  });

  it('fits a phone: list, integration and delivery pages stack without sideways scrolling', async () => {
    await page.setViewportSize(PHONE);
    const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    await page.locator('#deliveries tr[data-delivery]').first().waitFor();
    expect(await fits()).toBe(true);
    await screenshot(page, 'integration-phone');
    await page.goto(`${herald.url}/#/integrations/${integrationId}/deliveries/${deliveryId}`);
    await page.locator('#attempts').waitFor();
    expect(await fits()).toBe(true);
    await screenshot(page, 'delivery-phone');
    await page.goto(`${herald.url}/#/integrations`);
    await page.locator('tr[data-integration]').first().waitFor();
    expect(await fits()).toBe(true);
    await screenshot(page, 'list-phone');
    await page.setViewportSize(LAPTOP);
  });

  it('reported no console errors, page errors or failed API answers along the way', () => {
    expect(errors).toEqual([]);
  });
});
