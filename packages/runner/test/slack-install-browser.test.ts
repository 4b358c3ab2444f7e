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
import { freePort, type SlackImitation, startSlackImitation } from './support/slack-imitation.js';

/** The integration page polls every 2 s: what it should show by itself shows within this. */
const LIVE_MS = 10_000;

async function newForm(page: Page, url: string, type: string): Promise<void> {
  await page.goto(`${url}/#/integrations/new`);
  await page.locator('#integration-form').waitFor();
  await page.locator(`label[for="type-${type}"]`).click();
}

describe('Slack install — in a real browser, against an imitation of Slack', () => {
  let nats: TestNats;
  let herald: RunningHerald & { logs: LogCapture };
  let slack: SlackImitation;
  let sink: Sink;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let api: ApiClient;
  let installedId: string;

  beforeAll(async () => {
    nats = await startNats();
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    slack = await startSlackImitation({ redirectUri: `${publicUrl}/v1/integrations/slack/callback` });
    herald = await startHerald(nats.url, {
      HERALD_PORT: String(port),
      HERALD_PUBLIC_URL: publicUrl,
      HERALD_SLACK_CLIENT_ID: slack.clientId,
      HERALD_SLACK_CLIENT_SECRET: slack.clientSecret,
      HERALD_SLACK_API_URL: slack.url,
      HERALD_RETRY_SCHEDULE: 'none',
    });
    sink = await startSink('/api/webhooks/1/token');
    const key = (await herald.resolve(ApiKeyStore).create('acme')).key;
    api = apiClient(herald.url, key);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    errors = collectPageErrors(page, herald.url);
    await signIn(page, herald.url, key);
  });

  afterAll(async () => {
    await browser?.close();
    await herald?.stop();
    await slack?.close();
    await sink?.close();
    await nats?.cleanup();
  });

  it('"Add to Slack": Slack’s consent page, back on the new integration’s page, confirmation posted to the channel', async () => {
    await newForm(page, herald.url, 'slack');
    await page.locator('#slack-install').waitFor();
    expect(await page.locator('#config-url').count()).toBe(0);
    expect(await page.locator('#confirm').isVisible()).toBe(false);
    await page.fill('#name', 'Deploys to Slack');
    await page.uncheck('#ev-all');
    await page.check('#ev-build__');
    await screenshot(page, 'slack-add-form');
    await page.getByRole('button', { name: 'Add to Slack' }).click();

    await page.waitForURL(`${slack.url}/oauth/v2/authorize?**`);
    expect(page.url()).not.toContain('hk_');
    await page.selectOption('#channel', '#ops');
    await page.click('#allow');

    await page.waitForURL(/\/#\/integrations\/int_[A-Za-z0-9_-]+$/);
    installedId = page.url().split('/').pop()!;
    await page.locator('h1', { hasText: 'Deploys to Slack' }).waitFor();
    expect(await page.locator('#slack-channel').textContent()).toBe('#ops in Imitation Inc');
    const [confirmation] = await slack.waitForMessages(1);
    expect(confirmation!.channel).toBe('#ops');
    expect(JSON.parse(confirmation!.body).blocks.length).toBeGreaterThan(0);
    await page.locator('#deliveries tr[data-delivery]').first().waitFor({ timeout: LIVE_MS });
    expect((await api.get(`/v1/integrations/${installedId}`)).body).toMatchObject({
      type: 'slack',
      events: ['build:*'],
      state: 'healthy',
      slack: { channel: '#ops' },
    });
    await screenshot(page, 'slack-installed');
  });

  it('cancelling on Slack’s page lands on a clear page, creates nothing, and leads back to the form', async () => {
    const before = (await api.get('/v1/integrations')).body.items.length;
    await newForm(page, herald.url, 'slack');
    await page.fill('#name', 'Never mind');
    await page.getByRole('button', { name: 'Add to Slack' }).click();
    await page.waitForURL(`${slack.url}/oauth/v2/authorize?**`);
    await page.click('#cancel');
    const result = page.locator('#slack-install-result[data-outcome="denied"]');
    await result.waitFor();
    expect(await result.textContent()).toContain('no integration was created');
    await screenshot(page, 'slack-denied');
    expect((await api.get('/v1/integrations')).body.items.length).toBe(before);
    await page.click('#slack-install-back');
    await page.locator('#integration-form').waitFor();
  });

  it('an integration that Slack disabled with channel_not_found shows "Reinstall to Slack", which revives it', async () => {
    slack.breakChannel(slack.webhooks[0]!.url);
    const { teamId: _team, ...event } = exampleEvent('build:start', { id: `evt_slack_${Date.now()}` });
    expect((await api.post('/v1/events', event)).status).toBe(202);
    await page.goto(`${herald.url}/#/integrations/${installedId}`);
    await page.locator('h1 [data-state="disabled"]').waitFor({ timeout: LIVE_MS });
    const notice = page.locator('#slack-reinstall-notice');
    await notice.waitFor();
    expect(await notice.textContent()).toContain('channel_not_found');
    await screenshot(page, 'slack-reinstall');
    await page.getByRole('button', { name: 'Reinstall to Slack' }).click();

    await page.waitForURL(`${slack.url}/oauth/v2/authorize?**`);
    await page.selectOption('#channel', '#deploys');
    await page.click('#allow');
    await page.waitForURL(`${herald.url}/#/integrations/${installedId}`);
    await page.locator('h1 [data-state="healthy"]').waitFor({ timeout: LIVE_MS });
    await page.locator('#slack-channel', { hasText: '#deploys' }).waitFor();
    expect(await page.locator('#slack-reinstall-notice').count()).toBe(0);
    const newHook = slack.webhooks.at(-1)!;
    await eventually(() => slack.messages.some((m) => m.url === newHook.url));
    expect((await api.get(`/v1/integrations/${installedId}`)).body).toMatchObject({
      enabled: true,
      state: 'healthy',
    });
    // Healthy: the same flow is offered to move it to another channel.
    expect(await page.locator('#slack-change-channel').count()).toBe(1);
  });

  it('offers pasting a Slack webhook URL instead, and warns about a URL of the wrong shape', async () => {
    await newForm(page, herald.url, 'slack');
    await page.click('#slack-paste-instead');
    await page.locator('#config-url').waitFor();
    expect(await page.locator('.help').textContent()).toContain('Incoming Webhooks');
    expect(await page.locator('#save').textContent()).toBe('Create integration');
    await page.fill('#config-url', 'https://example.com/not-slack');
    await page.locator('#url-shape-warning:not([hidden])').waitFor();
    await page.fill('#config-url', 'https://hooks.slack.com/services/T0/B0/abc');
    expect(await page.locator('#url-shape-warning').isHidden()).toBe(true);
    await page.click('#slack-install-instead');
    await page.locator('#slack-install').waitFor();
  });

  it('Discord: shows where the URL comes from, checks its shape, and sends the confirmation', async () => {
    await newForm(page, herald.url, 'discord');
    const help = await page.locator('.help').textContent();
    expect(help).toContain('Integrations → Webhooks');
    expect(help).toContain('Copy Webhook URL');
    await page.fill('#config-url', 'https://discord.com/channels/123/456');
    const warning = page.locator('#url-shape-warning');
    await warning.waitFor();
    expect(await warning.textContent()).toContain('https://discord.com/api/webhooks/<id>/<token>');
    await page.fill('#config-url', 'https://discordapp.com/api/webhooks/123456/AbC-d_e');
    expect(await warning.isHidden()).toBe(true);
    // A stand-in (the test's sink) is warned about but accepted.
    await page.fill('#config-url', sink.url);
    expect(await warning.isVisible()).toBe(true);
    await page.fill('#name', 'Discord builds');
    await page.click('#save');
    await page.locator('#test-result').waitFor();
    const [confirmation] = await sink.waitFor(1);
    expect(JSON.parse(confirmation!.body).embeds.length).toBe(1);
  });

  it('Teams: shows the Workflows steps and knows Workflows and connector URLs from others', async () => {
    await newForm(page, herald.url, 'teams');
    expect(await page.locator('.help').textContent()).toContain(
      'Post to a channel when a webhook request is received',
    );
    const warning = page.locator('#url-shape-warning');
    for (const ok of [
      'https://prod-01.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=x',
      'https://default1234.56.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/abc/triggers/manual/paths/invoke?sig=x',
      'https://acme.webhook.office.com/webhookb2/abc/IncomingWebhook/def/ghi',
    ]) {
      await page.fill('#config-url', ok);
      expect(await warning.isHidden(), ok).toBe(true);
    }
    await page.fill('#config-url', 'https://discord.com/api/webhooks/1/a');
    expect(await warning.isVisible()).toBe(true);
    expect(await warning.textContent()).toContain('logic.azure.com');
  });

  it('reported no errors in the page', () => {
    expect(errors).toEqual([]);
  });
});

describe('Slack install — a Herald without a Slack app, in the browser', () => {
  let nats: TestNats;
  let herald: RunningHerald & { logs: LogCapture };
  let browser: Browser;

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await herald?.stop();
    await nats?.cleanup();
  });

  it('offers only the pasted webhook URL, and says why', async () => {
    const page = await browser.newPage();
    const key = (await herald.resolve(ApiKeyStore).create('acme')).key;
    await signIn(page, herald.url, key);
    await newForm(page, herald.url, 'slack');
    const note = page.locator('#slack-install-unavailable');
    await note.waitFor();
    expect(await note.textContent()).toContain('HERALD_SLACK_CLIENT_ID');
    expect(await page.locator('#config-url').count()).toBe(1);
    expect(await page.locator('#slack-install').count()).toBe(0);
    expect(await page.locator('#save').textContent()).toBe('Create integration');
  });
});
