import { describe, expect, it } from 'vitest';
import {
  decodeSigningSecret,
  maskWebhookSecret,
  WebhookConfigError,
  webhookConfigSchema,
} from '../src/index.js';
import { SIGNING_SECRET_CURRENT, SIGNING_SECRET_OLD, TOKEN } from './fixtures.js';

const whsec = (bytes: number) => `whsec_${Buffer.alloc(bytes, 7).toString('base64')}`;
const messagesOf = (config: unknown): string[] => {
  const result = webhookConfigSchema.safeParse(config);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('webhook config', () => {
  it('accepts a bare URL, a token, and signing secrets', () => {
    expect(messagesOf({ url: 'http://127.0.0.1:3000/webhook' })).toEqual([]);
    expect(messagesOf({ url: 'https://example.com/h', secret: TOKEN })).toEqual([]);
    expect(
      messagesOf({
        url: 'https://example.com/h',
        signingSecrets: [SIGNING_SECRET_CURRENT, SIGNING_SECRET_OLD],
      }),
    ).toEqual([]);
  });

  it('refuses URLs that are not http(s) with a host', () => {
    for (const url of [
      'ftp://example.com/h',
      'javascript:alert(1)',
      'https://',
      'https:///x',
      'example.com/h',
    ]) {
      expect(messagesOf({ url }), url).not.toEqual([]);
    }
  });

  it('refuses unknown fields, so a typo cannot silently turn signing off', () => {
    expect(messagesOf({ url: 'https://example.com/h', signingSecret: [SIGNING_SECRET_CURRENT] })).toEqual([
      ': Unrecognized key: "signingSecret"',
    ]);
  });

  it('bounds the token to 1–256 visible ASCII characters', () => {
    expect(messagesOf({ url: 'https://example.com/h', secret: '' })).toEqual(['secret: must not be empty']);
    expect(messagesOf({ url: 'https://example.com/h', secret: 'x'.repeat(256) })).toEqual([]);
    expect(messagesOf({ url: 'https://example.com/h', secret: 'x'.repeat(257) })).toHaveLength(1);
    expect(messagesOf({ url: 'https://example.com/h', secret: 'two words' })).toHaveLength(1);
    expect(messagesOf({ url: 'https://example.com/h', secret: 'tok\r\nX-Evil: 1' })).toHaveLength(1);
    expect(messagesOf({ url: 'https://example.com/h', secret: 'clé' })).toHaveLength(1);
  });

  it('requires whsec_ secrets of 24–64 bytes in standard, padded base64', () => {
    const ok = (s: string) => messagesOf({ url: 'https://example.com/h', signingSecrets: [s] }).length === 0;
    expect(ok(whsec(24))).toBe(true);
    expect(ok(whsec(64))).toBe(true);
    // Unpadded or url-safe base64 would not load in the Go reference library.
    expect(ok(whsec(32).replace(/=+$/, ''))).toBe(false);
    expect(ok(whsec(23))).toBe(false);
    expect(ok(whsec(65))).toBe(false);
    expect(ok(whsec(32).slice('whsec_'.length))).toBe(false);
    expect(ok('whsec_not base64 at all!!')).toBe(false);
    expect(ok(`whsec_${Buffer.alloc(32, 251).toString('base64url')}`)).toBe(false);
  });

  it('allows at most five distinct signing secrets', () => {
    const five = [24, 25, 26, 27, 28].map(whsec);
    expect(messagesOf({ url: 'https://example.com/h', signingSecrets: five })).toEqual([]);
    expect(messagesOf({ url: 'https://example.com/h', signingSecrets: [...five, whsec(29)] })).toHaveLength(
      1,
    );
    expect(messagesOf({ url: 'https://example.com/h', signingSecrets: [whsec(24), whsec(24)] })).toEqual([
      'signingSecrets: must not repeat a secret',
    ]);
  });

  it('never echoes a rejected secret in its error messages', () => {
    const badSecret = `whsec_${Buffer.alloc(10, 3).toString('base64')}`;
    const badToken = `${TOKEN}\n`;
    const text = messagesOf({
      url: 'https://example.com/h',
      secret: badToken,
      signingSecrets: [badSecret],
    }).join('\n');
    expect(text).toContain('signingSecrets.0: must decode to 24–64 bytes (it decodes to 10)');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(badSecret.slice('whsec_'.length));
  });

  it('decodes a signing secret to its bytes, with or without the whsec_ prefix', () => {
    expect(decodeSigningSecret(SIGNING_SECRET_CURRENT).toString()).toBe('herald-test-signing-key-current!');
    expect(decodeSigningSecret(SIGNING_SECRET_OLD.slice('whsec_'.length)).toString()).toBe(
      'herald-test-old-key-24b!',
    );
    expect(() => decodeSigningSecret('whsec_c2hvcnQ=')).toThrow(WebhookConfigError);
    try {
      decodeSigningSecret('whsec_c2hvcnQ=');
    } catch (err) {
      expect((err as WebhookConfigError).code).toBe('invalid_signing_secret');
      expect((err as Error).message).not.toContain('c2hvcnQ');
    }
  });

  it('masks secrets for reads, keeping only the whsec_ prefix and a short tail of long values', () => {
    expect(maskWebhookSecret('signingSecrets', SIGNING_SECRET_CURRENT)).toBe('whsec_…dCE=');
    expect(maskWebhookSecret('secret', TOKEN)).toBe('…5b4a');
    expect(maskWebhookSecret('secret', 'short-token')).toBe('…');
    expect(maskWebhookSecret('signingSecrets', [SIGNING_SECRET_CURRENT] as unknown as string)).toBe('…');
  });
});
