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

/** Polling is every 2 s: anything the page should show by itself shows within this. */
const LIVE_MS = 10_000;

// The screens that used to say something untrue: a health-disabled integration shown as
// "Enabled", every disabling called "failing too long", the last scheduled attempt called
// "Failed, retried", a failed resend turning a delivered event into a failed one.
describe('dashboard — what it shows of disabled integrations, retries and resends is true', () => {
  let nats: TestNats;
  let herald: RunningHerald & { logs: LogCapture };
  let sink: Sink;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let api: ApiClient;
  let flakyFails = false;
  const ids: Record<'gone' | 'down' | 'flaky', string> = { gone: '', down: '', flaky: '' };

  const publish = async (type: 'build:start' | 'build:failure' | 'build:success', id: string) => {
    const { teamId: _team, ...event } = exampleEvent(type, { id });
    const res = await api.post('/v1/events', event);
    expect(res.status, res.text).toBe(202);
  };
  // Each takes its own event type, so each test's event reaches one integration only.
  const create = async (name: string, path: string, type: string) => {
    const res = await api.post('/v1/integrations', {
      name,
      type: 'webhook',
      config: { url: `${sink.url}${path}` },
      events: [type],
      confirm: false,
    });
    expect(res.status, res.text).toBe(201);
    return res.body.id as string;
  };
  const openIntegration = async (id: string) => {
    await page.goto(`${herald.url}/#/integrations/${id}`);
    await page.locator('#deliveries').waitFor();
  };

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url, {
      // One retry a second later (±20 % jitter); one lost delivery over half a second of
      // failing disables: the retry, always past 0.8 s, is what disables it.
      HERALD_RETRY_SCHEDULE: '1s',
      HERALD_DISABLE_AFTER_FAILURES: '1',
      HERALD_DISABLE_AFTER: '500ms',
    });
    sink = await startSink('');
    sink.respond((req, res) => {
      if (req.path === '/gone') return void res.writeHead(410).end('gone');
      if (req.path === '/down' || (req.path === '/flaky' && flakyFails))
        return void res.writeHead(503, { 'content-type': 'text/plain' }).end('down');
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    const key = (await herald.resolve(ApiKeyStore).create('acme')).key;
    api = apiClient(herald.url, key);
    ids.gone = await create('Gone hook', '/gone', 'build:start');
    ids.down = await create('Down hook', '/down', 'build:failure');
    ids.flaky = await create('Flaky hook', '/flaky', 'build:success');
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

  it('a 410 disables at once: "the destination is gone", no "Enabled" switch, one "Enable again"', async () => {
    await publish('build:start', 'evt_gone_1');
    const view = await eventually(async () => {
      const i = (await api.get(`/v1/integrations/${ids.gone}`)).body;
      return i.state === 'disabled' ? i : undefined;
    });
    expect(view).toMatchObject({ enabled: false, disabled: { by: 'health', cause: 'gone' } });
    await openIntegration(ids.gone);
    const notice = page.locator('#disabled-notice');
    await notice.waitFor();
    expect(await notice.getAttribute('data-cause')).toBe('gone');
    const text = await notice.textContent();
    expect(text).toContain('Disabled: the destination is gone');
    expect(text).toContain('answered that it no longer exists');
    expect(text).not.toContain('failing too long');
    expect(await page.getByRole('switch').count()).toBe(0);
    expect(await page.getByText('Enabled', { exact: true }).count()).toBe(0);
    expect(await page.locator('#enable-again').count()).toBe(1);
    await screenshot(page, 'honest-disabled-gone');
  });

  it('kept failing: says how many deliveries over how long, and the last attempt has no retry left', async () => {
    await publish('build:failure', 'evt_down_1');
    await eventually(async () => (await api.get(`/v1/integrations/${ids.down}`)).body.state === 'disabled');
    // The page reads what the API has: wait for the delivery's record too (a loaded machine
    // can make its listing lag the health by more than the page's polling).
    await eventually(async () =>
      (await api.get(`/v1/integrations/${ids.down}/deliveries`)).body.items.some(
        (d: { eventId: string; status: string }) => d.eventId === 'evt_down_1' && d.status === 'failed',
      ),
    );
    await openIntegration(ids.down);
    const notice = page.locator('#disabled-notice[data-cause="kept_failing"]');
    await notice.waitFor();
    // The count and the span are the machine's: the page says what the API says.
    const { failedDeliveries } = (await api.get(`/v1/integrations/${ids.down}`)).body.health;
    expect(failedDeliveries).toBe(1);
    expect(await notice.textContent()).toMatch(
      new RegExp(
        `^Disabled after failing too longDisabled after ${failedDeliveries} failed deliver(y|ies) over \\d+ seconds? of failing\\.`,
      ),
    );

    const row = page.locator('tr[data-delivery]', { hasText: 'evt_down_1' });
    await row.locator('[data-status="failed"]').waitFor({ timeout: LIVE_MS });
    await row.getByRole('link', { name: 'build:failure' }).click();
    await page.locator('#attempts').waitFor();
    const outcome = (n: number) => page.locator(`details[data-attempt="${n}"] .outcome`).textContent();
    expect(await outcome(1)).toBe('Failed, retried');
    expect(await outcome(2)).toBe('Failed, no retry left');
    await screenshot(page, 'honest-last-attempt');
  });

  it('"Enable again" turns it on, and then the page shows the switch as Enabled', async () => {
    await openIntegration(ids.down);
    await page.click('#enable-again');
    const toggle = page.getByRole('switch', { name: 'Integration enabled' });
    await toggle.waitFor();
    expect(await toggle.getAttribute('aria-checked')).toBe('true');
    expect(await page.locator('#enabled-label').textContent()).toBe('Enabled');
    expect(await page.locator('#disabled-notice').count()).toBe(0);
    expect((await api.get(`/v1/integrations/${ids.down}`)).body).toMatchObject({
      enabled: true,
      disabled: null,
      state: 'healthy',
    });
  });

  it('disabled by a user: its own words, and the same one action', async () => {
    await page.getByRole('switch', { name: 'Integration enabled' }).click();
    const notice = page.locator('#disabled-notice[data-cause="user"]');
    await notice.waitFor();
    expect(await notice.textContent()).toContain('Disabled by a user');
    expect(await page.locator('#enable-again').count()).toBe(1);
    await screenshot(page, 'honest-disabled-user');
    await page.click('#enable-again');
    await page.getByRole('switch', { name: 'Integration enabled' }).waitFor();
  });

  it('a resend of a delivered event that fails is its own attempt: the delivery stays Succeeded', async () => {
    await publish('build:success', 'evt_flaky_1');
    await openIntegration(ids.flaky);
    const row = page.locator('tr[data-delivery]', { hasText: 'evt_flaky_1' });
    await row.locator('[data-status="succeeded"]').waitFor({ timeout: LIVE_MS });
    await row.getByRole('link', { name: 'build:success' }).click();
    await page.locator('#attempts').waitFor();
    flakyFails = true;
    try {
      await page.click('#resend');
      const second = page.locator('details[data-attempt="2"]');
      await second.waitFor({ timeout: LIVE_MS });
      const summary = await second.locator('summary').textContent();
      expect(summary).toContain('Resend');
      expect(summary).toContain('503');
      expect(await second.locator('.outcome').textContent()).toBe('Failed');
      expect(await page.locator('h1 [data-status]').getAttribute('data-status')).toBe('succeeded');
      await screenshot(page, 'honest-resend-failed');
    } finally {
      flakyFails = false;
    }
  });

  it('reported no console errors, page errors or failed API answers along the way', () => {
    expect(errors).toEqual([]);
  });
});
