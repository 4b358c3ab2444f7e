import { buildNotification, exampleEvent } from '@herald/core';
import { describe, expect, it } from 'vitest';
import webhookProvider, {
  decodeHeaderValue,
  encodeHeaderValue,
  renderWebhook,
  WebhookRenderError,
} from '../src/index.js';
import { ALL_SECRETS, FULL_CONFIG, TOKEN } from './fixtures.js';

const ATTEMPT_AT = '2026-11-27T09:05:00.750Z';
const notification = (overrides: Partial<Parameters<typeof buildNotification>[0]> = {}) =>
  buildNotification({
    event: exampleEvent('build:start'),
    integration: { id: 'int_ops', name: 'Ops webhook' },
    deliveryId: 'dlv_7K2M9Q4W8E1R6T3Y5U0I2O4P6A',
    attemptAt: ATTEMPT_AT,
    ...overrides,
  });

describe('webhook render — request format', () => {
  it('POSTs the exact minified {"event","data"} body to the configured URL', () => {
    const event = exampleEvent('build:start');
    const request = renderWebhook(notification({ event }), { url: 'https://example.com/hook' });
    expect(request.method).toBe('POST');
    expect(request.url).toBe('https://example.com/hook');
    expect(request.body).toBe(JSON.stringify({ event: 'build:start', data: event.data }));
    expect(request.body.startsWith('{"event":"build:start","data":{"build":{"id":"social-hour-1312",')).toBe(
      true,
    );
  });

  it('sends exactly the identity, token, Standard Webhooks and GitHub headers for a signed build:start', () => {
    const request = renderWebhook(notification(), FULL_CONFIG);
    const { 'webhook-signature': signature, 'X-Hub-Signature-256': hub, ...rest } = request.headers;
    expect(rest).toEqual({
      'content-type': 'application/json',
      'user-agent': 'Herald-Webhooks/1.0',
      'X-Herald-Notification-Integration-Id': 'int_ops',
      'X-Herald-Notification-Integration-Name': 'Ops webhook',
      'X-Herald-Notification-Integration-Token': TOKEN,
      'X-Herald-Notification-Integration-Event-Id': 'evt_example_build_start',
      'X-Herald-Notification-Integration-Event-Type': 'build:start',
      'webhook-id': 'dlv_7K2M9Q4W8E1R6T3Y5U0I2O4P6A',
      'webhook-timestamp': '1795770300',
    });
    // Two HMAC secrets, then two ed25519 keys (64-byte signatures), newest first.
    expect(signature).toMatch(
      /^v1,[A-Za-z0-9+/]{43}= v1,[A-Za-z0-9+/]{43}= v1a,[A-Za-z0-9+/]{86}== v1a,[A-Za-z0-9+/]{86}==$/,
    );
    expect(hub).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it('omits the token and signature headers when no secret is configured, but keeps webhook-id and -timestamp', () => {
    const request = renderWebhook(notification(), { url: 'https://example.com/hook' });
    expect(Object.keys(request.headers)).toEqual([
      'content-type',
      'user-agent',
      'X-Herald-Notification-Integration-Id',
      'X-Herald-Notification-Integration-Name',
      'X-Herald-Notification-Integration-Event-Id',
      'X-Herald-Notification-Integration-Event-Type',
      'webhook-id',
      'webhook-timestamp',
    ]);
  });

  it('sends no signature for an empty signing-secret list', () => {
    const request = renderWebhook(notification(), { url: 'https://example.com/hook', signingSecrets: [] });
    expect(request.headers['webhook-signature']).toBeUndefined();
  });

  it('names its identity headers with the configured prefix', () => {
    const request = renderWebhook(notification({ headerPrefix: 'X-Acme' }), FULL_CONFIG);
    expect(request.headers['X-Acme-Notification-Integration-Token']).toBe(TOKEN);
    expect(request.headers['X-Acme-Notification-Integration-Event-Type']).toBe('build:start');
    expect(Object.keys(request.headers).filter((h) => h.startsWith('X-Herald'))).toEqual([]);
  });

  it('refuses a header prefix that would not make valid header names', () => {
    for (const headerPrefix of ['', 'X Herald', 'X-Herald-', 'X-Herald:', 'X-Hérald']) {
      expect(() => renderWebhook(notification({ headerPrefix }), FULL_CONFIG)).toThrow(WebhookRenderError);
    }
  });

  it('keeps webhook-id across attempts and timestamps each attempt in unix seconds', () => {
    const first = renderWebhook(
      notification({ attempt: 1, attemptAt: '2026-11-27T09:05:00.000Z' }),
      FULL_CONFIG,
    );
    const third = renderWebhook(
      notification({ attempt: 3, attemptAt: '2026-11-27T09:35:05.999Z' }),
      FULL_CONFIG,
    );
    expect(third.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(Number(third.headers['webhook-timestamp']) - Number(first.headers['webhook-timestamp'])).toBe(
      1805,
    );
    expect(third.headers['webhook-signature']).not.toBe(first.headers['webhook-signature']);
    expect(third.body).toBe(first.body);
  });

  it('refuses a delivery id or attempt time that cannot be signed unambiguously', () => {
    expect(() => renderWebhook(notification({ deliveryId: 'dlv.1' }), FULL_CONFIG)).toThrow(
      expect.objectContaining({ code: 'invalid_delivery_id' }),
    );
    expect(() => renderWebhook(notification({ attemptAt: 'yesterday' }), FULL_CONFIG)).toThrow(
      expect.objectContaining({ code: 'invalid_attempt_at' }),
    );
  });

  it('never puts a signing secret anywhere in the request', () => {
    const request = renderWebhook(notification(), FULL_CONFIG);
    const text = JSON.stringify(request).replace(`"${TOKEN}"`, '');
    for (const secret of ALL_SECRETS) expect(text).not.toContain(secret);
  });

  it('is the render of the default-exported provider, and renders purely', () => {
    expect(webhookProvider.type).toBe('webhook');
    expect(webhookProvider.displayName).toBe('Webhook');
    expect(webhookProvider.secretFields).toEqual(['secret', 'signingSecrets', 'signingKeys']);
    const n = notification();
    expect('render' in webhookProvider && webhookProvider.render(n, FULL_CONFIG)).toEqual(
      renderWebhook(n, FULL_CONFIG),
    );
  });
});

describe('webhook render — header-safe integration names', () => {
  it('sends a printable ASCII name unchanged', () => {
    const name = "Ops webhook (prod) #1, that's it! [a-z_0-9]";
    expect(encodeHeaderValue(name)).toBe(name);
  });

  it('percent-encodes newlines, control characters, non-ASCII and % so nothing can inject a header', () => {
    const name = 'Équipe Ops\r\nX-Injected: 1\t50% 🚀';
    const request = renderWebhook(notification({ integration: { id: 'int_ops', name } }), FULL_CONFIG);
    const sent = request.headers['X-Herald-Notification-Integration-Name']!;
    expect(sent).toBe('%C3%89quipe Ops%0D%0AX-Injected: 1%0950%25 %F0%9F%9A%80');
    expect(sent).toMatch(/^[\x20-\x7e]+$/);
    expect(decodeHeaderValue(sent)).toBe(name);
  });

  it('encodes leading and trailing spaces, which HTTP parsers would trim', () => {
    expect(encodeHeaderValue('  ops ')).toBe('%20%20ops%20');
    expect(decodeHeaderValue(encodeHeaderValue('  ops '))).toBe('  ops ');
  });

  it('leaves a value that is not percent-encoding alone when decoding', () => {
    expect(decodeHeaderValue('100%')).toBe('100%');
  });
});

describe('webhook render — test and confirmation messages', () => {
  it('a test is told from a real event by its type, in the body and the event-type header', () => {
    const event = exampleEvent('integration:test');
    const request = renderWebhook(notification({ event }), { url: 'https://example.com/hook' });
    expect(JSON.parse(request.body)).toEqual({
      event: 'integration:test',
      data: {
        integration: { id: 'int_01JD2Z5S8K4M3XQ7', name: 'Ops webhook', type: 'webhook' },
        requestedAt: event.occurredAt,
      },
    });
    expect(request.headers['X-Herald-Notification-Integration-Event-Type']).toBe('integration:test');
  });

  it('a confirmation carries what the integration receives and where to change it', () => {
    const event = exampleEvent('integration:connected');
    const body = JSON.parse(renderWebhook(notification({ event }), { url: 'https://example.com/hook' }).body);
    expect(body.event).toBe('integration:connected');
    expect(body.data).toMatchObject({
      events: ['build:failure', 'deployment:*'],
      projects: ['personal-blog'],
      settingsUrl: 'https://herald.example.com/#/integrations/int_01JD2Z5S8K4M3XQ7/edit',
    });
  });
});
