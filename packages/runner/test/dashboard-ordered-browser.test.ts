import { exampleEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHerald } from '../src/run.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { type ApiClient, apiClient } from './support/api-client.js';
import { collectPageErrors, launchChromium, screenshot, signIn } from './support/browser.js';
import { eventually, startHerald } from './support/herald.js';
import { type Sink, startSink } from './support/sink.js';

const EVENT_ID = 'x-herald-notification-integration-event-id';

describe('dashboard — ordered delivery: the switch in the form, shown in the list and on the page', () => {
  let nats: TestNats;
  let herald: RunningHerald;
  let sink: Sink;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let api: ApiClient;
  let id: string;

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url);
    sink = await startSink('/');
    // Answers late, so concurrent sends would overlap and arrive out of order.
    sink.respond((_req, res) => {
      setTimeout(() => res.writeHead(200).end('ok'), 20);
    });
    const key = (await herald.resolve(ApiKeyStore).create('acme')).key;
    api = apiClient(herald.url, key);
    await api.post('/v1/integrations', {
      name: 'Any order',
      type: 'webhook',
      config: { url: `${sink.url}plain` },
      confirm: false,
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    errors = collectPageErrors(page, herald.url);
    await signIn(page, herald.url, key);
    await page.locator('tr[data-integration]').first().waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await herald?.stop();
    await sink?.close();
    await nats?.cleanup();
  });

  it('creates an ordered webhook through the form; its page says so; its deliveries come in order', async () => {
    await page.goto(`${herald.url}/#/integrations/new`);
    await page.locator('#ordered').waitFor();
    expect(await page.locator('#ordered').isChecked()).toBe(false);
    expect(await page.locator('#ordered-hint').textContent()).toContain('holds the ones behind it');
    await page.fill('#name', 'Ledger sync');
    await page.fill('#config-url', `${sink.url}ledger`);
    await page.check('#ordered');
    await page.uncheck('#confirm');
    await screenshot(page, 'ordered-create-form');
    await page.click('#save');
    await page.locator('#ordered-in-words').waitFor();
    id = page.url().split('/').pop()!;
    expect(await page.locator('#ordered-in-words').textContent()).toBe(
      'In order, one at a time (a retrying delivery holds the ones behind it)',
    );
    expect(await page.locator('p.subtitle').first().textContent()).toContain('All projects · In order');
    await screenshot(page, 'ordered-integration-page');
    const read = (await api.get(`/v1/integrations/${id}`)).body;
    expect(read).toMatchObject({ name: 'Ledger sync', ordered: true, orderedUntil: null });

    const ids = Array.from({ length: 12 }, (_, i) => `evt_ledger_${String(i).padStart(2, '0')}`);
    for (const eventId of ids) {
      const { teamId: _team, ...event } = exampleEvent('build:success', { id: eventId });
      expect((await api.post('/v1/events', event)).status).toBe(202);
    }
    await eventually(() => sink.requests.filter((r) => r.path === '/ledger').length >= ids.length, 15_000);
    expect(sink.requests.filter((r) => r.path === '/ledger').map((r) => r.headers[EVENT_ID])).toEqual(ids);
  });

  it('the list marks the ordered integration, not the other', async () => {
    await page.goto(`${herald.url}/#/integrations`);
    await page.locator(`tr[data-integration="${id}"]`).waitFor();
    expect(await page.locator(`tr[data-integration="${id}"] [data-ordered]`).textContent()).toBe('in order');
    expect(await page.locator('tr[data-integration] [data-ordered]').count()).toBe(1);
    await screenshot(page, 'ordered-list');
  });

  it('switches it off in the edit form: the read and the page say the queue drains, then any order', async () => {
    await page.goto(`${herald.url}/#/integrations/${id}/edit`);
    await page.locator('#ordered').waitFor();
    expect(await page.locator('#ordered').isChecked()).toBe(true);
    expect(await page.locator('#ordered-change-hint').textContent()).toContain('10 s after you save');
    await page.uncheck('#ordered');
    await page.click('#save');
    await page.locator('#ordered-in-words').waitFor();
    const read = (await api.get(`/v1/integrations/${id}`)).body;
    expect(read.ordered).toBe(false);
    expect(Date.parse(read.orderedUntil)).toBeGreaterThan(Date.now());
    expect(await page.locator('#ordered-in-words').textContent()).toBe(
      'Any order once the events published until the switch are delivered',
    );
    expect(errors).toEqual([]);
  });
});
