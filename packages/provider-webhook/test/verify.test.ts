import { buildNotification, exampleEvent } from '@herald/core';
import { describe, expect, it } from 'vitest';
import {
  renderWebhook,
  type VerifyWebhookOptions,
  verifyWebhook,
  type WebhookConfig,
  WebhookConfigError,
  WebhookVerificationError,
} from '../src/index.js';
import { FULL_CONFIG, SIGNING_SECRET_CURRENT, SIGNING_SECRET_OLD, TOKEN } from './fixtures.js';

const SENT_AT_MS = Date.parse('2026-11-27T09:05:00.000Z');
const OTHER_SECRET = `whsec_${Buffer.from('an-unrelated-key-of-32-bytes-!!!').toString('base64')}`;

function sent(config: WebhookConfig = FULL_CONFIG, headerPrefix?: string) {
  return renderWebhook(
    buildNotification({
      event: exampleEvent('build:start'),
      integration: { id: 'int_ops', name: 'Ops webhook' },
      deliveryId: 'dlv_7K2M9Q4W8E1R6T3Y5U0I2O4P6A',
      attemptAt: new Date(SENT_AT_MS).toISOString(),
      ...(headerPrefix === undefined ? {} : { headerPrefix }),
    }),
    config,
  );
}

const both: VerifyWebhookOptions = { token: TOKEN, secrets: [SIGNING_SECRET_CURRENT], now: SENT_AT_MS };

/** The code `verifyWebhook` refuses with, or 'ok'. */
function codeOf(
  request: { headers: Record<string, string> | Headers; body: string | Uint8Array },
  options = both,
) {
  try {
    verifyWebhook(request, options);
    return 'ok';
  } catch (err) {
    if (err instanceof WebhookVerificationError || err instanceof WebhookConfigError) return err.code;
    throw err;
  }
}

describe('verifyWebhook — accepting genuine requests', () => {
  it('returns the parsed event, data and ids of a request rendered by Herald', () => {
    const request = sent();
    expect(verifyWebhook(request, both)).toEqual({
      id: 'dlv_7K2M9Q4W8E1R6T3Y5U0I2O4P6A',
      timestamp: SENT_AT_MS / 1000,
      eventId: 'evt_example_build_start',
      event: 'build:start',
      data: exampleEvent('build:start').data,
      body: JSON.parse(request.body),
    });
  });

  it('verifies a templated body (its own shape) with `templated`: the type from its header', () => {
    const templated = renderWebhook(
      buildNotification({
        event: exampleEvent('build:start'),
        integration: { id: 'int_ops', name: 'Ops webhook' },
        deliveryId: 'dlv_7K2M9Q4W8E1R6T3Y5U0I2O4P6A',
        attemptAt: new Date(SENT_AT_MS).toISOString(),
        message: { body: '[{"text": "build started"}]' },
      }),
      FULL_CONFIG,
    );
    expect(templated.body).toBe('[{"text": "build started"}]');
    expect(codeOf(templated)).toBe('bad_payload');
    const verified = verifyWebhook(templated, { ...both, templated: true });
    expect(verified.event).toBe('build:start');
    expect(verified.body).toEqual([{ text: 'build started' }]);
    expect(verified.data).toEqual({});
    expect(codeOf({ ...templated, body: '[{"text": "tampered"}]' }, { ...both, templated: true })).toBe(
      'bad_signature',
    );
  });

  it('reads headers in any case, from a fetch Headers instance, and node:http arrays', () => {
    const request = sent();
    const upper = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(codeOf({ headers: upper, body: request.body })).toBe('ok');
    expect(codeOf({ headers: new Headers(request.headers), body: request.body })).toBe('ok');
    const [first, second] = request.headers['webhook-signature']!.split(' ');
    const split = { ...request.headers, 'webhook-signature': [first!, second!] as unknown as string };
    expect(codeOf({ headers: split, body: request.body })).toBe('ok');
  });

  it('accepts the raw body as bytes', () => {
    const request = sent();
    expect(codeOf({ headers: request.headers, body: Buffer.from(request.body) })).toBe('ok');
  });

  it('accepts a signature made with any of its secrets (receiver mid-rotation)', () => {
    const request = sent({ url: FULL_CONFIG.url, signingSecrets: [SIGNING_SECRET_OLD] });
    expect(codeOf(request, { secrets: [SIGNING_SECRET_CURRENT, SIGNING_SECRET_OLD], now: SENT_AT_MS })).toBe(
      'ok',
    );
  });

  it('verifies a token alone, or a signature alone', () => {
    expect(codeOf(sent({ url: FULL_CONFIG.url, secret: TOKEN }), { token: TOKEN })).toBe('ok');
    expect(codeOf(sent(), { secrets: SIGNING_SECRET_OLD, now: SENT_AT_MS })).toBe('ok');
  });

  it('accepts timestamps exactly at the tolerance, either way', () => {
    const request = sent();
    expect(codeOf(request, { ...both, now: SENT_AT_MS + 300_000 })).toBe('ok');
    expect(codeOf(request, { ...both, now: SENT_AT_MS - 300_000 })).toBe('ok');
    expect(codeOf(request, { ...both, now: new Date(SENT_AT_MS + 10_000), toleranceSeconds: 10 })).toBe('ok');
  });

  it('reads the token from the header named by a custom prefix', () => {
    const request = sent(FULL_CONFIG, 'X-Acme');
    expect(codeOf(request, { ...both, headerPrefix: 'X-Acme' })).toBe('ok');
    expect(codeOf(request, both)).toBe('missing_token');
  });
});

describe('verifyWebhook — refusing everything else', () => {
  it('refuses a missing or wrong token', () => {
    const { 'X-Herald-Notification-Integration-Token': _, ...withoutToken } = sent().headers;
    expect(codeOf({ headers: withoutToken, body: sent().body })).toBe('missing_token');
    expect(codeOf(sent(), { ...both, token: `${TOKEN}x` })).toBe('bad_token');
    expect(codeOf(sent(), { ...both, token: 'short' })).toBe('bad_token');
  });

  it('refuses a tampered body', () => {
    const request = sent();
    expect(codeOf({ ...request, body: request.body.replace('master', 'main') })).toBe('bad_signature');
  });

  it('refuses signatures made with other secrets', () => {
    expect(codeOf(sent(), { secrets: OTHER_SECRET, now: SENT_AT_MS })).toBe('bad_signature');
  });

  it('refuses requests signed too long ago, or dated in the future', () => {
    expect(codeOf(sent(), { ...both, now: SENT_AT_MS + 301_000 })).toBe('timestamp_too_old');
    expect(codeOf(sent(), { ...both, now: SENT_AT_MS - 301_000 })).toBe('timestamp_in_future');
    expect(codeOf(sent(), { ...both, now: SENT_AT_MS + 11_000, toleranceSeconds: 10 })).toBe(
      'timestamp_too_old',
    );
  });

  it('refuses a re-dated request: the timestamp is part of what is signed', () => {
    const request = sent();
    const redated = { ...request.headers, 'webhook-timestamp': String(SENT_AT_MS / 1000 + 60) };
    expect(codeOf({ headers: redated, body: request.body })).toBe('bad_signature');
  });

  it('refuses missing or malformed Standard Webhooks headers', () => {
    const { headers, body } = sent();
    const without = (name: string) => Object.fromEntries(Object.entries(headers).filter(([k]) => k !== name));
    expect(codeOf({ headers: without('webhook-id'), body })).toBe('missing_id');
    expect(codeOf({ headers: without('webhook-timestamp'), body })).toBe('missing_timestamp');
    expect(codeOf({ headers: without('webhook-signature'), body })).toBe('missing_signature');
    expect(codeOf({ headers: { ...headers, 'webhook-timestamp': '1795770300abc' }, body })).toBe(
      'bad_timestamp',
    );
    expect(codeOf({ headers: { ...headers, 'webhook-timestamp': '-5' }, body })).toBe('bad_timestamp');
    expect(codeOf({ headers: { ...headers, 'webhook-signature': 'v1a,AAAA v2,BBBB' }, body })).toBe(
      'missing_signature',
    );
    expect(codeOf({ headers: { ...headers, 'webhook-signature': 'v1,' }, body })).toBe('missing_signature');
    expect(codeOf({ headers: { ...headers, 'webhook-signature': 'v1,AAAA' }, body })).toBe('bad_signature');
  });

  it('refuses a genuine token with a body that is not {event, data}', () => {
    const headers = { 'x-herald-notification-integration-token': TOKEN };
    expect(codeOf({ headers, body: 'not json' }, { token: TOKEN })).toBe('bad_payload');
    expect(codeOf({ headers, body: '{"event":"build:start","data":[]}' }, { token: TOKEN })).toBe(
      'bad_payload',
    );
    expect(codeOf({ headers, body: new Uint8Array([0xff, 0xfe]) }, { token: TOKEN })).toBe('bad_payload');
  });

  it('puts no secret in its error messages', () => {
    const messages: string[] = [];
    for (const options of [
      { ...both, token: `${TOKEN}-other` },
      { secrets: OTHER_SECRET, now: SENT_AT_MS },
      { ...both, now: 0 },
    ]) {
      try {
        verifyWebhook(sent(), options);
      } catch (err) {
        messages.push((err as Error).message);
      }
    }
    expect(messages).toHaveLength(3);
    for (const secret of [TOKEN, SIGNING_SECRET_CURRENT.slice(6), OTHER_SECRET.slice(6)]) {
      expect(messages.join('\n')).not.toContain(secret);
    }
  });
});

describe('verifyWebhook — receiver misconfiguration', () => {
  it('refuses to verify without a token or a secret (it would accept anything)', () => {
    expect(codeOf(sent(), {})).toBe('no_credentials');
    expect(codeOf(sent(), { secrets: [] })).toBe('no_credentials');
    expect(codeOf(sent(), { token: '' })).toBe('no_credentials');
  });

  it('refuses a malformed signing secret, a bad tolerance or a bad prefix', () => {
    expect(codeOf(sent(), { secrets: 'whsec_c2hvcnQ=' })).toBe('invalid_signing_secret');
    expect(codeOf(sent(), { ...both, toleranceSeconds: -1 })).toBe('invalid_tolerance');
    expect(codeOf(sent(), { ...both, headerPrefix: 'X Herald' })).toBe('invalid_header_prefix');
  });
});
