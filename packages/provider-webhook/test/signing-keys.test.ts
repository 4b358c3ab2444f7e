import { buildNotification, exampleEvent } from '@herald/core';
import { describe, expect, it } from 'vitest';
import {
  generateSigningKey,
  githubSignatureOf,
  maskWebhookSecret,
  publicKeyOf,
  renderWebhook,
  type VerifyWebhookOptions,
  verifyWebhook,
  type WebhookConfig,
  webhookConfigSchema,
} from '../src/index.js';
import {
  SIGNING_KEY_CURRENT,
  SIGNING_KEY_OLD,
  SIGNING_SECRET_CURRENT,
  SIGNING_SECRET_OLD,
} from './fixtures.js';

// Standard Webhooks' asymmetric scheme (`v1a`, ed25519): Herald signs with a private key,
// the receiver verifies with the public key alone. And GitHub's X-Hub-Signature-256.

const SENT_AT_MS = Date.parse('2026-11-27T09:05:00.000Z');
const PUBLIC_CURRENT = publicKeyOf(SIGNING_KEY_CURRENT);
const PUBLIC_OLD = publicKeyOf(SIGNING_KEY_OLD);

function sent(config: Partial<WebhookConfig>) {
  return renderWebhook(
    buildNotification({
      event: exampleEvent('build:failure'),
      integration: { id: 'int_ops', name: 'Ops webhook' },
      deliveryId: 'dlv_7K2M9Q4W8E1R6T3Y5U0I2O4P6A',
      attemptAt: new Date(SENT_AT_MS).toISOString(),
    }),
    { url: 'https://example.com/hook', ...config },
  );
}

/** The code `verifyWebhook` refuses with, or 'ok'. */
function codeOf(request: { headers: Record<string, string>; body: string }, options: VerifyWebhookOptions) {
  try {
    verifyWebhook(request, { now: SENT_AT_MS, ...options });
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

const messagesOf = (config: unknown): string[] => {
  const result = webhookConfigSchema.safeParse(config);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('signing keys — ed25519 key encoding', () => {
  it('uses RFC 8032 raw keys: test vector 1’s seed gives its public key and signature', () => {
    // RFC 8032 §7.1, TEST 1: the empty message.
    const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
    const publicKey = Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex');
    const whsk = `whsk_${seed.toString('base64')}`;
    expect(publicKeyOf(whsk)).toBe(`whpk_${publicKey.toString('base64')}`);
    // libsodium's 64-byte form (seed ‖ public key) is the same key.
    expect(publicKeyOf(`whsk_${Buffer.concat([seed, publicKey]).toString('base64')}`)).toBe(
      publicKeyOf(whsk),
    );
  });

  it('generates distinct pairs whose public key is the private key’s', () => {
    const a = generateSigningKey();
    const b = generateSigningKey();
    expect(a.signingKey).toMatch(/^whsk_[A-Za-z0-9+/]{43}=$/);
    expect(a.publicKey).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);
    expect(publicKeyOf(a.signingKey)).toBe(a.publicKey);
    expect(b.signingKey).not.toBe(a.signingKey);
  });
});

describe('signing keys — sign and verify with the public key only', () => {
  it('round-trips: a v1a signature verifies with the public key', () => {
    const request = sent({ signingKeys: [SIGNING_KEY_CURRENT] });
    expect(request.headers['webhook-signature']).toMatch(/^v1a,[A-Za-z0-9+/]{86}==$/);
    expect(verifyWebhook(request, { publicKeys: PUBLIC_CURRENT, now: SENT_AT_MS })).toMatchObject({
      id: 'dlv_7K2M9Q4W8E1R6T3Y5U0I2O4P6A',
      event: 'build:failure',
    });
  });

  it('refuses a tampered body, a re-dated request and another key', () => {
    const request = sent({ signingKeys: [SIGNING_KEY_CURRENT] });
    const tampered = request.body.replace('"status":"FAILURE"', '"status":"SUCCESS"');
    expect(tampered).not.toBe(request.body);
    expect(codeOf({ ...request, body: tampered }, { publicKeys: PUBLIC_CURRENT })).toBe('bad_signature');
    const redated = { ...request.headers, 'webhook-timestamp': String(SENT_AT_MS / 1000 + 1) };
    expect(codeOf({ headers: redated, body: request.body }, { publicKeys: PUBLIC_CURRENT })).toBe(
      'bad_signature',
    );
    expect(codeOf(request, { publicKeys: generateSigningKey().publicKey })).toBe('bad_signature');
    expect(codeOf(request, { publicKeys: PUBLIC_OLD })).toBe('bad_signature');
  });

  it('signs with every key during rotation: each public key alone verifies', () => {
    const request = sent({ signingKeys: [SIGNING_KEY_CURRENT, SIGNING_KEY_OLD] });
    expect(request.headers['webhook-signature']!.split(' ').map((s) => s.split(',')[0])).toEqual([
      'v1a',
      'v1a',
    ]);
    expect(codeOf(request, { publicKeys: PUBLIC_CURRENT })).toBe('ok');
    expect(codeOf(request, { publicKeys: PUBLIC_OLD })).toBe('ok');
    expect(codeOf(request, { publicKeys: [generateSigningKey().publicKey, PUBLIC_OLD] })).toBe('ok');
    // After the old key is dropped, a receiver that only has the old public key is refused.
    expect(codeOf(sent({ signingKeys: [SIGNING_KEY_CURRENT] }), { publicKeys: PUBLIC_OLD })).toBe(
      'bad_signature',
    );
  });

  it('sends v1 and v1a side by side; each kind of receiver checks its own', () => {
    const request = sent({ signingSecrets: [SIGNING_SECRET_CURRENT], signingKeys: [SIGNING_KEY_CURRENT] });
    expect(request.headers['webhook-signature']!.split(' ').map((s) => s.split(',')[0])).toEqual([
      'v1',
      'v1a',
    ]);
    expect(codeOf(request, { secrets: SIGNING_SECRET_CURRENT })).toBe('ok');
    expect(codeOf(request, { publicKeys: PUBLIC_CURRENT })).toBe('ok');
    // A v1a signature is no signature to a receiver holding only HMAC secrets, and vice versa.
    expect(codeOf(sent({ signingKeys: [SIGNING_KEY_CURRENT] }), { secrets: SIGNING_SECRET_CURRENT })).toBe(
      'missing_signature',
    );
    expect(codeOf(sent({ signingSecrets: [SIGNING_SECRET_CURRENT] }), { publicKeys: PUBLIC_CURRENT })).toBe(
      'missing_signature',
    );
  });

  it('refuses a v1 signature relabelled v1a, garbage after v1a, and an empty v1a', () => {
    const hmac = sent({ signingSecrets: [SIGNING_SECRET_CURRENT] });
    const relabelled = hmac.headers['webhook-signature']!.replace(/^v1,/, 'v1a,');
    const code = (signature: string) =>
      codeOf(
        { headers: { ...hmac.headers, 'webhook-signature': signature }, body: hmac.body },
        {
          publicKeys: PUBLIC_CURRENT,
        },
      );
    for (const signature of [relabelled, 'v1a,not-base64!', 'v1a,AAAA']) {
      expect(code(signature), signature).toBe('bad_signature');
    }
    expect(code('v1a,')).toBe('missing_signature');
  });

  it('tells a receiver given the private key instead of the public one, without echoing it', () => {
    const request = sent({ signingKeys: [SIGNING_KEY_CURRENT] });
    let message = '';
    try {
      verifyWebhook(request, { publicKeys: SIGNING_KEY_CURRENT });
    } catch (err) {
      expect(err).toMatchObject({ name: 'WebhookConfigError', code: 'invalid_public_key' });
      message = (err as Error).message;
    }
    expect(message).toContain('never give a receiver the whsk_ private key');
    expect(message).not.toContain(SIGNING_KEY_CURRENT.slice(5, 20));
  });

  it('never puts the private key in the request', () => {
    const request = sent({ signingKeys: [SIGNING_KEY_CURRENT, SIGNING_KEY_OLD] });
    const text = JSON.stringify(request);
    for (const key of [SIGNING_KEY_CURRENT, SIGNING_KEY_OLD]) expect(text).not.toContain(key.slice(5));
  });
});

describe('signing keys — config and reads', () => {
  it('accepts whsk_ keys; refuses public keys, bad base64, wrong sizes and repeats, naming the field', () => {
    const url = 'https://example.com/h';
    expect(messagesOf({ url, signingKeys: [SIGNING_KEY_CURRENT, SIGNING_KEY_OLD] })).toEqual([]);
    expect(messagesOf({ url, signingKeys: [PUBLIC_CURRENT] })).toEqual([
      'signingKeys.0: must start with whsk_ (the private key; a whpk_ public key cannot sign)',
    ]);
    expect(messagesOf({ url, signingKeys: ['whsk_AAAA'] })).toEqual([
      'signingKeys.0: must decode to 32 or 64 bytes (it decodes to 3)',
    ]);
    expect(messagesOf({ url, signingKeys: ['whsk_no-padding'] })).toEqual([
      'signingKeys.0: must be whsk_ followed by standard, padded base64',
    ]);
    expect(messagesOf({ url, signingKeys: [SIGNING_KEY_OLD, SIGNING_KEY_OLD] })).toEqual([
      'signingKeys: must not repeat a key',
    ]);
    // libsodium's 64-byte form whose second half is another key's public key.
    const seed = Buffer.from(SIGNING_KEY_CURRENT.slice(5), 'base64');
    const otherPublic = Buffer.from(PUBLIC_OLD.slice(5), 'base64');
    expect(
      messagesOf({ url, signingKeys: [`whsk_${Buffer.concat([seed, otherPublic]).toString('base64')}`] }),
    ).toEqual(['signingKeys.0: is a 64-byte seed + public key whose halves do not belong together']);
    const six = Array.from({ length: 6 }, () => generateSigningKey().signingKey);
    expect(messagesOf({ url, signingKeys: six })).toEqual(['signingKeys: at most 5 signing keys']);
  });

  it('masks a private key as its public key in reads', () => {
    expect(maskWebhookSecret('signingKeys', SIGNING_KEY_CURRENT)).toBe(PUBLIC_CURRENT);
    expect(maskWebhookSecret('signingKeys', SIGNING_KEY_CURRENT)).not.toContain(SIGNING_KEY_CURRENT.slice(5));
  });
});

describe('X-Hub-Signature-256 (GitHub-compatible)', () => {
  it('computes GitHub’s documented example', () => {
    // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    expect(githubSignatureOf("It's a Secret to Everybody", 'Hello, World!')).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
  });

  it('is sent only when asked for, keyed with the oldest signing secret’s text', () => {
    expect(sent({ signingSecrets: [SIGNING_SECRET_CURRENT] }).headers['X-Hub-Signature-256']).toBeUndefined();
    const request = sent({
      signingSecrets: [SIGNING_SECRET_CURRENT, SIGNING_SECRET_OLD],
      githubSignature: true,
    });
    expect(request.headers['X-Hub-Signature-256']).toBe(githubSignatureOf(SIGNING_SECRET_OLD, request.body));
    expect(request.headers['X-Hub-Signature-256']).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it('needs a signing secret: the config names githubSignature otherwise', () => {
    expect(messagesOf({ url: 'https://example.com/h', githubSignature: true })).toEqual([
      'githubSignature: needs a signing secret: X-Hub-Signature-256 is an HMAC keyed with one of signingSecrets',
    ]);
    expect(messagesOf({ url: 'https://example.com/h', githubSignature: false })).toEqual([]);
    expect(messagesOf({ url: 'https://example.com/h', githubSignature: 'yes' })).toHaveLength(1);
  });
});
