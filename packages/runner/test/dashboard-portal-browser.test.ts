import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startNats, type TestNats } from '@herald/core/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHerald } from '../src/run.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { IntegrationStore } from '../src/store/integrations.js';
import { type ApiClient, apiClient } from './support/api-client.js';
import { collectPageErrors, launchChromium, screenshot } from './support/browser.js';
import { integration, startHerald } from './support/herald.js';

// A platform hands its user a portal link: the dashboard opens with no API key, shows the
// one integration the link is for, hides every write action of a read-only link, and can
// be embedded in an iframe of another origin that HERALD_FRAME_ANCESTORS names.

describe('dashboard — a read-only portal link for one integration, opened directly and in an iframe', () => {
  let nats: TestNats;
  let herald: RunningHerald;
  let host: Server;
  let hostUrl: string;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let api: ApiClient;
  let link: { url: string; token: string };
  /** How many elements matching `selector` the user can see. */
  const visibleCount = async (selector: string) => {
    const all = await page.locator(selector).all();
    return (await Promise.all(all.map((l) => l.isVisible()))).filter(Boolean).length;
  };

  beforeAll(async () => {
    nats = await startNats();
    // `localhost` is another origin than Herald's 127.0.0.1: the host page frames it cross-origin.
    herald = await startHerald(nats.url, {
      HERALD_PORTAL_SECRET: 'portal-secret-for-browser-tests-0123456789',
      HERALD_FRAME_ANCESTORS: 'http://localhost:*',
    });
    api = apiClient(herald.url, (await herald.resolve(ApiKeyStore).create('acme')).key);
    const store = herald.resolve(IntegrationStore);
    const hook = { url: 'http://127.0.0.1:9/hook' };
    await store.create(
      integration({ id: 'int_shown', name: 'Customer builds', type: 'webhook', config: hook }),
    );
    await store.create(
      integration({ id: 'int_hidden', name: 'Internal alerts', type: 'webhook', config: hook }),
    );
    const res = await api.post('/v1/portal-links', { integrationId: 'int_shown', readOnly: true });
    expect(res.status, res.text).toBe(201);
    link = res.body;
    host = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(
        `<!doctype html><title>Acme platform</title><h1 style="font-family:sans-serif">Acme platform — notifications</h1>` +
          `<iframe id="herald" src="${link.url}" style="width:1200px;height:640px;border:1px solid #ccc"></iframe>`,
      );
    });
    await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
    hostUrl = `http://localhost:${(host.address() as AddressInfo).port}/`;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    errors = collectPageErrors(page, herald.url);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => host?.close(r));
    await herald?.stop();
    await nats?.cleanup();
  });

  it('opens on the scoped integration with no sign-in, the token out of the address bar, and no write action', async () => {
    await page.goto(link.url);
    await page.getByRole('heading', { name: 'Customer builds' }).waitFor();
    expect(new URL(page.url()).hash).toBe('#/integrations/int_shown');
    expect(page.url()).not.toContain(link.token);
    await expect.poll(() => page.locator('#portal-badge').textContent()).toBe('Portal link · read-only');
    expect(await page.locator('#api-key').count()).toBe(0);
    for (const control of ['#send-test', '#delete', '#replay-open', 'a[href$="/edit"]'])
      expect(await visibleCount(control), control).toBe(0);
    await screenshot(page, 'portal-integration');
    expect(errors).toEqual([]);
  });

  it('lists only the scoped integration, and another one is not found', async () => {
    await page.goto(`${herald.url}/#/integrations`);
    await page.locator('tr[data-integration]').first().waitFor();
    const rows = await page
      .locator('tr[data-integration]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-integration')));
    expect(rows).toEqual(['int_shown']);
    expect(await page.getByText('Internal alerts').count()).toBe(0);
    expect(await visibleCount('a[href="#/integrations/new"]')).toBe(0);
    expect(await visibleCount('.switch')).toBe(0);
    await screenshot(page, 'portal-list');
    await page.goto(`${herald.url}/#/integrations/int_hidden`);
    await page.getByText('Could not load this integration').waitFor();
    expect(errors.some((e) => e.includes('404') && e.includes('/v1/integrations/int_hidden'))).toBe(true);
  });

  it('works inside an iframe of another origin that HERALD_FRAME_ANCESTORS allows', async () => {
    const embedded = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // Chromium's fresh profile blocks third-party storage: the page keeps the token in memory.
    await embedded.goto(hostUrl);
    const frame = embedded.frameLocator('#herald');
    await frame.getByRole('heading', { name: 'Customer builds' }).waitFor();
    expect(await frame.locator('#portal-badge').textContent()).toBe('Portal link · read-only');
    await screenshot(embedded, 'portal-embedded');
    await embedded.close();
  });
});
