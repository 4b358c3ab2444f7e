import { exampleEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import { verifyWebhook } from '@herald/provider-webhook/verify';
import type { Browser, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHerald } from '../src/run.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { IntegrationStore } from '../src/store/integrations.js';
import { type ApiClient, apiClient } from './support/api-client.js';
import { collectPageErrors, launchChromium, screenshot, signIn } from './support/browser.js';
import { type LogCapture, startHerald } from './support/herald.js';
import { type Sink, type SinkRequest, startSink } from './support/sink.js';

// Signing secrets from the dashboard: generated (not pasted), rotated with the old one kept
// active until dropped, each shown once — and the sink verifies what it receives with them.
// Then ed25519 signing keys: the page shows only public keys, and the sink verifies with those.

describe('dashboard — generate, rotate and drop a webhook’s signing secrets and signing keys', () => {
  let nats: TestNats;
  let herald: RunningHerald & { logs: LogCapture };
  let sink: Sink;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let api: ApiClient;
  let id: string;
  let n = 0;

  /** Publishes a build and returns the request the sink got for it. */
  const delivered = async () => {
    const before = sink.requests.length;
    const { teamId: _team, ...event } = exampleEvent('build:start', { id: `evt_sign_${++n}` });
    expect((await api.post('/v1/events', event)).status).toBe(202);
    return (await sink.waitFor(before + 1)).slice(before)[0]!;
  };
  const newSecret = () => page.locator('#new-signing-secret input').inputValue();
  /** The public keys the Signing keys card shows, newest first. */
  const shownPublicKeys = () =>
    page
      .locator('#signing-keys .public-keys input')
      .evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
  /** The error code verifyWebhook refuses with given only public keys, or 'ok'. */
  const verifiesWith = (req: SinkRequest, publicKeys: string[]) => {
    try {
      verifyWebhook({ headers: req.headers, body: req.body }, { publicKeys });
      return 'ok';
    } catch (err) {
      return (err as { code: string }).code;
    }
  };
  /** The private keys Herald holds for the integration (the page must show none). */
  const privateKeys = () =>
    (herald.resolve(IntegrationStore).get('acme', id)?.config.signingKeys ?? []) as string[];

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url);
    sink = await startSink();
    const key = (await herald.resolve(ApiKeyStore).create('acme')).key;
    api = apiClient(herald.url, key);
    const res = await api.post('/v1/integrations', {
      name: 'Signed hook',
      type: 'webhook',
      config: { url: sink.url },
      events: ['build:*'],
      confirm: false,
    });
    id = res.body.id;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    errors = collectPageErrors(page, herald.url);
    await signIn(page, herald.url, key);
    await page.locator('tr[data-integration]').first().waitFor();
    await page.goto(`${herald.url}/#/integrations/${id}`);
    await page.locator('#signing-secrets').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await herald?.stop();
    await sink?.close();
    await nats?.cleanup();
  });

  it('generates the first one: shown once, and the next request is signed with it', async () => {
    expect(await page.locator('#signing-count').textContent()).toBe('None: requests are not signed.');
    const generate = page.locator('#rotate-signing-secret');
    expect(await generate.textContent()).toBe('Generate signing secret');
    await generate.click();
    await page.locator('#new-signing-secret').waitFor();
    const secret = await newSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    await page.waitForFunction(() => document.querySelector('#signing-count')?.textContent === '1 active.');
    const req = await delivered();
    expect(() => new Webhook(secret).verify(req.body, req.headers)).not.toThrow();
    // Reads keep it masked.
    expect(JSON.stringify((await api.get(`/v1/integrations/${id}`)).body)).not.toContain(secret.slice(6));
  });

  it('rotates: a new secret, the old one still signing, until the old one is dropped', async () => {
    const first = await newSecret();
    await page.click('#rotate-signing-secret');
    await page.waitForFunction(() =>
      document.querySelector('#signing-count')?.textContent?.startsWith('2 active'),
    );
    const second = await newSecret();
    expect(second).not.toBe(first);
    expect(await page.locator('#new-signing-secret').textContent()).toContain('the 1 before it');
    await screenshot(page, 'signing-rotated');
    const both = await delivered();
    expect(both.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(() => new Webhook(first).verify(both.body, both.headers)).not.toThrow();
    expect(() => new Webhook(second).verify(both.body, both.headers)).not.toThrow();

    await page.click('#drop-old-secrets');
    await page.waitForFunction(() => document.querySelector('#signing-count')?.textContent === '1 active.');
    expect(await page.locator('#new-signing-secret').count()).toBe(0);
    const only = await delivered();
    expect(only.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(() => new Webhook(second).verify(only.body, only.headers)).not.toThrow();
    expect(() => new Webhook(first).verify(only.body, only.headers)).toThrow();
  });

  it('generates a signing key pair: the card shows the public key, and a request verifies with it alone', async () => {
    expect(await page.locator('#signing-key-count').textContent()).toBe(
      'None: no v1a (ed25519) signature is sent.',
    );
    const generate = page.locator('#rotate-signing-key');
    expect(await generate.textContent()).toBe('Generate signing key');
    await generate.click();
    await page.locator('#new-signing-key').waitFor();
    const publicKey = await page.locator('#new-signing-key input').inputValue();
    expect(publicKey).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);
    await page.waitForFunction(() =>
      document.querySelector('#signing-key-count')?.textContent?.startsWith('1 active.'),
    );
    expect(await shownPublicKeys()).toEqual([publicKey]);
    expect((await api.get(`/v1/integrations/${id}`)).body.config.signingKeys).toEqual([publicKey]);
    const req = await delivered();
    expect(verifiesWith(req, [publicKey])).toBe('ok');
    const [privateKey] = privateKeys();
    expect(privateKey).toMatch(/^whsk_/);
    expect(await page.content()).not.toContain(privateKey!.slice('whsk_'.length));
  });

  it('rotates the key pair: both public keys shown and both verifying, until the old one is dropped', async () => {
    const [first] = await shownPublicKeys();
    await page.click('#rotate-signing-key');
    await page.waitForFunction(() =>
      document.querySelector('#signing-key-count')?.textContent?.startsWith('2 active'),
    );
    const shown = await shownPublicKeys();
    expect(shown).toHaveLength(2);
    expect(shown[1]).toBe(first);
    const second = shown[0]!;
    expect(await page.locator('#new-signing-key input').inputValue()).toBe(second);
    expect(await page.locator('#new-signing-key').textContent()).toContain('the 1 before it');
    await screenshot(page, 'signing-keys-rotated');
    const both = await delivered();
    expect(verifiesWith(both, [first!])).toBe('ok');
    expect(verifiesWith(both, [second])).toBe('ok');
    const content = await page.content();
    for (const key of privateKeys()) expect(content).not.toContain(key.slice('whsk_'.length));

    await page.click('#drop-old-keys');
    await page.waitForFunction(() =>
      document.querySelector('#signing-key-count')?.textContent?.startsWith('1 active.'),
    );
    expect(await shownPublicKeys()).toEqual([second]);
    expect(await page.locator('#new-signing-key').count()).toBe(0);
    const only = await delivered();
    expect(verifiesWith(only, [second])).toBe('ok');
    expect(verifiesWith(only, [first!])).toBe('bad_signature');
  });

  it('a new webhook made with the form signs by default with a secret Herald generates, shown once', async () => {
    await page.goto(`${herald.url}/#/integrations/new`);
    await page.locator('#integration-form').waitFor();
    await page.locator('label[for="type-webhook"]').click();
    await page.locator('#config-url').waitFor();
    // Nothing to paste: the box is ticked and the list of secrets hidden.
    expect(await page.locator('#config-signingSecrets-generate').isChecked()).toBe(true);
    expect(await page.locator('#config-signingSecrets').isHidden()).toBe(true);
    await screenshot(page, 'signing-generated-by-default');
    await page.fill('#name', 'Form-signed hook');
    await page.fill('#config-url', `${sink.url}/form`);
    await page.click('#save');
    const out = page.locator('#flash input[aria-label="Generated signing secret"]');
    await out.waitFor();
    const secret = await out.inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    // The confirmation sent on create is signed with it.
    const confirmation = (await sink.waitFor(1)).find((r) => r.path.endsWith('/form'))!;
    expect(() => new Webhook(secret).verify(confirmation.body, confirmation.headers)).not.toThrow();
    // Shown once: a reload of the page does not show it again; reads keep it masked.
    await page.reload();
    await page.locator('#signing-secrets').waitFor();
    expect(await page.locator('#flash input').count()).toBe(0);
    expect(await page.locator('#signing-count').textContent()).toBe('1 active.');
    const formId = page.url().split('/').at(-1)!;
    expect(JSON.stringify((await api.get(`/v1/integrations/${formId}`)).body)).not.toContain(secret.slice(6));
  });

  it('reported no console errors, page errors or failed API answers along the way', () => {
    expect(errors).toEqual([]);
  });
});
