import { exampleEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHerald } from '../src/run.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { TOKENS } from '../src/tokens.js';
import { type ApiClient, apiClient } from './support/api-client.js';
import { collectPageErrors, launchChromium, screenshot, signIn } from './support/browser.js';
import { eventually, type LogCapture, startHerald } from './support/herald.js';
import { type Sink, startSink } from './support/sink.js';

// The Events page: every event of the team and what became of it, with filters and links
// to the deliveries, against a real Herald, nats-server and Chromium.
describe('dashboard — the events log page', () => {
  let nats: TestNats;
  let herald: RunningHerald & { logs: LogCapture };
  let sink: Sink;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let api: ApiClient;

  const publish = async (type: Parameters<typeof exampleEvent>[0], id: string, projectId?: string) => {
    const { teamId: _team, ...event } = exampleEvent(type, { id, ...(projectId ? { projectId } : {}) });
    const res = await api.post('/v1/events', event);
    expect(res.status, res.text).toBe(202);
  };

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url);
    sink = await startSink();
    const key = (await herald.resolve(ApiKeyStore).create('acme')).key;
    api = apiClient(herald.url, key);
    const create = async (body: Record<string, unknown>) => {
      const res = await api.post('/v1/integrations', {
        type: 'webhook',
        config: { url: sink.url },
        confirm: false,
        ...body,
      });
      expect(res.status, res.text).toBe(201);
    };
    await create({ name: 'Build channel', events: ['build:*'] });
    await create({ name: 'Blog builds', events: ['build:*'], projects: ['blog'] });
    await create({ name: 'Alerts (off)', events: ['alert:*'], enabled: false });
    await publish('build:success', 'evt_page_build', 'shop');
    await publish('alert:cpu-high', 'evt_page_alert');
    await publish('backup:failure', 'evt_page_backup');
    const bad = exampleEvent('build:failure', { id: 'evt_page_bad', projectId: 'shop' });
    (bad.data as Record<string, unknown>).build = null;
    await herald.resolve(TOKENS.js).publish('herald.events.acme.shop.build.failure', JSON.stringify(bad));
    await eventually(async () => (await api.get('/v1/events')).body.items.length === 4);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    errors = collectPageErrors(page, herald.url);
    await signIn(page, herald.url, key);
  });

  afterAll(async () => {
    await browser?.close();
    await herald?.stop();
    await sink?.close();
    await nats?.cleanup();
  });

  it('shows every event newest first with what became of it, and links each delivery', async () => {
    await page.locator('#nav-events').click();
    await page.locator('#events-table tr[data-event]').first().waitFor();
    expect(await page.locator('#nav-events').getAttribute('aria-current')).toBe('page');
    const rows = page.locator('#events-table tr[data-event]');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-event-id')))).toEqual([
      'evt_page_bad',
      'evt_page_backup',
      'evt_page_alert',
      'evt_page_build',
    ]);
    const build = page.locator('tr[data-event-id="evt_page_build"]');
    expect(await build.locator('[data-outcome]').first().textContent()).toBe('Delivered');
    expect(await build.locator('.fate-delivered').textContent()).toBe('Delivered to Build channel');
    await build.locator('.fate-skipped summary').click();
    expect(await build.locator('li[data-skip="project"]').textContent()).toBe(
      'Blog builds — only for projects blog, not shop',
    );
    const alert = page.locator('tr[data-event-id="evt_page_alert"]');
    expect(await alert.locator('td').first().textContent()).toBe('Skipped');
    expect(await alert.locator('.fate-off').textContent()).toBe('Not sent to Alerts (off): switched off');
    const backup = page.locator('tr[data-event-id="evt_page_backup"]');
    expect(await backup.locator('td').first().textContent()).toBe('No match');
    expect(await backup.locator('.fate').textContent()).toContain('No integration listens to it');
    const rejected = page.locator('tr[data-event-id="evt_page_bad"]');
    expect(await rejected.locator('.fate-rejected').textContent()).toMatch(
      /^Rejected \(schema\): .*data\.build/,
    );
    await screenshot(page, 'events-log');

    await build.locator('.fate-delivered a').click();
    await page.locator('#deliveries, .page-head h1').first().waitFor();
    expect(page.url()).toMatch(/#\/integrations\/[^/]+\/deliveries\/dlv_/);
    expect(await page.locator('body').textContent()).toContain('evt_page_build');
  });

  it('filters by outcome, type and project', async () => {
    await page.goto(`${herald.url}/#/events`);
    await page.locator('#events-table').waitFor();
    const shown = () =>
      page
        .locator('#events-table tr[data-event]')
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-event-id')));
    await page.locator('#events-outcome').selectOption('rejected');
    await eventually(async () => JSON.stringify(await shown()) === '["evt_page_bad"]');
    await page.locator('#events-outcome').selectOption('');
    await page.locator('#events-type').selectOption('alert:cpu-high');
    await eventually(async () => JSON.stringify(await shown()) === '["evt_page_alert"]');
    await page.locator('#events-type').selectOption('');
    await page.locator('#events-project').fill('shop');
    await page.locator('#events-project').press('Enter');
    await eventually(async () => JSON.stringify(await shown()) === '["evt_page_bad","evt_page_build"]');
    await screenshot(page, 'events-log-filtered');
    await page.locator('#events-project').fill('nowhere');
    await page.locator('#events-project').press('Enter');
    await page.getByText('No events here').waitFor();
    expect(errors).toEqual([]);
  });
});
