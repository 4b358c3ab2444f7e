import { buildNotification, exampleEvent } from '@herald/core';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { renderWebhook, verifyWebhook } from '../src/index.js';
import { SIGNING_KEY_CURRENT, SIGNING_SECRET_CURRENT, SIGNING_SECRET_OLD } from './fixtures.js';

// The independent reference implementation (standardwebhooks on npm) checks Herald's
// signatures and makes signatures for Herald's verifier: neither side can drift alone.

const OTHER_SECRET = `whsec_${Buffer.from('an-unrelated-key-of-32-bytes-!!!').toString('base64')}`;

function renderNow(
  signingSecrets: string[],
  event = exampleEvent('job-run:failure'),
  signingKeys?: string[],
) {
  return renderWebhook(
    buildNotification({
      event,
      integration: { id: 'int_ops', name: 'Ops webhook' },
      deliveryId: 'dlv_7K2M9Q4W8E1R6T3Y5U0I2O4P6A',
      attemptAt: new Date().toISOString(),
    }),
    { url: 'https://example.com/hook', signingSecrets, ...(signingKeys ? { signingKeys } : {}) },
  );
}

describe('webhook signatures — interoperability with the standardwebhooks package', () => {
  it('makes a signature that standardwebhooks verifies and whose body it parses back', () => {
    const request = renderNow([SIGNING_SECRET_CURRENT]);
    const payload = new Webhook(SIGNING_SECRET_CURRENT).verify(request.body, request.headers);
    expect(payload).toEqual(JSON.parse(request.body));
  });

  it('signs with every secret during rotation: each secret alone verifies', () => {
    const request = renderNow([SIGNING_SECRET_CURRENT, SIGNING_SECRET_OLD]);
    expect(request.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(() => new Webhook(SIGNING_SECRET_CURRENT).verify(request.body, request.headers)).not.toThrow();
    expect(() => new Webhook(SIGNING_SECRET_OLD).verify(request.body, request.headers)).not.toThrow();
    expect(() => new Webhook(OTHER_SECRET).verify(request.body, request.headers)).toThrow(
      'No matching signature found',
    );
  });

  it('keeps verifying with standardwebhooks when v1a signatures travel beside v1', () => {
    const request = renderNow([SIGNING_SECRET_CURRENT], exampleEvent('job-run:failure'), [
      SIGNING_KEY_CURRENT,
    ]);
    expect(request.headers['webhook-signature']).toMatch(/^v1,\S+ v1a,\S+$/);
    expect(() => new Webhook(SIGNING_SECRET_CURRENT).verify(request.body, request.headers)).not.toThrow();
    expect(() => new Webhook(OTHER_SECRET).verify(request.body, request.headers)).toThrow();
  });

  it('produces, per secret, exactly the signature standardwebhooks computes', () => {
    const request = renderNow([SIGNING_SECRET_CURRENT, SIGNING_SECRET_OLD]);
    const date = new Date(Number(request.headers['webhook-timestamp']) * 1000);
    const id = request.headers['webhook-id']!;
    expect(request.headers['webhook-signature']).toBe(
      [SIGNING_SECRET_CURRENT, SIGNING_SECRET_OLD]
        .map((s) => new Webhook(s).sign(id, date, request.body))
        .join(' '),
    );
  });

  it('is rejected by standardwebhooks once the body is tampered with', () => {
    const request = renderNow([SIGNING_SECRET_CURRENT]);
    const tampered = request.body.replace('"exitCode":1', '"exitCode":0');
    expect(tampered).not.toBe(request.body);
    expect(() => new Webhook(SIGNING_SECRET_CURRENT).verify(tampered, request.headers)).toThrow();
  });

  it("accepts signatures made by standardwebhooks' sign(id, date, body)", () => {
    const body = JSON.stringify({ event: 'backup:success', data: { backup: { id: 'b1' } } });
    const date = new Date();
    const id = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(date.getTime() / 1000)),
      'webhook-signature': new Webhook(SIGNING_SECRET_OLD).sign(id, date, body),
    };
    expect(
      verifyWebhook({ headers, body }, { secrets: [SIGNING_SECRET_CURRENT, SIGNING_SECRET_OLD] }),
    ).toEqual({
      id,
      timestamp: Number(headers['webhook-timestamp']),
      eventId: undefined,
      event: 'backup:success',
      data: { backup: { id: 'b1' } },
      body: JSON.parse(body),
    });
  });

  it('rejects standardwebhooks signatures over a tampered body or with another secret', () => {
    const body = JSON.stringify({ event: 'backup:success', data: {} });
    const date = new Date();
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(Math.floor(date.getTime() / 1000)),
      'webhook-signature': new Webhook(SIGNING_SECRET_CURRENT).sign('msg_1', date, body),
    };
    expect(() =>
      verifyWebhook({ headers, body: body.replace('{}', '{"x":1}') }, { secrets: SIGNING_SECRET_CURRENT }),
    ).toThrow(expect.objectContaining({ code: 'bad_signature' }));
    expect(() => verifyWebhook({ headers, body }, { secrets: OTHER_SECRET })).toThrow(
      expect.objectContaining({ code: 'bad_signature' }),
    );
  });
});
